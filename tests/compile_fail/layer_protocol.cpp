// Rule implements_layer_protocol (layers/layer.hpp, checked in compose/network.hpp): a user's
// layer that has the spec members but no backward is reported once, by name, when a network
// uses it.
// expect-error: does not implement the layer protocol
// expect-trait: typenet::implements_layer_protocol<cf::scale_by_two, typenet::shape<3, 3, 3> ?>

#include <string>

#include "typenet.hpp"

namespace cf {
namespace tn = typenet;

struct scale_by_two : tn::layer_base<scale_by_two> {
    template<class In>
    using out_shape = In;
    static std::string name() { return "scale_by_two"; }
    template<class In, class T>
    static void forward(const T*, tn::tensor_view<const T, In> x, tn::tensor_view<T, In> y) {
        y = T{2} * x;
    }
#ifndef TYPENET_COMPILE_FAIL
    template<class In, class T>
    static void backward(const T*, tn::tensor_view<const T, In>, tn::tensor_view<const T, In>,
                         tn::tensor_view<const T, In> dy, tn::tensor_view<T, In> dx, T*) {
        dx = T{2} * dy;
    }
#endif
};

using net = tn::seq<tn::conv<2, 2, tn::filters<3>>, scale_by_two, tn::dense<4>, tn::softmax_ce>;
using input = tn::shape<1, 4, 4>;

float run(const tn::tensor<float, input>& x) {
    tn::model<net, input> m;
    return m.forward_backward(x, 0);
}
} // namespace cf
