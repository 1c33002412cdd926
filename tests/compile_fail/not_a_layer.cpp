// Rule is_layer (layers/layer.hpp, checked in compose/network.hpp): every element of a seq is a
// layer or a seq; a stray type (here a shape written where a layer belongs) stops the model with
// one error naming it.
// expect-error: an element is not a layer
// expect-trait: typenet::is_layer<typenet::shape<4> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net =
    typenet::seq<typenet::conv<2, 2>, typenet::relu, typenet::shape<4>, typenet::softmax_ce>;
#else
using net =
    typenet::seq<typenet::conv<2, 2>, typenet::relu, typenet::dense<4>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 4, 4>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
