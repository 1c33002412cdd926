// Rule kernel_nonempty (layers/conv.hpp): a kernel with no rows computes nothing.
// expect-error: kernel size 0
// expect-trait: typenet::kernel_nonempty<typenet::conv<0, 3> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using layer = typenet::conv<0, 3>;
#else
using layer = typenet::conv<1, 3>;
#endif
using input = typenet::shape<1, 4, 4>;
using net = typenet::seq<layer, typenet::relu, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
