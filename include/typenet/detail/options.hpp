#pragma once
// Layer options are tag types (`filters<6>`), order-free: option_v finds a tag among the options or
// yields its default; unknown_options_v says whether any option is not one of the accepted tags.

#include <cstddef>
#include <type_traits>

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

} // namespace typenet::detail
