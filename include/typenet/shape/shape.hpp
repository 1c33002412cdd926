#pragma once
// shape<D...>: a compile-time extent list. Rank 3 shapes are feature maps (C, H, W), rank 1 shapes
// are vectors (dense activations), rank 2 shapes are planes (one channel, one kernel).

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>

namespace typenet {

/// A static shape. `size` is the element count, `dims` the extents, `rank` their number.
template<std::size_t... D>
struct shape {
    static constexpr std::size_t rank = sizeof...(D);
    static constexpr std::size_t size = (D * ... * std::size_t{1});
    static constexpr std::array<std::size_t, rank> dims{D...};
};

/// The shape a layer produces when its input already failed a rule. Layers pass it through
/// unchecked, so one mistake yields one diagnostic instead of one per following layer.
struct invalid_shape {
    static constexpr std::size_t rank = 0;
    static constexpr std::size_t size = 0;
    static constexpr std::array<std::size_t, 0> dims{};
};

template<class S>
struct is_shape : std::false_type {};
template<std::size_t... D>
struct is_shape<shape<D...>> : std::true_type {};
/// True for every `shape<D...>`, false for `invalid_shape` and anything else.
template<class S>
inline constexpr bool is_shape_v = is_shape<S>::value;

/// Extent `I` of `S`.
template<class S, std::size_t I>
inline constexpr std::size_t dim_v = S::dims[I];

/// Row-major position of the index (i...) in shape S.
template<class S, class... I>
constexpr std::size_t linear_index(I... i) noexcept {
    static_assert(sizeof...(I) == S::rank, "typenet: index count must equal the tensor rank");
    std::size_t off = 0, k = 0;
    ((off = off * S::dims[k++] + static_cast<std::size_t>(i)), ...);
    return off;
}

namespace detail {
template<class S>
struct drop_front_impl;
template<std::size_t D0, std::size_t... D>
struct drop_front_impl<shape<D0, D...>> {
    using type = shape<D...>;
};
} // namespace detail

/// `shape<D1...>` for `shape<D0, D1...>`: the shape of one slice along the leading dimension.
template<class S>
using drop_front_t = typename detail::drop_front_impl<S>::type;

/// "1x28x28" — how shapes are spelled in messages, summaries and weight-file metadata.
template<class S>
std::string to_string() {
    if constexpr (!is_shape_v<S>) {
        return "invalid";
    } else {
        std::string s;
        for (std::size_t i = 0; i < S::rank; ++i) {
            if (i) s += 'x';
            s += std::to_string(S::dims[i]);
        }
        return s.empty() ? "scalar" : s;
    }
}

} // namespace typenet
