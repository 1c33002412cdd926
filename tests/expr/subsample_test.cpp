// subsample<SH, SW>(a) (include/typenet/expr/subsample.hpp): every SH-th row and SW-th column,
// on planes and stacks, by definition; the strided correlation as the stride-1 one subsampled
// (what torch's conv2d(stride=S) computes, docs/derivations.md §9); and its adjoint, dilate
// (⟨subsample(a), b⟩ = ⟨a, dilate(b)⟩: the backward of a subsampling zero-dilates the gradient).
#define BOOST_TEST_MODULE expr.subsample
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/dilate.hpp"
#include "typenet/expr/subsample.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../support/check.hpp"

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using value_types = std::tuple<float, double>;

// ⌊(N - 1)/S⌋ + 1 per plane extent; leading extents stay.
static_assert(std::is_same_v<
              decltype(tn::subsample<2, 3>(std::declval<tensor<float, shape<7, 8>>>()))::shape_type,
              shape<4, 3>>);
static_assert(std::is_same_v<decltype(tn::subsample<2, 1>(
                                 std::declval<tensor<float, shape<3, 6, 5>>>()))::shape_type,
                             shape<3, 3, 5>>);
static_assert(std::is_same_v<
              decltype(tn::subsample<5, 5>(std::declval<tensor<float, shape<1, 1>>>()))::shape_type,
              shape<1, 1>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(keeps_every_step_th_element, T, value_types) {
    tensor<T, shape<2, 7, 8>> a;
    tn::test::fill_uniform(a, 1);
    tensor<T, shape<2, 4, 3>> out;
    out.fill(T(99));
    out = tn::subsample<2, 3>(a);
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < 4; ++i)
            for (std::size_t j = 0; j < 3; ++j)
                BOOST_TEST(out(c, i, j) == a(c, 2 * i, 3 * j));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(step_one_is_the_identity, T, value_types) {
    tensor<T, shape<3, 4>> a, out;
    tn::test::fill_uniform(a, 2);
    out = tn::subsample<1, 1>(a);
    BOOST_TEST((out == a));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(strided_correlation, T, value_types) {
    // out(i, j) = sum_{m,n} a(2i + m, 3j + n) k(m, n): the valid correlation at stride (2, 3).
    tensor<T, shape<8, 9>> a;
    tensor<T, shape<3, 2>> k;
    tn::test::fill_uniform(a, 3);
    tn::test::fill_uniform(k, 4);
    tensor<T, shape<3, 3>> out;
    out = tn::subsample<2, 3>(tn::correlate(a, k));
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) {
            double e = 0;
            for (std::size_t m = 0; m < 3; ++m)
                for (std::size_t n = 0; n < 2; ++n)
                    e += double(a(2 * i + m, 3 * j + n)) * double(k(m, n));
            BOOST_TEST(double(out(i, j)) == e,
                       boost::test_tools::tolerance(tn::test::tolerance<T>()));
        }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoint_is_dilate, T, value_types) {
    // ⟨subsample<2,3>(a), b⟩ = ⟨a, dilate<2,3,7,8>(b)⟩ for a 7x8, b 4x3: every element of a that
    // subsample keeps meets the element of b that dilate puts back in its place; the rest meet 0.
    tensor<T, shape<7, 8>> a, db;
    tensor<T, shape<4, 3>> b, sa;
    tn::test::fill_uniform(a, 5);
    tn::test::fill_uniform(b, 6);
    sa = tn::subsample<2, 3>(a);
    db = tn::dilate<2, 3, 7, 8>(b);
    BOOST_TEST(tn::test::inner_product(sa, b) == tn::test::inner_product(a, db),
               boost::test_tools::tolerance(1e-12));
}
