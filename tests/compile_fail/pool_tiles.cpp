// Rule pool_tiles (layers/pool.hpp): 2x2 windows with stride 2 do not tile a 5x5 plane (PyTorch
// would silently drop the last row and column).
// expect-error: does not tile
// expect-trait: typenet::pool_tiles<typenet::maxpool<2>, typenet::shape<1, 5, 5> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using input = typenet::shape<1, 5, 5>;
#else
using input = typenet::shape<1, 4, 4>;
#endif
using net = typenet::seq<typenet::maxpool<2>, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
