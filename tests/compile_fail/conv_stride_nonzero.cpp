// Rule stride_nonzero (detail/options.hpp, checked by layers/conv.hpp): a conv with stride<0>.
// expect-error: typenet::conv: stride<0>
// expect-trait: typenet::stride_nonzero<typenet::conv<3, 3, .*typenet::stride<1, 0> ?> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::conv<3, 3, typenet::filters<2>, typenet::stride<1, 0>>,
                         typenet::softmax_ce>;
using input = typenet::shape<1, 6, 6>;
#else
using net = typenet::seq<typenet::conv<3, 3, typenet::filters<2>, typenet::stride<1, 2>>,
                         typenet::softmax_ce>;
using input = typenet::shape<1, 6, 6>;
#endif

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
