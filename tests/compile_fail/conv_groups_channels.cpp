// Rule groups_divide (layers/conv.hpp): groups<2> on a 3-channel input (PyTorch: "in_channels
// must be divisible by groups").
// expect-error: groups<G> must be at least 1 and divide both
// expect-trait: typenet::groups_divide<typenet::conv<3, 3, .*typenet::shape<3, 6, 6> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net =
    typenet::seq<typenet::conv<3, 3, typenet::groups<2>, typenet::filters<4>>, typenet::softmax_ce>;
using input = typenet::shape<3, 6, 6>;
#else
using net =
    typenet::seq<typenet::conv<3, 3, typenet::groups<2>, typenet::filters<4>>, typenet::softmax_ce>;
using input = typenet::shape<4, 6, 6>;
#endif

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
