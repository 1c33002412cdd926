// Rule units_nonzero (layers/dense.hpp): dense<0> has no outputs.
// expect-error: dense<0>
// expect-trait: typenet::units_nonzero<typenet::dense<0> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using layer = typenet::dense<0>;
#else
using layer = typenet::dense<3>;
#endif
using input = typenet::shape<1, 4, 4>;
using net = typenet::seq<typenet::conv<2, 2>, typenet::relu, layer, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
