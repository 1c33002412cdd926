// ops::maxpool2d (include/typenet/ops/maxpool2d.hpp): P×P windows, stride P; the gradient goes to
// the first maximum of each window (docs/derivations.md §5).
// Reference numbers: tests/data/gen_reference.py (ops_reference.hpp, maxpool*), torch's
// F.max_pool2d and autograd; plus the design notes' worked example.
#define BOOST_TEST_MODULE ops.maxpool2d
#include "typenet/ops/maxpool2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): exact in T: the op only
// copies, routes or masks values that are exact in T, so no floor.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 0.0 : 0.0;

static_assert(
    std::is_same_v<tn::ops::maxpool2d<2, shape<6, 24, 24>>::output_shape, shape<6, 12, 12>>);
static_assert(std::is_same_v<tn::ops::maxpool2d<3, shape<1, 6, 9>>::output_shape, shape<1, 2, 3>>);

template<class T, std::size_t P, class In, std::size_t NX, std::size_t NY>
void check_against_torch(const double (&x)[NX], const double (&y)[NY], const double (&dy)[NY],
                         const double (&dx)[NX], const std::string& what) {
    using op = tn::ops::maxpool2d<P, In>;
    const auto tx = from_ref<T, In>(x);
    tensor<T, typename op::output_shape> ty;
    op::template forward<T>(tx.view(), ty.view());
    check_close(ty, y, tolerance<T>(), abs_floor<T>, what + " y");
    const auto tdy = from_ref<T, typename op::output_shape>(dy);
    tensor<T, In> tdx;
    tdx.fill(T(5)); // backward writes every element, zeros included
    op::template backward<T>(tx.view(), tdy.view(), tdx.view());
    check_close(tdx, dx, tolerance<T>(), abs_floor<T>, what + " dx");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_2_matches_torch, T, value_types) {
    check_against_torch<T, 2, shape<2, 4, 6>>(ref::maxpool2__x, ref::maxpool2__y, ref::maxpool2__dy,
                                              ref::maxpool2__dx, "maxpool<2>");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(window_3_matches_torch, T, value_types) {
    check_against_torch<T, 3, shape<1, 6, 9>>(ref::maxpool3__x, ref::maxpool3__y, ref::maxpool3__dy,
                                              ref::maxpool3__dx, "maxpool<3>");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ties_go_to_the_first_maximum_like_torch, T, value_types) {
    // Windows with two to four equal maxima; torch's CPU kernel also keeps the first.
    check_against_torch<T, 2, shape<1, 4, 4>>(ref::maxpool_tie_x, ref::maxpool_tie_y,
                                              ref::maxpool_tie_dy, ref::maxpool_tie_dx,
                                              "maxpool<2> with ties");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(notes_worked_example, T, value_types) {
    // C = [[1, 2], [3, 4]] -> P = [4]; dL/dP = [2] -> dL/dC = [[0, 0], [0, 2]].
    using op = tn::ops::maxpool2d<2, shape<1, 2, 2>>;
    tensor<T, shape<1, 2, 2>> C, dC;
    C(0, 0, 0) = 1, C(0, 0, 1) = 2, C(0, 1, 0) = 3, C(0, 1, 1) = 4;
    tensor<T, shape<1, 1, 1>> P, dP;
    op::forward<T>(C.view(), P.view());
    BOOST_TEST(P(0, 0, 0) == T(4));
    dP(0, 0, 0) = 2;
    op::backward<T>(C.view(), dP.view(), dC.view());
    BOOST_TEST(dC(0, 0, 0) == T(0));
    BOOST_TEST(dC(0, 0, 1) == T(0));
    BOOST_TEST(dC(0, 1, 0) == T(0));
    BOOST_TEST(dC(0, 1, 1) == T(2));
}

namespace {
/// forward_pairs/backward_pairs (the SIMD path) against forward_scan/backward_scan (the
/// definition), bit for bit, on In filled by fill(k) for element k.
template<class T, class In, class Fill>
void check_pairs_against_scan(Fill fill, const std::string& what) {
    using op = tn::ops::maxpool2d<2, In>;
    using Out = typename op::output_shape;
    tensor<T, In> x, dx_scan, dx_pairs;
    tensor<T, Out> y_scan, y_pairs, dy;
    for (std::size_t k = 0; k < In::size; ++k)
        x.data()[k] = fill(k);
    for (std::size_t k = 0; k < Out::size; ++k)
        dy.data()[k] = static_cast<T>(0.25 * static_cast<double>(k + 1));
    dx_pairs.fill(T(5)); // every element must be written
    op::forward_scan(std::as_const(x).view(), y_scan.view());
    op::forward_pairs(std::as_const(x).view(), y_pairs.view());
    op::backward_scan(std::as_const(x).view(), std::as_const(dy).view(), dx_scan.view());
    op::backward_pairs(std::as_const(x).view(), std::as_const(dy).view(), dx_pairs.view());
    std::size_t bad = 0;
    for (std::size_t k = 0; k < Out::size; ++k) {
        const T a = y_scan.data()[k], b = y_pairs.data()[k];
        if (!(a == b || (a != a && b != b)))
            ++bad;
    }
    for (std::size_t k = 0; k < In::size; ++k)
        if (dx_scan.data()[k] != dx_pairs.data()[k])
            ++bad;
    BOOST_TEST(bad == 0u, what << ": " << bad << " elements differ");
}

template<class T>
void check_pairs() {
    // LeNet's shapes (24 = a pack and a half of floats, 8 = half a pack) and a ragged width,
    // on random values, on values from a set of three (many ties, in every position), and with
    // NaNs sprinkled in (a NaN first in its window wins, a later one never does).
    std::vector<double> noise(6 * 24 * 24);
    tn::test::fill_uniform(noise, 11);
    const auto random = [&](std::size_t k) { return static_cast<T>(noise[k % noise.size()]); };
    const auto ties = [&](std::size_t k) {
        return static_cast<T>((noise[k % noise.size()] > 0.3) + (noise[k % noise.size()] > -0.3));
    };
    const auto nans = [&](std::size_t k) {
        return k % 7 == 3 ? std::numeric_limits<T>::quiet_NaN() : random(k);
    };
    check_pairs_against_scan<T, shape<6, 24, 24>>(random, "6x24x24 random");
    check_pairs_against_scan<T, shape<16, 8, 8>>(random, "16x8x8 random");
    check_pairs_against_scan<T, shape<3, 6, 22>>(random, "3x6x22 random");
    check_pairs_against_scan<T, shape<6, 24, 24>>(ties, "6x24x24 ties");
    check_pairs_against_scan<T, shape<3, 6, 22>>(ties, "3x6x22 ties");
    check_pairs_against_scan<T, shape<6, 24, 24>>(nans, "6x24x24 NaNs");
    check_pairs_against_scan<T, shape<16, 8, 8>>(nans, "16x8x8 NaNs");
}
} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(simd_pairs_equal_the_scan, T, value_types) {
    if constexpr (tn::simd::width<T> >= 2) // one-lane packs (TYPENET_SCALAR_PACKS) have no pairs
        check_pairs<T>();
}
