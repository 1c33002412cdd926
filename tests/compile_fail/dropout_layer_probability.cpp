// Rule dropout_probability_valid (layers/dropout.hpp): dropout<std::ratio<1, 1>> would drop every
// element; the probability must be in [0, 1).
// expect-error: typenet::dropout: the drop probability N/D of dropout<std::ratio<N, D>>
// expect-trait: typenet::dropout_probability_valid<typenet::dropout<std::ratio<1, 1> ?> ?>

#include <ratio>

#include "typenet.hpp"

namespace cf {
using input = typenet::shape<6>;
#ifdef TYPENET_COMPILE_FAIL
using drop = typenet::dropout<std::ratio<1, 1>>;
#else
using drop = typenet::dropout<std::ratio<1, 2>>;
#endif
using net = typenet::seq<typenet::dense<4>, drop, typenet::dense<2>, typenet::softmax_ce>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 1);
}
} // namespace cf
