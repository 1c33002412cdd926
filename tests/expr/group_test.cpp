// group<G>(v, g) (include/typenet/expr/group.hpp): block g of G along the leading dimension, a
// view onto the same elements (channel blocks of a map, filter blocks of a weight); group<1> is
// the view itself, of the same type, so a one-group conv's expressions are unchanged.
#define BOOST_TEST_MODULE expr.group
#include "typenet/expr/group.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <type_traits>

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using tn::tensor_view;

static_assert(
    std::is_same_v<decltype(tn::group<4>(std::declval<tensor_view<float, shape<8, 3, 3>>>(), 0)),
                   tensor_view<float, shape<2, 3, 3>>>);
static_assert(std::is_same_v<decltype(tn::group<2>(
                                 std::declval<tensor_view<const double, shape<6, 1, 3, 3>>>(), 1)),
                             tensor_view<const double, shape<3, 1, 3, 3>>>);
static_assert(
    std::is_same_v<decltype(tn::group<1>(std::declval<tensor_view<float, shape<5, 4, 4>>>(), 0)),
                   tensor_view<float, shape<5, 4, 4>>>);

BOOST_AUTO_TEST_CASE(blocks_of_the_leading_dimension) {
    tensor<float, shape<6, 2, 3>> a;
    for (std::size_t k = 0; k < a.size(); ++k)
        a[k] = float(k);
    for (std::size_t g = 0; g < 3; ++g) {
        const auto b = tn::group<3>(a.view(), g);
        for (std::size_t c = 0; c < 2; ++c)
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t j = 0; j < 3; ++j)
                    BOOST_TEST(b(c, i, j) == a(2 * g + c, i, j));
    }
    // A view of mutable elements writes through.
    tn::group<3>(a.view(), 2)(1, 1, 2) = -1;
    BOOST_TEST(a(5, 1, 2) == -1.0f);
}
