// ops::conv2d (include/typenet/ops/conv2d.hpp): valid multi-channel cross-correlation plus bias.
// 1. Forward and backward against PyTorch (F.conv2d and autograd): reference numbers from
//    tests/data/gen_reference.py (ops_reference.hpp, conv_*).
// 2. The design notes' worked example (3x3 input, 2x2 kernel; docs/derivations.md §1-§3), every
//    formula written out term by term, including the corrected dL/dk22.
#define BOOST_TEST_MODULE ops.conv2d
#include "typenet/ops/conv2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <tuple>
#include <type_traits>
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

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): each output is a sum of
// at most a few dozen products of inputs in [-1, 1], exact in T; where the products cancel,
// rounding is absolute, about T's epsilon times the partial sums.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-6 : 1e-15;

// The out-shape rule and PyTorch's parameter layout.
using multi = tn::ops::conv2d<3, 2, 4, shape<3, 5, 6>>;
static_assert(std::is_same_v<multi::output_shape, shape<4, 3, 5>>);
static_assert(std::is_same_v<multi::weight_shape, shape<4, 3, 3, 2>>);
static_assert(std::is_same_v<multi::bias_shape, shape<4>>);
static_assert(
    std::is_same_v<tn::ops::conv2d<5, 5, 6, shape<1, 28, 28>>::output_shape, shape<6, 24, 24>>);

template<class V>
std::vector<double> times(const V& v, double s) {
    std::vector<double> out;
    for (double x : v)
        out.push_back(x * s);
    return out;
}

/// Runs forward and backward of conv2d<KH, KW, F, In> on reference inputs and compares every
/// output with PyTorch's.
template<class T, std::size_t KH, std::size_t KW, std::size_t F, class In, std::size_t NX,
         std::size_t NK, std::size_t NB, std::size_t NZ>
