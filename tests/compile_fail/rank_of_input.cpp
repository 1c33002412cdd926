// Rule rank_matches (shape/diagnostics.hpp, checked in layers/conv.hpp): a conv reads CxHxW
// feature maps, so binding it to a rank-2 shape is a mistake.
// expect-error: rank 3
// expect-trait: typenet::rank_matches<typenet::conv<3, 3>, typenet::shape<5, 5> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using input = typenet::shape<5, 5>;
#else
using input = typenet::shape<1, 5, 5>;
#endif
using net = typenet::seq<typenet::conv<3, 3>, typenet::relu, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
