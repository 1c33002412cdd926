// The other side of the compile-fail cases beside this file, in the manner of Boost.Mp11's *_sf
// tests: each mistake that stops a model from compiling is also *answerable* — a false rule trait
// usable in a concept, a requires-clause or an if constexpr — and asking never fires the layer's
// static_assert nor fails to compile, whatever the arguments. Compiling this file is the test;
// main() only gives CTest a program to run (compile_fail.traits_sf).

#include "typenet/dsl/lenet5.hpp"

#include <cstddef>
#include <ratio>
#include <type_traits>

#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

namespace {

// Rules as constraints.
template<class Layer, class In>
concept accepts = tn::fits_v<Layer, In>;

template<class Layer, class In>
constexpr int pick() {
    return 0;
}
template<class Layer, class In>
requires accepts<Layer, In>
constexpr int pick() {
    return 1;
}

// A user-side fold of a shape through layers that answers instead of reporting (network<Net, In>
// reports the first failed rule with a static_assert). It reads only the traits, and out_shape
// only after fits_v said yes.
template<class In, class Layer, class... Rest>
constexpr bool chain_fits() {
    if constexpr (!tn::fits_v<Layer, In>)
        return false;
    else if constexpr (sizeof...(Rest) == 0)
        return true;
    else if constexpr (Layer::is_loss)
        return false; // tn::loss_is_last: nothing may follow the loss
    else
        return chain_fits<typename Layer::template out_shape<In>, Rest...>();
}
template<class Net, class In>
struct seq_fits;
template<class... Layers, class In>
struct seq_fits<tn::seq<Layers...>, In> : std::bool_constant<chain_fits<In, Layers...>()> {};

// conv_kernel_fits.cpp: a 5x5 kernel on a 3x3 plane.
static_assert(!tn::kernel_fits<tn::conv<5, 5>, shape<1, 3, 3>>::value);
static_assert(!tn::fits_v<tn::conv<5, 5>, shape<1, 3, 3>>);
static_assert(!tn::conv<5, 5>::valid<shape<1, 3, 3>>);
static_assert(!accepts<tn::conv<5, 5>, shape<1, 3, 3>>);
static_assert(pick<tn::conv<5, 5>, shape<1, 3, 3>>() == 0);
static_assert(tn::kernel_fits<tn::conv<5, 5>, shape<1, 5, 5>>::value);
static_assert(pick<tn::conv<5, 5>, shape<1, 5, 5>>() == 1);

// conv_kernel_nonempty.cpp: conv<0, 3>.
static_assert(!tn::kernel_nonempty<tn::conv<0, 3>>::value);
static_assert(!tn::fits_v<tn::conv<0, 3>, shape<1, 4, 4>>);
static_assert(!accepts<tn::conv<0, 3>, shape<1, 4, 4>>);
static_assert(tn::fits_v<tn::conv<1, 3>, shape<1, 4, 4>>);

// conv_filters_nonzero.cpp: filters<0>.
static_assert(!tn::filters_nonzero<tn::conv<3, 3, tn::filters<0>>>::value);
static_assert(!tn::fits_v<tn::conv<3, 3, tn::filters<0>>, shape<1, 5, 5>>);
static_assert(tn::fits_v<tn::conv<3, 3, tn::filters<1>>, shape<1, 5, 5>>);

// pool_tiles.cpp: 2x2 windows over a 5x5 plane.
static_assert(!tn::pool_tiles<tn::maxpool<2>, shape<1, 5, 5>>::value);
static_assert(!tn::fits_v<tn::maxpool<2>, shape<1, 5, 5>>);
static_assert(!tn::fits_v<tn::avgpool<2>, shape<1, 5, 5>>);
static_assert(tn::fits_v<tn::maxpool<2>, shape<1, 4, 4>>);

// conv_stride_nonzero.cpp and maxpool_stride_nonzero.cpp: stride<0> in either direction.
static_assert(!tn::stride_nonzero<tn::conv<3, 3, tn::stride<1, 0>>>::value);
static_assert(!tn::fits_v<tn::conv<3, 3, tn::stride<0>>, shape<1, 6, 6>>);
static_assert(tn::fits_v<tn::conv<3, 3, tn::stride<2>>, shape<1, 6, 6>>);
static_assert(!tn::stride_nonzero<tn::maxpool<2, tn::stride<0>>>::value);
static_assert(!tn::fits_v<tn::maxpool<2, tn::stride<0>>, shape<1, 4, 4>>);
static_assert(!tn::fits_v<tn::maxpool<0>, shape<1, 4, 4>>);

// conv_groups_divide.cpp, conv_groups_channels.cpp, conv_groups_zero.cpp: G must divide C and F.
static_assert(
    !tn::groups_divide<tn::conv<3, 3, tn::filters<6>, tn::groups<4>>, shape<4, 6, 6>>::value);
static_assert(
    !tn::groups_divide<tn::conv<3, 3, tn::filters<4>, tn::groups<2>>, shape<3, 6, 6>>::value);
static_assert(!tn::groups_divide<tn::conv<3, 3, tn::groups<0>>, shape<1, 5, 5>>::value);
static_assert(!tn::fits_v<tn::conv<3, 3, tn::groups<0>>, shape<1, 5, 5>>);
static_assert(tn::fits_v<tn::conv<3, 3, tn::filters<4>, tn::groups<4>>, shape<4, 6, 6>>);
static_assert(!tn::groups_divide<tn::conv<3, 3, tn::groups<2>>, int>::value);
static_assert(pick<tn::conv<3, 3, tn::filters<6>, tn::groups<4>>, shape<4, 6, 6>>() == 0);

// conv_padded_kernel_fits.cpp: the kernel must fit the padded input.
static_assert(!tn::kernel_fits<tn::conv<5, 5, tn::padding<1>>, shape<1, 2, 2>>::value);
static_assert(tn::kernel_fits<tn::conv<5, 5, tn::padding<1>>, shape<1, 3, 3>>::value);
static_assert(tn::kernel_fits<tn::conv<5, 5, tn::padding<2, 0>>, shape<1, 1, 5>>::value);

// pool_padding_fits.cpp and pool_window_fits.cpp: padding <= P/2, the window fits the padded input.
static_assert(!tn::pool_padding_fits<tn::maxpool<3, tn::padding<2>>>::value);
static_assert(tn::pool_padding_fits<tn::maxpool<2, tn::padding<1>>>::value);
static_assert(!tn::fits_v<tn::maxpool<3, tn::stride<2>, tn::padding<2>>, shape<1, 8, 8>>);
static_assert(!tn::pool_window_fits<tn::maxpool<5, tn::padding<1>>, shape<1, 2, 2>>::value);
static_assert(tn::pool_window_fits<tn::maxpool<5, tn::padding<2>>, shape<1, 2, 2>>::value);
static_assert(!tn::pool_window_fits<tn::maxpool<2, tn::stride<1>>, tn::invalid_shape>::value);
// With a stride or padding option maxpool follows PyTorch's floor mode: no tiling rule.
static_assert(tn::pool_tiles<tn::maxpool<2, tn::stride<2>>, shape<1, 5, 5>>::value);
static_assert(tn::fits_v<tn::maxpool<3, tn::stride<2>, tn::padding<1>>, shape<1, 5, 5>>);
static_assert(
    seq_fits<tn::seq<tn::conv<3, 3, tn::filters<4>, tn::stride<2>, tn::padding<1>>, tn::relu,
                     tn::maxpool<3, tn::stride<2>, tn::padding<1>>,
                     tn::conv<3, 3, tn::filters<4>, tn::groups<4>, tn::padding<1>>, tn::softmax_ce>,
             shape<1, 28, 28>>::value);
static_assert(!seq_fits<tn::seq<tn::conv<3, 3, tn::filters<4>, tn::stride<2>>,
                                tn::conv<3, 3, tn::filters<4>, tn::groups<3>>, tn::softmax_ce>,
                        shape<1, 28, 28>>::value);

// dense_units_nonzero.cpp: dense<0>.
static_assert(!tn::units_nonzero<tn::dense<0>>::value);
static_assert(!tn::fits_v<tn::dense<0>, shape<3>>);
static_assert(!seq_fits<tn::seq<tn::conv<2, 2>, tn::relu, tn::dense<0>, tn::softmax_ce>,
                        shape<1, 4, 4>>::value);
static_assert(seq_fits<tn::seq<tn::conv<2, 2>, tn::relu, tn::dense<3>, tn::softmax_ce>,
                       shape<1, 4, 4>>::value);

// loss_is_last.cpp: softmax_ce second of three layers.
static_assert(!tn::loss_is_last<tn::softmax_ce, 1, 3>::value);
static_assert(tn::loss_is_last<tn::softmax_ce, 2, 3>::value);
static_assert(!seq_fits<tn::seq<tn::conv<2, 2>, tn::softmax_ce, tn::relu>, shape<1, 4, 4>>::value);
static_assert(seq_fits<tn::seq<tn::conv<2, 2>, tn::relu, tn::softmax_ce>, shape<1, 4, 4>>::value);

// forward_backward_needs_loss.cpp: no loss at the end.
static_assert(!tn::has_loss<tn::seq<tn::conv<2, 2>, tn::relu>>::value);
static_assert(tn::has_loss<tn::seq<tn::conv<2, 2>, tn::relu, tn::softmax_ce>>::value);

// rank_of_input.cpp and rank_after_dense.cpp: conv needs a CxHxW map.
static_assert(!tn::rank_matches<tn::conv<3, 3>, shape<5, 5>>::value);
static_assert(!tn::fits_v<tn::conv<3, 3>, shape<5, 5>>);
static_assert(!tn::rank_matches<tn::conv<2, 2>, shape<8>>::value);
static_assert(
    !seq_fits<tn::seq<tn::dense<8>, tn::conv<2, 2>, tn::softmax_ce>, shape<1, 5, 5>>::value);
static_assert(
    seq_fits<tn::seq<tn::conv<2, 2>, tn::dense<8>, tn::softmax_ce>, shape<1, 5, 5>>::value);

// not_a_layer.cpp and layer_protocol.cpp: the layer protocol (layers/layer.hpp).
struct forward_only : tn::layer_base<forward_only> {
    template<class In>
    using out_shape = In;
    static const char* name() { return "forward_only"; }
    template<class In, class T>
    static void forward(const T*, tn::tensor_view<const T, In>, tn::tensor_view<T, In>) {}
};
static_assert(!tn::is_layer<shape<4>>::value && !tn::is_layer<int>::value);
static_assert(tn::is_layer<forward_only>::value);
static_assert(!tn::implements_layer_protocol<forward_only, shape<3, 3, 3>>::value);
static_assert(tn::implements_layer_protocol<tn::relu, shape<3, 3, 3>>::value);

// leaky_relu_slope.cpp: a slope that is not a std::ratio.
static_assert(!tn::leaky_relu_slope_is_ratio<float>::value);
static_assert(!tn::fits_v<tn::leaky_relu<float>, shape<3>>);
static_assert(tn::fits_v<tn::leaky_relu<std::ratio<1, 5>>, shape<3>>);

// global_avgpool_rank.cpp: global_avgpool after dense.
static_assert(!tn::rank_matches<tn::global_avgpool, shape<8>>::value);
static_assert(!tn::fits_v<tn::global_avgpool, shape<8>>);
static_assert(tn::fits_v<tn::global_avgpool, shape<4, 4, 4>>);

// Anything that is not a shape — including the invalid_shape a failed layer hands on — is a
// plain "no", never a hard error.
static_assert(!tn::fits_v<tn::conv<2, 2>, int>);
static_assert(!tn::rank_matches<tn::conv<2, 2>, int>::value);
static_assert(!tn::kernel_fits<tn::conv<2, 2>, int>::value);
static_assert(!tn::fits_v<tn::maxpool<2>, int>);
static_assert(!tn::fits_v<tn::dense<2>, int>);
static_assert(!tn::fits_v<tn::relu, int>);
static_assert(!tn::fits_v<tn::flatten, void>);
static_assert(!tn::fits_v<tn::tanh, int>);
static_assert(!tn::fits_v<tn::global_avgpool, tn::invalid_shape>);
static_assert(!tn::fits_v<tn::softmax_ce, tn::invalid_shape>);
static_assert(!tn::fits_v<tn::conv<2, 2>, tn::invalid_shape>);
static_assert(!tn::pool_tiles<tn::avgpool<2>, tn::invalid_shape>::value);

// The rules of batch norm, dropout and residual blocks.
static_assert(tn::batch_norm_rank<tn::batch_norm, shape<8>>::value);
static_assert(tn::batch_norm_rank<tn::batch_norm, shape<4, 5, 5>>::value);
static_assert(!tn::batch_norm_rank<tn::batch_norm, shape<4, 5>>::value);
static_assert(!tn::fits_v<tn::batch_norm, tn::invalid_shape>);
static_assert(tn::dropout_probability_valid<tn::dropout<std::ratio<0, 1>>>::value);
static_assert(tn::dropout_probability_valid<tn::dropout<std::ratio<999, 1000>>>::value);
static_assert(!tn::dropout_probability_valid<tn::dropout<std::ratio<1, 1>>>::value);
static_assert(!tn::dropout_probability_valid<tn::dropout<std::ratio<3, 2>>>::value);
static_assert(
    tn::residual_shapes_match<tn::residual<tn::relu>, shape<2, 3, 3>, shape<2, 3, 3>>::value);
static_assert(
    !tn::residual_shapes_match<tn::residual<tn::relu>, shape<2, 3, 3>, shape<2, 4, 4>>::value);

// A real network passes the same fold.
static_assert(seq_fits<tn::dsl::lenet5, tn::dsl::lenet5_input>::value);
static_assert(!seq_fits<tn::dsl::lenet5, shape<1, 27, 27>>::value);

} // namespace

int main() {
    return 0;
}
