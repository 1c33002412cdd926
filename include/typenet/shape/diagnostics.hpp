#pragma once
// Rules that apply to every layer, as traits that tests can query. The layer-specific rules
// (kernel_fits, pool_tiles, ...) live with their layers, the network-wide ones (loss_is_last,
// has_loss) with the composition (compose/network.hpp). Each rule is checked by one static_assert
// whose condition is the trait itself, so the compiler prints the layer and the shapes. The
// condition is written `trait<...>{}`, not `trait<...>::value`: for `::value` g++ 12 names only the
// base class ("std::integral_constant<bool, false>::value evaluates to false").

#include "typenet/shape/shape.hpp"

#include <cstddef>
#include <type_traits>

namespace typenet {

/// Does `In` have the rank `Layer` consumes (Layer::input_rank; 0 means any rank)? False for
/// anything that is not a shape (invalid_shape, int, ...), without a hard error: a partial
/// specialisation, since `is_shape_v<In> && In::rank == ...` would still form `In::rank`.
template<class Layer, class In>
struct rank_matches : std::false_type {};
template<class Layer, std::size_t... D>
struct rank_matches<Layer, shape<D...>>
    : std::bool_constant<(Layer::input_rank == 0 || sizeof...(D) == Layer::input_rank)> {};

/// Does `Layer` accept input shape `In` (every rule of the layer holds)?
template<class Layer, class In>
struct fits : std::bool_constant<Layer::template valid<In>> {};
template<class Layer, class In>
inline constexpr bool fits_v = fits<Layer, In>::value;

} // namespace typenet
