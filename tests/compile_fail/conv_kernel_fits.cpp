// Rule kernel_fits (layers/conv.hpp): a 5x5 kernel cannot slide over a 3x3 plane.
// expect-error: kernel does not fit
// expect-trait: typenet::kernel_fits<typenet::conv<5, 5>, typenet::shape<1, 3, 3> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using input = typenet::shape<1, 3, 3>;
#else
using input = typenet::shape<1, 5, 5>;
#endif
using net = typenet::seq<typenet::conv<5, 5>, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
