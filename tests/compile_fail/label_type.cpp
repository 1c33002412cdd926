// Rule is_label_type_v (model/label.hpp): a label is a class index of an integer type; a
// floating label would be truncated silently by a conversion to std::size_t.
// expect-error: a label is a class index of an integer type

#include "typenet.hpp"

namespace cf {
using net = typenet::seq<typenet::conv<2, 2>, typenet::relu, typenet::softmax_ce>;
using input = typenet::shape<1, 4, 4>;

float run(const typenet::tensor<float, input>& x) {
    typenet::model<net, input> m;
#ifdef TYPENET_COMPILE_FAIL
    return m.forward_backward(x, 2.0);
#else
    return m.forward_backward(x, 2);
#endif
}
} // namespace cf
