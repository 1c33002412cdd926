// Rule batch_norm_rank (layers/batch_norm.hpp): batch norm takes CxHxW (BatchNorm2d) or shape<N>
// (BatchNorm1d); a rank-2 input is neither.
// expect-error: typenet::batch_norm: the input must be a CxHxW feature map
// expect-trait: typenet::batch_norm_rank<typenet::batch_norm, typenet::shape<3, 4> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using input = typenet::shape<3, 4>;
#else
using input = typenet::shape<12>;
#endif
using net = typenet::seq<typenet::batch_norm, typenet::dense<3>, typenet::softmax_ce>;

void run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    m.eval();
    m.forward(x);
}
} // namespace cf
