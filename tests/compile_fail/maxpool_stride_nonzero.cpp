// Rule stride_nonzero (detail/options.hpp, checked by layers/pool.hpp): maxpool<2, stride<0>>.
// expect-error: typenet::maxpool: stride<0>
// expect-trait: typenet::stride_nonzero<typenet::maxpool<2, typenet::stride<0, 0> ?> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::maxpool<2, typenet::stride<0>>, typenet::softmax_ce>;
#else
using net = typenet::seq<typenet::maxpool<2, typenet::stride<1>>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 4, 4>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
