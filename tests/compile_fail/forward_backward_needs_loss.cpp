// Rule has_loss (model/workspace.hpp): forward_backward needs a loss to differentiate; forward()
// alone works without one.
// expect-error: has no loss
// expect-trait: typenet::has_loss<typenet::seq<typenet::conv<2, 2>, typenet::relu> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::conv<2, 2>, typenet::relu>;
#else
using net = typenet::seq<typenet::conv<2, 2>, typenet::relu, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 4, 4>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    m.forward(x);
    return m.forward_backward(x, 0);
}
} // namespace cf
