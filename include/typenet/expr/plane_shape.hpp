#pragma once
// replace_plane_t<S, H, W>: the shape S with its last two extents (the plane) set to H and W; the
// leading extents (channels, filters) stay. The shape of every node that reshapes planes alike
// (subsample, dilate, crop).

#include "typenet/shape/shape.hpp"

#include <cstddef>
#include <utility>

namespace typenet::detail {

template<class S, std::size_t H, std::size_t W, class Lead = std::make_index_sequence<S::rank - 2>>
struct replace_plane;
template<class S, std::size_t H, std::size_t W, std::size_t... I>
struct replace_plane<S, H, W, std::index_sequence<I...>> {
    using type = shape<dim_v<S, I>..., H, W>;
};
template<class S, std::size_t H, std::size_t W>
using replace_plane_t = typename replace_plane<S, H, W>::type;

/// The plane's height and width of S.
template<class S>
inline constexpr std::size_t plane_h = dim_v<S, S::rank - 2>;
template<class S>
inline constexpr std::size_t plane_w = dim_v<S, S::rank - 1>;

} // namespace typenet::detail
