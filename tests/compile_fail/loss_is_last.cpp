// Rule loss_is_last (compose/network.hpp, checked there): layers after
// softmax_ce would never receive a gradient.
// expect-error: must be the last layer
// expect-trait: typenet::loss_is_last<typenet::softmax_ce, 1, 3>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::conv<2, 2>, typenet::softmax_ce, typenet::relu>;
#else
using net = typenet::seq<typenet::conv<2, 2>, typenet::relu, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 4, 4>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
