// dilate<SH, SW>(a) and dilate<SH, SW, EH, EW>(a) (include/typenet/expr/dilate.hpp): SH - 1 zero
// rows and SW - 1 zero columns between the elements, on planes and stacks, by definition, with
// the tight extent and extended by trailing zeros (the strided conv's dz as its backward needs
// it, docs/derivations.md §9); dilating by 1 is the identity.
#define BOOST_TEST_MODULE expr.dilate
#include "typenet/expr/dilate.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../support/check.hpp"

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using value_types = std::tuple<float, double>;

// (N - 1)·S + 1, or the extent asked for; leading extents stay.
static_assert(std::is_same_v<
              decltype(tn::dilate<2, 3>(std::declval<tensor<float, shape<3, 4>>>()))::shape_type,
              shape<5, 10>>);
static_assert(std::is_same_v<decltype(tn::dilate<2, 3, 6, 11>(
                                 std::declval<tensor<float, shape<2, 3, 4>>>()))::shape_type,
                             shape<2, 6, 11>>);
static_assert(std::is_same_v<
              decltype(tn::dilate<4, 4>(std::declval<tensor<float, shape<1, 1>>>()))::shape_type,
              shape<1, 1>>);

template<class T, std::size_t SH, std::size_t SW, std::size_t EH, std::size_t EW, class S>
void check_definition(const tensor<T, S>& a) {
    constexpr std::size_t C = tn::dim_v<S, 0>, H = tn::dim_v<S, 1>, W = tn::dim_v<S, 2>;
    tensor<T, shape<C, EH, EW>> out;
    out.fill(T(99)); // every element must be written, the zeros included
    out = tn::dilate<SH, SW, EH, EW>(a);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t i = 0; i < EH; ++i)
            for (std::size_t j = 0; j < EW; ++j) {
                const bool kept = i % SH == 0 && j % SW == 0 && i / SH < H && j / SW < W;
                BOOST_TEST(out(c, i, j) == (kept ? a(c, i / SH, j / SW) : T(0)),
                           "(" << c << ", " << i << ", " << j << ")");
            }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(zeros_between_the_elements, T, value_types) {
    tensor<T, shape<2, 3, 4>> a;
    tn::test::fill_uniform(a, 1);
    check_definition<T, 2, 3, 5, 10>(a); // the tight extent
    check_definition<T, 2, 3, 6, 12>(a); // extended by one row and two columns
    check_definition<T, 3, 1, 8, 4>(a);  // rows only
    check_definition<T, 1, 1, 4, 6>(a);  // no dilation, extended
}

BOOST_AUTO_TEST_CASE_TEMPLATE(step_one_is_the_identity, T, value_types) {
    tensor<T, shape<3, 4>> a, out;
    tn::test::fill_uniform(a, 2);
    out = tn::dilate<1, 1>(a);
    BOOST_TEST((out == a));
}
