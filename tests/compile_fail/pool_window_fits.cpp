// Rule pool_window_fits (layers/pool.hpp): a 5x5 window at stride 1 on a 2x2 plane padded by 2
// (6x6 fits) and by 1 (4x4 does not: no output row).
// expect-error: the PxP window does not fit the padded input
// expect-trait: typenet::pool_window_fits<typenet::maxpool<5, .*typenet::shape<1, 2, 2> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net =
    typenet::seq<typenet::maxpool<5, typenet::stride<1>, typenet::padding<1>>, typenet::softmax_ce>;
#else
using net =
    typenet::seq<typenet::maxpool<5, typenet::stride<1>, typenet::padding<2>>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 2, 2>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
