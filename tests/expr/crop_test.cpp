// crop<TOP, LEFT, EH, EW>(a) (include/typenet/expr/crop.hpp): the EH×EW window at (TOP, LEFT), on
// planes and stacks, by definition; cropping a zero_pad by its padding gives the operand back; and
// crop is zero_pad's adjoint (⟨zero_pad(a), b⟩ = ⟨a, crop(b)⟩: the padded conv's input gradient
// is the padded input's cropped, docs/derivations.md §9).
#define BOOST_TEST_MODULE expr.crop
#include "typenet/expr/crop.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../support/check.hpp"

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using value_types = std::tuple<float, double>;

static_assert(std::is_same_v<decltype(tn::crop<1, 2, 3, 4>(
                                 std::declval<tensor<float, shape<2, 5, 7>>>()))::shape_type,
                             shape<2, 3, 4>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(window_at_offset, T, value_types) {
    tensor<T, shape<2, 5, 7>> a;
    tn::test::fill_uniform(a, 1);
    tensor<T, shape<2, 3, 4>> out;
    out = tn::crop<1, 2, 3, 4>(a);
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 4; ++j)
                BOOST_TEST(out(c, i, j) == a(c, 1 + i, 2 + j));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(undoes_zero_pad, T, value_types) {
    tensor<T, shape<3, 4, 5>> a, out;
    tn::test::fill_uniform(a, 2);
    out = tn::crop<2, 1, 4, 5>(tn::zero_pad<2, 1>(a));
    BOOST_TEST((out == a));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoint_of_zero_pad, T, value_types) {
    tensor<T, shape<4, 5>> a, cb;
    tensor<T, shape<8, 7>> b, pa;
    tn::test::fill_uniform(a, 3);
    tn::test::fill_uniform(b, 4);
    pa = tn::zero_pad<2, 1>(a);
    cb = tn::crop<2, 1, 4, 5>(b);
    BOOST_TEST(tn::test::inner_product(pa, b) == tn::test::inner_product(a, cb),
               boost::test_tools::tolerance(1e-12));
}