void check_against_torch(const double (&x)[NX], const double (&K)[NK], const double (&B)[NB],
                         const double (&z)[NZ], const double (&dz)[NZ], const double (&dK)[NK],
                         const double (&dB)[NB], const double (&dx)[NX], const std::string& what) {
    using op = tn::ops::conv2d<KH, KW, F, In>;
    const auto tx = from_ref<T, In>(x);
    const auto tK = from_ref<T, typename op::weight_shape>(K);
    const auto tB = from_ref<T, typename op::bias_shape>(B);
    tensor<T, typename op::output_shape> tz;
    tz.fill(T(7)); // forward writes every output
    op::template forward<T>(tx.view(), tK.view(), tB.view(), tz.view());
    check_close(tz, z, tolerance<T>(), abs_floor<T>, what + " z");

    const auto tdz = from_ref<T, typename op::output_shape>(dz);
    tensor<T, typename op::weight_shape> tdK;
    tensor<T, typename op::bias_shape> tdB;
    tensor<T, In> tdx;
    tdx.fill(T(3)); // backward writes dx
    op::template backward<T>(tx.view(), tK.view(), tdz.view(), tdK.view(), tdB.view(), tdx.view());
    check_close(tdK, dK, tolerance<T>(), abs_floor<T>, what + " dK");
    check_close(tdB, dB, tolerance<T>(), abs_floor<T>, what + " dB");
    check_close(tdx, dx, tolerance<T>(), abs_floor<T>, what + " dx");

    // Parameter gradients accumulate; the input gradient is overwritten.
    op::template backward<T>(tx.view(), tK.view(), tdz.view(), tdK.view(), tdB.view(), tdx.view());
    check_close(tdK, times(dK, 2), tolerance<T>(), abs_floor<T>,
                what + " dK after two backward passes");
    check_close(tdB, times(dB, 2), tolerance<T>(), abs_floor<T>,
                what + " dB after two backward passes");
    check_close(tdx, dx, tolerance<T>(), abs_floor<T>, what + " dx after two backward passes");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(multi_channel_multi_filter_matches_torch, T, value_types) {
    // x 3x5x6, K 4x3x3x2 (non-square), B 4 -> z 4x3x5.
    check_against_torch<T, 3, 2, 4, shape<3, 5, 6>>(
        ref::conv_multi_x, ref::conv_multi_K, ref::conv_multi_B, ref::conv_multi_z,
        ref::conv_multi_dz, ref::conv_multi_dK, ref::conv_multi_dB, ref::conv_multi_dx,
        "conv 3x5x6 * 4x3x3x2");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(single_channel_matches_torch, T, value_types) {
    // seed_net's conv: x 1x5x5, K 1x1x2x2 -> z 1x4x4.
    check_against_torch<T, 2, 2, 1, shape<1, 5, 5>>(
        ref::conv_single_x, ref::conv_single_K, ref::conv_single_B, ref::conv_single_z,
        ref::conv_single_dz, ref::conv_single_dK, ref::conv_single_dB, ref::conv_single_dx,
        "conv 1x5x5 * 1x1x2x2");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(wide_planes_match_torch, T, value_types) {
    // 18-wide output rows take the fast forward kernel (expr/fast_kernels.hpp).
    check_against_torch<T, 3, 3, 3, shape<2, 6, 20>>(
        ref::conv_wide_x, ref::conv_wide_K, ref::conv_wide_B, ref::conv_wide_z, ref::conv_wide_dz,
        ref::conv_wide_dK, ref::conv_wide_dB, ref::conv_wide_dx, "conv 2x6x20 * 3x2x3x3");
}

// The notes' example. Small integers and halves: every product and sum below is exact in float
// and double, so the formulas must agree exactly, whatever the summation order.
struct worked_example {
    // x = [[x11 x12 x13] [x21 x22 x23] [x31 x32 x33]], K = [[k11 k12] [k21 k22]], bias B,
    // upstream gradient dz = [[dz11 dz12] [dz21 dz22]].
    double x11 = 2, x12 = -1, x13 = 3, x21 = 1, x22 = 4, x23 = -2, x31 = -3, x32 = 6, x33 = 5;
    double k11 = 1, k12 = -2, k21 = 3, k22 = 0.5, B = 0.5;
    double dz11 = 1, dz12 = -2, dz21 = 3, dz22 = 0.5;
};

BOOST_AUTO_TEST_CASE_TEMPLATE(notes_worked_example_term_by_term, T, value_types) {
    const worked_example e;
    using op = tn::ops::conv2d<2, 2, 1, shape<1, 3, 3>>;
    tensor<T, shape<1, 3, 3>> x;
    x(0, 0, 0) = T(e.x11), x(0, 0, 1) = T(e.x12), x(0, 0, 2) = T(e.x13);
    x(0, 1, 0) = T(e.x21), x(0, 1, 1) = T(e.x22), x(0, 1, 2) = T(e.x23);
    x(0, 2, 0) = T(e.x31), x(0, 2, 1) = T(e.x32), x(0, 2, 2) = T(e.x33);
    tensor<T, shape<1, 1, 2, 2>> K;
    K(0, 0, 0, 0) = T(e.k11), K(0, 0, 0, 1) = T(e.k12);
    K(0, 0, 1, 0) = T(e.k21), K(0, 0, 1, 1) = T(e.k22);
    tensor<T, shape<1>> B;
    B[0] = T(e.B);
    tensor<T, shape<1, 2, 2>> z, dz;
    dz(0, 0, 0) = T(e.dz11), dz(0, 0, 1) = T(e.dz12), dz(0, 1, 0) = T(e.dz21),
             dz(0, 1, 1) = T(e.dz22);

    // §1: z = x ⊗ K + B.
    op::forward<T>(x.view(), K.view(), B.view(), z.view());
    const auto [x11, x12, x13, x21, x22, x23, x31, x32, x33] =
        std::tuple{e.x11, e.x12, e.x13, e.x21, e.x22, e.x23, e.x31, e.x32, e.x33};
    const auto [k11, k12, k21, k22] = std::tuple{e.k11, e.k12, e.k21, e.k22};
    const auto [dz11, dz12, dz21, dz22] = std::tuple{e.dz11, e.dz12, e.dz21, e.dz22};
    BOOST_TEST(z(0, 0, 0) == T(x11 * k11 + x12 * k12 + x21 * k21 + x22 * k22 + e.B));
    BOOST_TEST(z(0, 0, 1) == T(x12 * k11 + x13 * k12 + x22 * k21 + x23 * k22 + e.B));
    BOOST_TEST(z(0, 1, 0) == T(x21 * k11 + x22 * k12 + x31 * k21 + x32 * k22 + e.B));
    BOOST_TEST(z(0, 1, 1) == T(x22 * k11 + x23 * k12 + x32 * k21 + x33 * k22 + e.B));

    tensor<T, shape<1, 1, 2, 2>> dK;
    tensor<T, shape<1>> dB;
    tensor<T, shape<1, 3, 3>> dx;
    op::backward<T>(x.view(), K.view(), dz.view(), dK.view(), dB.view(), dx.view());

    // §2: dL/dK = x ⊗ dL/dz.
    BOOST_TEST(dK(0, 0, 0, 0) == T(dz11 * x11 + dz12 * x12 + dz21 * x21 + dz22 * x22));
    BOOST_TEST(dK(0, 0, 0, 1) == T(dz11 * x12 + dz12 * x13 + dz21 * x22 + dz22 * x23));
    BOOST_TEST(dK(0, 0, 1, 0) == T(dz11 * x21 + dz12 * x22 + dz21 * x31 + dz22 * x32));
    // Corrected: the notes print x21 in the first term; z11 = ... + x22 k22 makes it x22.
    const double dk22_corrected = dz11 * x22 + dz12 * x23 + dz21 * x32 + dz22 * x33;
    const double dk22_as_printed = dz11 * x21 + dz12 * x23 + dz21 * x32 + dz22 * x33;
    BOOST_TEST(dK(0, 0, 1, 1) == T(dk22_corrected));
    // The correction matters: the printed formula gives another number (x21 != x22 here).
    BOOST_TEST(dk22_as_printed != dk22_corrected);
    BOOST_TEST(dK(0, 0, 1, 1) != T(dk22_as_printed));

    // §2: dL/dB = sum(dL/dz).
    BOOST_TEST(dB[0] == T(dz11 + dz12 + dz21 + dz22));

    // §3: dL/dx, each entry the sum over the outputs that x_mn feeds.
    BOOST_TEST(dx(0, 0, 0) == T(dz11 * k11));
    BOOST_TEST(dx(0, 0, 1) == T(dz11 * k12 + dz12 * k11));
    BOOST_TEST(dx(0, 0, 2) == T(dz12 * k12));
    BOOST_TEST(dx(0, 1, 0) == T(dz11 * k21 + dz21 * k11));
    BOOST_TEST(dx(0, 1, 1) == T(dz11 * k22 + dz12 * k21 + dz21 * k12 + dz22 * k11));
    BOOST_TEST(dx(0, 1, 2) == T(dz12 * k22 + dz22 * k12));
    BOOST_TEST(dx(0, 2, 0) == T(dz21 * k21));
    BOOST_TEST(dx(0, 2, 1) == T(dz21 * k22 + dz22 * k21));
    BOOST_TEST(dx(0, 2, 2) == T(dz22 * k22));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(filters_and_channels_superpose, T, value_types) {
    // Multi-channel conv = sum over channels of single-channel convs, bias added once per
    // filter; checked on the PyTorch case by running each (filter, channel) pair alone.
    using op = tn::ops::conv2d<3, 2, 4, shape<3, 5, 6>>;
    using single = tn::ops::conv2d<3, 2, 1, shape<1, 5, 6>>;
    const auto x = from_ref<T, shape<3, 5, 6>>(ref::conv_multi_x);
    const auto K = from_ref<T, op::weight_shape>(ref::conv_multi_K);
    const auto B = from_ref<T, op::bias_shape>(ref::conv_multi_B);
    tensor<T, op::output_shape> z;
    op::forward<T>(x.view(), K.view(), B.view(), z.view());
    std::vector<double> expected(op::output_shape::size);
    for (std::size_t f = 0; f < 4; ++f) {
        for (std::size_t i = 0; i < 15; ++i)
            expected[f * 15 + i] = ref::conv_multi_B[f];
        for (std::size_t c = 0; c < 3; ++c) {
            tensor<T, shape<1, 5, 6>> xc;
            tn::slice(xc.view(), 0) = tn::channel(x, c);
            tensor<T, single::weight_shape> kc;
            tn::slice(tn::slice(kc.view(), 0), 0) = tn::slice(tn::slice(K.view(), f), c);
            tensor<T, single::bias_shape> zero_bias;
            tensor<T, single::output_shape> zc;
            single::forward<T>(xc.view(), kc.view(), zero_bias.view(), zc.view());
            for (std::size_t i = 0; i < 15; ++i)
                expected[f * 15 + i] += zc[i];
        }
    }
    check_close(z, expected, tolerance<T>(), abs_floor<T>, "sum of single-channel convs");
}
