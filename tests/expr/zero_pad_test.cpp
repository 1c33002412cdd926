// zero_pad<PH, PW>(a) (include/typenet/expr/zero_pad.hpp) against torch's F.pad, and its adjoint
// (cropping the upstream gradient) against autograd. Reference numbers:
// tests/data/gen_reference.py (expr_reference.hpp, zero_pad_*).
#define BOOST_TEST_MODULE expr.zero_pad
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

#include "../data/expr_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::expr;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::from_ref;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): exact in T: the op only
// copies, routes or masks values that are exact in T, so no floor.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 0.0 : 0.0;

static_assert(std::is_same_v<
              decltype(tn::zero_pad<1, 2>(std::declval<tensor<float, shape<3, 4>>>()))::shape_type,
              shape<5, 8>>);

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_matches_torch_pad, T, value_types) {
    const auto a = from_ref<T, shape<3, 4>>(ref::zero_pad_a);
    tensor<T, shape<5, 8>> out;
    out.fill(T(99)); // every element must be written, the frame included
    out = tn::zero_pad<1, 2>(a);
    check_close(out, ref::zero_pad_out, tolerance<T>(), abs_floor<T>, "zero_pad<1,2>(a)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_padding_is_the_identity, T, value_types) {
    const auto a = from_ref<T, shape<3, 4>>(ref::zero_pad_a);
    tensor<T, shape<3, 4>> out;
    out = tn::zero_pad<0, 0>(a);
    BOOST_TEST((out == a));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adjoint_crops_the_upstream_gradient, T, value_types) {
    // The adjoint of padding keeps the interior of g. As a kernel expression: a valid correlation
    // with a (2PH+1)x(2PW+1) kernel that is 1 at its centre and 0 elsewhere.
    const auto g = from_ref<T, shape<5, 8>>(ref::zero_pad_g);
    tensor<T, shape<3, 5>> centre;
    centre(1, 2) = T(1);
    tensor<T, shape<3, 4>> da;
    da = tn::correlate(g, centre);
    check_close(da, ref::zero_pad_da, tolerance<T>(), abs_floor<T>, "crop(g)");
}
