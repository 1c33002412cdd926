// shape<D...>, its traits, linear_index, to_string and the conv/pool extent arithmetic
// (include/typenet/shape/shape.hpp, conv_arithmetic.hpp).
#define BOOST_TEST_MODULE shape
#include "typenet/shape/conv_arithmetic.hpp"
#include "typenet/shape/shape.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <type_traits>

namespace tn = typenet;

// What the types model is a compile-time fact: assert it first, then the values.
static_assert(tn::is_shape_v<tn::shape<1, 28, 28>>);
static_assert(tn::is_shape_v<tn::shape<>>);
static_assert(!tn::is_shape_v<tn::invalid_shape>);
static_assert(!tn::is_shape_v<int>);
static_assert(std::is_same_v<tn::drop_front_t<tn::shape<2, 3, 4>>, tn::shape<3, 4>>);
static_assert(std::is_same_v<tn::drop_front_t<tn::shape<7>>, tn::shape<>>);

BOOST_AUTO_TEST_CASE(rank_size_and_dims) {
    using s = tn::shape<2, 3, 4>;
    static_assert(s::rank == 3 && s::size == 24);
    BOOST_TEST(s::rank == 3u);
    BOOST_TEST(s::size == 24u);
    BOOST_TEST((s::dims == std::array<std::size_t, 3>{2, 3, 4}));
    BOOST_TEST((tn::dim_v<s, 0>) == 2u);
    BOOST_TEST((tn::dim_v<s, 1>) == 3u);
    BOOST_TEST((tn::dim_v<s, 2>) == 4u);

    // The empty product: a rank-0 shape holds one element (the value of sum()).
    BOOST_TEST(tn::shape<>::rank == 0u);
    BOOST_TEST(tn::shape<>::size == 1u);
    // A zero extent empties the shape.
    BOOST_TEST((tn::shape<3, 0, 2>::size) == 0u);
    BOOST_TEST(tn::invalid_shape::size == 0u);
}

BOOST_AUTO_TEST_CASE(linear_index_is_row_major) {
    using s = tn::shape<2, 3, 4>;
    std::size_t expected = 0;
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 3; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                BOOST_TEST(tn::linear_index<s>(c, h, w) == expected++);
    static_assert(tn::linear_index<s>(1, 2, 3) == 23);
    static_assert(tn::linear_index<tn::shape<5>>(4) == 4);
    static_assert(tn::linear_index<tn::shape<4, 6>>(2, 5) == 17);
}

BOOST_AUTO_TEST_CASE(to_string_spells_extents) {
    BOOST_TEST((tn::to_string<tn::shape<1, 28, 28>>()) == "1x28x28");
    BOOST_TEST((tn::to_string<tn::shape<10>>()) == "10");
    BOOST_TEST((tn::to_string<tn::shape<16, 4, 4>>()) == "16x4x4");
    BOOST_TEST(tn::to_string<tn::shape<>>() == "scalar");
    BOOST_TEST(tn::to_string<tn::invalid_shape>() == "invalid");
}

BOOST_AUTO_TEST_CASE(conv_and_pool_arithmetic) {
    // Valid correlation: N - K + 1 (the notes' 3x3 input with a 2x2 kernel gives 2x2).
    static_assert(tn::valid_extent(3, 2) == 2);
    static_assert(tn::valid_extent(28, 5) == 24);
    static_assert(tn::valid_extent(5, 5) == 1);
    // "Full" correlation pads by K - 1: 2 + 2 * 1 = 4, the notes' padded dL/dz.
    static_assert(tn::padded_extent(2, 1) == 4);
    static_assert(tn::padded_extent(7, 0) == 7);
    static_assert(tn::pooled_extent(24, 2) == 12);
    static_assert(tn::pooled_extent(9, 3) == 3);
    BOOST_TEST(tn::valid_extent(12, 5) == 8u);
    BOOST_TEST(tn::padded_extent(8, 4) == 16u);
    BOOST_TEST(tn::pooled_extent(8, 2) == 4u);
}
