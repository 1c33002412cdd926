// Rule groups_divide (layers/conv.hpp): groups<0>.
// expect-error: groups<G> must be at least 1
// expect-trait: typenet::groups_divide<typenet::conv<3, 3, typenet::groups<0> ?>, .*<1, 5, 5>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::conv<3, 3, typenet::groups<0>>, typenet::softmax_ce>;
using input = typenet::shape<1, 5, 5>;
#else
using net = typenet::seq<typenet::conv<3, 3, typenet::groups<1>>, typenet::softmax_ce>;
using input = typenet::shape<1, 5, 5>;
#endif

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
