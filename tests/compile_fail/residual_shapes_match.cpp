// Rule residual_shapes_match (compose/residual.hpp): a valid 3x3 conv makes 4x6x6 into 4x4x4, so
// Block(x) + x has no meaning; the one error names both shapes through the trait.
// expect-error: typenet::residual: the block's output and the shortcut's output
// expect-trait: typenet::residual_shapes_match<.*typenet::shape<4, 4, 4>, typenet::shape<4, 6, 6>
// ?>

#include "typenet.hpp"

namespace cf {
using input = typenet::shape<4, 6, 6>;
#ifdef TYPENET_COMPILE_FAIL
using block = typenet::seq<typenet::conv<3, 3, typenet::filters<4>>, typenet::relu>;
#else
using block =
    typenet::seq<typenet::conv<3, 3, typenet::filters<4>, typenet::padding<1>>, typenet::relu>;
#endif
using net = typenet::seq<typenet::residual<block>, typenet::dense<3>, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
