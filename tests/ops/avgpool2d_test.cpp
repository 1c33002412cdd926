// ops::avgpool2d (include/typenet/ops/avgpool2d.hpp): each window's mean; each input receives
// 1/P² of its window's upstream gradient (docs/derivations.md §6).
// Reference numbers: tests/data/gen_reference.py (ops_reference.hpp, avgpool*), torch's
// F.avg_pool2d and autograd; plus the design notes' worked example.
#define BOOST_TEST_MODULE ops.avgpool2d
#include "typenet/ops/avgpool2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <tuple>
#include <type_traits>

#include "../data/ops_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::ops;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::from_ref;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): a mean of P² values
// exact in T rounds relative to the window's values, not to the mean; the windows' values are at
// most 1 in magnitude.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-7 : 1e-16;

static_assert(std::is_same_v<tn::ops::avgpool2d<3, shape<2, 6, 3>>::output_shape, shape<2, 2, 1>>);

template<class T, std::size_t P, class In, std::size_t NX, std::size_t NY>
void check_against_torch(const double (&x)[NX], const double (&y)[NY], const double (&dy)[NY],
                         const double (&dx)[NX], const std::string& what) {
    using op = tn::ops::avgpool2d<P, In>;
    const auto tx = from_ref<T, In>(x);
    tensor<T, typename op::output_shape> ty;
    op::template forward<T>(tx.view(), ty.view());
    check_close(ty, y, tolerance<T>(), abs_floor<T>, what + " y");
    const auto tdy = from_ref<T, typename op::output_shape>(dy);
    tensor<T, In> tdx;
    tdx.fill(T(5));
    op::template backward<T>(tdy.view(), tdx.view());
    check_close(tdx, dx, tolerance<T>(), abs_floor<T>, what + " dx");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_2_matches_torch, T, value_types) {
    check_against_torch<T, 2, shape<2, 4, 6>>(ref::avgpool2__x, ref::avgpool2__y, ref::avgpool2__dy,
                                              ref::avgpool2__dx, "avgpool<2>");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_3_matches_torch, T, value_types) {
    check_against_torch<T, 3, shape<2, 6, 3>>(ref::avgpool3__x, ref::avgpool3__y, ref::avgpool3__dy,
                                              ref::avgpool3__dx, "avgpool<3>");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(notes_worked_example, T, value_types) {
    // C = [[1, 2], [3, 4]] -> P = [2.5]; dL/dP = [2] -> dL/dC = 1/4 * 2 = 0.5 everywhere.
    using op = tn::ops::avgpool2d<2, shape<1, 2, 2>>;
    tensor<T, shape<1, 2, 2>> C, dC;
    C(0, 0, 0) = 1, C(0, 0, 1) = 2, C(0, 1, 0) = 3, C(0, 1, 1) = 4;
    tensor<T, shape<1, 1, 1>> P, dP;
    op::forward<T>(C.view(), P.view());
    BOOST_TEST(P(0, 0, 0) == T(2.5));
    dP(0, 0, 0) = 2;
    op::backward<T>(dP.view(), dC.view());
    for (auto v : dC)
        BOOST_TEST(v == T(0.5));
}
