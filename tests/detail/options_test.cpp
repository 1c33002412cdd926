// Layer options as tag types (include/typenet/detail/options.hpp): option_v finds the tag among
// the options, in any position, or yields the default.
#define BOOST_TEST_MODULE detail.options
#include "typenet/detail/options.hpp"
#include "typenet/layers/conv.hpp"

#include <boost/test/unit_test.hpp>

namespace tn = typenet;
using tn::detail::option_v;

template<std::size_t N>
struct stride {};
struct unrelated {};

static_assert(option_v<tn::filters, 1> == 1);
static_assert(option_v<tn::filters, 1, tn::filters<6>> == 6);
static_assert(option_v<tn::filters, 1, stride<2>, tn::filters<6>> == 6);
static_assert(option_v<tn::filters, 1, tn::filters<6>, stride<2>> == 6);
static_assert(option_v<tn::filters, 7, stride<2>, unrelated> == 7);
static_assert(option_v<stride, 1, tn::filters<6>, stride<3>> == 3);
static_assert(tn::detail::is_option<tn::filters, tn::filters<4>>::value);
static_assert(!tn::detail::is_option<tn::filters, stride<4>>::value);

BOOST_AUTO_TEST_CASE(the_first_matching_tag_wins) {
    BOOST_TEST((option_v<tn::filters, 1, tn::filters<2>, tn::filters<3>>) == 2u);
    BOOST_TEST((tn::conv<3, 3, tn::filters<16>>::filter_count) == 16u);
}

// Two-value tags: stride<S> is stride<S, S>; option2_v finds the tag in any position or yields the
// defaults.
using tn::detail::option2_v;
static_assert(std::is_same_v<tn::stride<2>, tn::stride<2, 2>>);
static_assert(option2_v<tn::stride, 1, 1> == std::array<std::size_t, 2>{1, 1});
static_assert(option2_v<tn::stride, 1, 1, tn::filters<6>, tn::stride<3, 2>> ==
              std::array<std::size_t, 2>{3, 2});
static_assert(option2_v<tn::padding, 0, 0, tn::padding<1>, tn::stride<2>> ==
              std::array<std::size_t, 2>{1, 1});
static_assert(option2_v<tn::stride, 4, 4, tn::padding<1>, unrelated> ==
              std::array<std::size_t, 2>{4, 4});
static_assert(option_v<tn::groups, 1, tn::stride<2>, tn::groups<4>> == 4);
static_assert(tn::detail::has_option2_v<tn::padding, tn::filters<2>, tn::padding<0>>);
static_assert(!tn::detail::has_option2_v<tn::padding, tn::filters<2>, tn::stride<1>>);
