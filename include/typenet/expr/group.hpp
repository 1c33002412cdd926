#pragma once
// group<G>(v, g): block g of G equal blocks along the leading dimension of the view v, itself a
// view (no copy): channels [g·C/G, (g+1)·C/G) of a C×H×W map, filters [g·F/G, (g+1)·F/G) of an
// F×(C/G)×KH×KW weight. A grouped conv applies the one-group formulas to each block pair
// (docs/derivations.md §9). group<1>(v, 0) is v itself, of the same type.

#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>

namespace typenet {

namespace detail {
template<class S, std::size_t G>
struct group_shape;
template<std::size_t D0, std::size_t... D, std::size_t G>
struct group_shape<shape<D0, D...>, G> {
    static_assert(G > 0 && D0 % G == 0,
                  "typenet::group: the leading extent must be divisible by the group count");
    using type = shape<D0 / G, D...>;
};
} // namespace detail

/// Block g of G along the leading dimension of `v`.
template<std::size_t G, class T, class Shape>
constexpr auto group(tensor_view<T, Shape> v, std::size_t g) noexcept {
    using sub = typename detail::group_shape<Shape, G>::type;
    return tensor_view<T, sub>(v.data() + g * sub::size);
}

} // namespace typenet
