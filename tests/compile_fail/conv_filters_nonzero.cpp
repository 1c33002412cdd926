// Rule filters_nonzero (layers/conv.hpp): filters<0> would produce an empty feature map.
// expect-error: filters<0>
// expect-trait: typenet::filters_nonzero<typenet::conv<3, 3, typenet::filters<0> ?> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using layer = typenet::conv<3, 3, typenet::filters<0>>;
#else
using layer = typenet::conv<3, 3, typenet::filters<1>>;
#endif
using input = typenet::shape<1, 5, 5>;
using net = typenet::seq<layer, typenet::relu, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
