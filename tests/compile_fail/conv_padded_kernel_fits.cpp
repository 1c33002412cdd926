// Rule kernel_fits (layers/conv.hpp) with padding: a 5x5 kernel on a 2x2 plane padded by 1 (4x4):
// the output would have no rows (PyTorch: "Kernel size can't be greater than actual input size").
// expect-error: kernel does not fit the padded input
// expect-trait: typenet::kernel_fits<typenet::conv<5, 5, .*typenet::shape<1, 2, 2> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using input = typenet::shape<1, 2, 2>;
#else
using input = typenet::shape<1, 3, 3>;
#endif
using net = typenet::seq<typenet::conv<5, 5, typenet::padding<1>>, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
