#pragma once
// Layer options are tag types (`filters<6>`, `stride<2>`), order-free: option_v finds a one-value
// tag among the options or yields its default; option2_v does the same for the two-value tags
// (`stride<SH,SW>`, `padding<PH,PW>`, where `stride<S>` means `stride<S,S>`).

#include <array>
#include <cstddef>
#include <type_traits>

namespace typenet {

/// Option of conv and maxpool: the step between windows, SH rows and SW columns (`stride<S>`:
/// both S). conv's default is 1, maxpool's the window size. PyTorch: `stride=(SH, SW)`.
template<std::size_t SH, std::size_t SW = SH>
struct stride {
    static constexpr std::size_t rows = SH, cols = SW;
};

/// Option of conv and maxpool: PH zero rows above and below the input, PW zero columns left and
/// right (`padding<P>`: both P); default 0. maxpool's padding never wins the max. PyTorch:
/// `padding=(PH, PW)`.
template<std::size_t PH, std::size_t PW = PH>
struct padding {
    static constexpr std::size_t rows = PH, cols = PW;
};

/// Option of conv: G groups; channel block g of the input meets only filter block g (C and F
/// divisible by G; `groups<C>` is depthwise). Default 1. PyTorch: `groups=G`.
template<std::size_t G>
struct groups {
    static constexpr std::size_t value = G;
};

} // namespace typenet

namespace typenet::detail {

template<template<std::size_t> class Tag, class Opt>
struct is_option : std::false_type {
    static constexpr std::size_t value_of = 0;
};
template<template<std::size_t> class Tag, std::size_t V>
struct is_option<Tag, Tag<V>> : std::true_type {
    static constexpr std::size_t value_of = V;
};

/// Value of the first `Tag<V>` among Opts..., or Default.
template<template<std::size_t> class Tag, std::size_t Default, class... Opts>
constexpr std::size_t option_value() {
    constexpr bool is_tag[] = {is_option<Tag, Opts>::value..., true};
    constexpr std::size_t value[] = {is_option<Tag, Opts>::value_of..., Default};
    std::size_t i = 0;
    while (!is_tag[i])
        ++i;
    return value[i];
}

template<template<std::size_t> class Tag, std::size_t Default, class... Opts>
inline constexpr std::size_t option_v = option_value<Tag, Default, Opts...>();

template<template<std::size_t, std::size_t> class Tag, class Opt>
struct is_option2 : std::false_type {
    static constexpr std::array<std::size_t, 2> value_of{0, 0};
};
template<template<std::size_t, std::size_t> class Tag, std::size_t A, std::size_t B>
struct is_option2<Tag, Tag<A, B>> : std::true_type {
    static constexpr std::array<std::size_t, 2> value_of{A, B};
};

/// Values {rows, cols} of the first `Tag<A,B>` among Opts..., or {DefaultH, DefaultW}.
template<template<std::size_t, std::size_t> class Tag, std::size_t DefaultH, std::size_t DefaultW,
         class... Opts>
constexpr std::array<std::size_t, 2> option2_value() {
    constexpr bool is_tag[] = {is_option2<Tag, Opts>::value..., true};
    constexpr std::array<std::size_t, 2> value[] = {is_option2<Tag, Opts>::value_of...,
                                                    {DefaultH, DefaultW}};
    std::size_t i = 0;
    while (!is_tag[i])
        ++i;
    return value[i];
}

template<template<std::size_t, std::size_t> class Tag, std::size_t DefaultH, std::size_t DefaultW,
         class... Opts>
inline constexpr std::array<std::size_t, 2>
    option2_v = option2_value<Tag, DefaultH, DefaultW, Opts...>();

/// Is some option a `Tag<A,B>`?
template<template<std::size_t, std::size_t> class Tag, class... Opts>
inline constexpr bool has_option2_v = (is_option2<Tag, Opts>::value || ...);

} // namespace typenet::detail

namespace typenet {

/// Rule of conv and maxpool: the stride is at least 1 in both directions (`stride<0>` would put
/// every window at the origin, and the out-shape would divide by zero).
template<class Layer>
struct stride_nonzero : std::bool_constant<(Layer::stride_h > 0 && Layer::stride_w > 0)> {};

} // namespace typenet
