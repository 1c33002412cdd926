// Rule pool_padding_fits (layers/pool.hpp): padding 2 on a 3x3 window (PyTorch: "pad should be
// at most half of effective kernel size").
// expect-error: the padding is more than half the window
// expect-trait: typenet::pool_padding_fits<typenet::maxpool<3, .*typenet::padding<2, 2> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net =
    typenet::seq<typenet::maxpool<3, typenet::stride<2>, typenet::padding<2>>, typenet::softmax_ce>;
#else
using net =
    typenet::seq<typenet::maxpool<3, typenet::stride<2>, typenet::padding<1>>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 8, 8>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
