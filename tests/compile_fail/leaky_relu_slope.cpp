// Rule leaky_relu_slope_is_ratio (layers/leaky_relu.hpp): the slope is a std::ratio, not a
// number type.
// expect-error: the slope is a std::ratio
// expect-trait: typenet::leaky_relu_slope_is_ratio<float>

#include <ratio>

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
using net = typenet::seq<typenet::dense<5>, typenet::leaky_relu<float>, typenet::softmax_ce>;
#else
using net =
    typenet::seq<typenet::dense<5>, typenet::leaky_relu<std::ratio<1, 5>>, typenet::softmax_ce>;
#endif
using input = typenet::shape<3>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
