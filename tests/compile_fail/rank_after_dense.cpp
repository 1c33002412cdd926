// Rule rank_matches (shape/diagnostics.hpp, checked in layers/conv.hpp): dense produces a vector,
// so a conv after it has no CxHxW map to read.
// expect-error: rank 3
// expect-trait: typenet::rank_matches<typenet::conv<2, 2>, typenet::shape<8> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::dense<8>, typenet::conv<2, 2>, typenet::softmax_ce>;
#else
using net = typenet::seq<typenet::conv<2, 2>, typenet::dense<8>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 5, 5>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
