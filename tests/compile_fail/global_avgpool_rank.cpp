// Rule rank_matches for global_avgpool (layers/global_avgpool.hpp): it averages feature maps, so
// its input must be CxHxW, not the vector a dense layer makes.
// expect-error: global_avgpool: the input must be a CxHxW feature map
// expect-trait: typenet::rank_matches<typenet::global_avgpool, typenet::shape<8> ?>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::conv<3, 3, typenet::filters<4>>, typenet::dense<8>,
                         typenet::global_avgpool, typenet::softmax_ce>;
#else
using net = typenet::seq<typenet::conv<3, 3, typenet::filters<4>>, typenet::global_avgpool,
                         typenet::dense<8>, typenet::softmax_ce>;
#endif
using input = typenet::shape<1, 6, 6>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
