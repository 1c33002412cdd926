// tensor<T, Shape> (include/typenet/tensor/tensor.hpp): zero-initialised, 64-byte aligned,
// row-major, fixed-size storage with channel views.
#define BOOST_TEST_MODULE tensor.tensor
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using value_types = std::tuple<float, double>;

// A tensor is its elements: no heap, no indirection, aligned to a cache line.
static_assert(sizeof(tensor<float, shape<16>>) == 64);
static_assert(alignof(tensor<float, shape<1>>) == tn::tensor_alignment);
static_assert(sizeof(tensor<double, shape<1, 28, 28>>) >= 784 * sizeof(double));
static_assert(tn::viewable<tensor<float, shape<2, 2>>>);
static_assert(tn::expression_like<tensor<float, shape<2, 2>>>);
static_assert(!tn::expression<tensor<float, shape<2, 2>>>);
static_assert(tensor<float, shape<2, 3, 4>>::size() == 24);
static_assert(tensor<float, shape<2, 3, 4>>::rank == 3);

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_initialised_and_aligned, T, value_types) {
    tensor<T, shape<3, 5, 7>> t;
    for (auto v : t)
        BOOST_TEST(v == T(0));
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(t.data()) % tn::tensor_alignment == 0u);
    // Also on the heap (C++17 aligned new).
    auto h = std::make_unique<tensor<T, shape<9>>>();
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(h->data()) % tn::tensor_alignment == 0u);
    for (auto v : *h)
        BOOST_TEST(v == T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(indexing_is_row_major, T, value_types) {
    tensor<T, shape<2, 3, 4>> t;
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = T(i);
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 3; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                BOOST_TEST(t(c, h, w) == T(c * 12 + h * 4 + w));
    t(1, 2, 3) = T(-5);
    BOOST_TEST(t.data()[23] == T(-5));
    BOOST_TEST(t.end() - t.begin() == 24);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fill_compare_and_copy, T, value_types) {
    tensor<T, shape<2, 2>> a, b;
    a.fill(T(1.5));
    BOOST_TEST(!(a == b));
    b = a;
    BOOST_TEST((a == b));
    b(1, 1) = T(0);
    BOOST_TEST(!(a == b));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(channels_are_plane_views, T, value_types) {
    tensor<T, shape<3, 2, 2>> t;
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = T(i);
    auto c1 = tn::channel(t, 1);
    static_assert(std::is_same_v<decltype(c1), tn::tensor_view<T, shape<2, 2>>>);
    BOOST_TEST(c1.data() == t.data() + 4);
    BOOST_TEST(c1(0, 0) == T(4));
    BOOST_TEST(c1(1, 1) == T(7));
    c1(0, 1) = T(-1);
    BOOST_TEST(t(1, 0, 1) == T(-1));

    const auto& ct = t;
    auto c2 = tn::channel(ct, 2);
    static_assert(std::is_same_v<decltype(c2), tn::tensor_view<const T, shape<2, 2>>>);
    BOOST_TEST(c2(1, 0) == T(10));
    auto c0 = tn::channel(t.view(), 0);
    BOOST_TEST(c0.data() == t.data());
}
