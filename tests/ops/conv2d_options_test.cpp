// ops::conv2d with stride, padding and groups (include/typenet/ops/conv2d.hpp): the forward and
// both gradients, written as expressions on the padded input and the zero-dilated upstream
// gradient (docs/derivations.md §9), against the definition computed here loop by loop — the
// forward as PyTorch's Conv2d defines it, the backward as the chain rule applied to each product
// of that sum (every output's dz reaches the weight and the input element it multiplied). The
// whole-network comparison with PyTorch is tests/model/conv_options_parity_test.cpp.
#define BOOST_TEST_MODULE ops.conv2d_options
#include "typenet/ops/conv2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"

namespace tn = typenet;
using tn::dim_v;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Sums of at most a few hundred products of numbers in [-1, 1]: where they cancel, rounding is
// absolute, about T's epsilon times the partial sums.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-5 : 1e-13;

// The out-shape rule ⌊(H + 2PH - KH)/SH⌋ + 1 and the weight layout [F][C/G][KH][KW].
using strided = tn::ops::conv2d<3, 3, 8, shape<3, 7, 7>, 2, 2, 1, 1, 1>;
static_assert(std::is_same_v<strided::output_shape, shape<8, 4, 4>>);
static_assert(std::is_same_v<strided::weight_shape, shape<8, 3, 3, 3>>);
using odd = tn::ops::conv2d<5, 4, 1, shape<2, 11, 9>, 3, 2, 2, 1, 1>;
static_assert(std::is_same_v<odd::output_shape, shape<1, 4, 4>>);
using grouped = tn::ops::conv2d<3, 3, 8, shape<4, 6, 6>, 1, 1, 0, 0, 4>;
static_assert(std::is_same_v<grouped::weight_shape, shape<8, 1, 3, 3>>);
static_assert(std::is_same_v<grouped::output_shape, shape<8, 4, 4>>);
// The defaults are today's op.
static_assert(std::is_same_v<tn::ops::conv2d<3, 3, 8, shape<3, 7, 7>>,
                             tn::ops::conv2d<3, 3, 8, shape<3, 7, 7>, 1, 1, 0, 0, 1>>);

// ... and writes today's expressions, of the same types, so the fast evaluators see them as before.
namespace valid_conv {
using op = tn::ops::conv2d<5, 5, 6, shape<1, 28, 28>>;
using x_t = tn::tensor_view<const float, op::input_shape>;
using k_t = tn::tensor_view<const float, op::weight_shape>;
using dz_t = tn::tensor_view<const float, op::output_shape>;
static_assert(std::is_same_v<decltype(tn::group<1>(std::declval<x_t>(), 0)), x_t>);
static_assert(std::is_same_v<decltype(op::strided(tn::correlate_channels(
                                 op::padded(std::declval<x_t>()), std::declval<k_t>()))),
                             tn::correlate_channels_expr<x_t, k_t>>);
static_assert(std::is_same_v<decltype(tn::correlate_outer(op::padded(std::declval<x_t>()),
                                                          op::dilated(std::declval<dz_t>()))),
                             tn::correlate_outer_expr<x_t, dz_t>>);
static_assert(
    std::is_same_v<decltype(op::cropped(
                       tn::correlate_channels(tn::zero_pad<4, 4>(op::dilated(std::declval<dz_t>())),
                                              tn::rot180(tn::transpose(std::declval<k_t>()))))),
                   tn::correlate_channels_expr<tn::zero_pad_expr<4, 4, dz_t>,
                                               tn::rot180_expr<tn::transpose_expr<k_t>>>>);
} // namespace valid_conv

/// PyTorch's Conv2d by definition, and its gradients by the chain rule on each product.
template<class Op>
struct definition {
    static constexpr std::size_t C = Op::C, H = Op::H, W = Op::W,
                                 F = dim_v<typename Op::weight_shape, 0>,
                                 CG = dim_v<typename Op::weight_shape, 1>,
                                 KH = dim_v<typename Op::weight_shape, 2>,
                                 KW = dim_v<typename Op::weight_shape, 3>, FG = F / Op::groups,
                                 OH = dim_v<typename Op::output_shape, 1>,
                                 OW = dim_v<typename Op::output_shape, 2>;
    std::vector<double> z, dK, dB, dx;

    /// Calls f(f, i, j, c, m, n, r, q) for every product K(f, c, m, n)·x(g·CG + c, r, q) of the
    /// sum z(f, i, j) whose input element lies inside the input (the padding contributes 0).
    template<class Fn>
    static void for_each_product(Fn fn) {
        for (std::size_t f = 0; f < F; ++f)
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j)
                    for (std::size_t c = 0; c < CG; ++c)
                        for (std::size_t m = 0; m < KH; ++m)
                            for (std::size_t n = 0; n < KW; ++n) {
                                const std::size_t rp = i * Op::stride_h + m,
                                                  qp = j * Op::stride_w + n;
                                if (rp < Op::pad_h || qp < Op::pad_w || rp - Op::pad_h >= H ||
                                    qp - Op::pad_w >= W)
                                    continue;
                                fn(f, i, j, c, m, n, rp - Op::pad_h, qp - Op::pad_w);
                            }
    }

    template<class T>
    definition(const tensor<T, shape<C, H, W>>& x, const tensor<T, typename Op::weight_shape>& K,
               const tensor<T, shape<F>>& B, const tensor<T, typename Op::output_shape>& g)
        : z(F * OH * OW)
        , dK(F * CG * KH * KW)
        , dB(F)
        , dx(C * H * W) {
        for (std::size_t f = 0; f < F; ++f)
            for (std::size_t k = 0; k < OH * OW; ++k) {
                z[f * OH * OW + k] = double(B[f]);
                dB[f] += double(g[f * OH * OW + k]);
            }
        for_each_product([&](std::size_t f, std::size_t i, std::size_t j, std::size_t c,
                             std::size_t m, std::size_t n, std::size_t r, std::size_t q) {
            const std::size_t ch = f / FG * CG + c;
            const double xv = double(x(ch, r, q)), kv = double(K(f, c, m, n)),
                         gv = double(g(f, i, j));
            z[(f * OH + i) * OW + j] += kv * xv;
            dK[((f * CG + c) * KH + m) * KW + n] += gv * xv;
            dx[(ch * H + r) * W + q] += gv * kv;
        });
    }
};

template<class T, class Op>
void check_against_definition(std::uint64_t seed, const std::string& what) {
    using in = typename Op::input_shape;
    auto x = std::make_unique<tensor<T, in>>();
    auto K = std::make_unique<tensor<T, typename Op::weight_shape>>();
    auto B = std::make_unique<tensor<T, typename Op::bias_shape>>();
    auto dz = std::make_unique<tensor<T, typename Op::output_shape>>();
    tn::test::fill_uniform(*x, seed);
    tn::test::fill_uniform(*K, seed + 1);
    tn::test::fill_uniform(*B, seed + 2);
    tn::test::fill_uniform(*dz, seed + 3);
    const definition<Op> d(*x, *K, *B, *dz);

    auto z = std::make_unique<tensor<T, typename Op::output_shape>>();
    z->fill(T(7)); // forward writes every output
    Op::template forward<T>(x->view(), K->view(), B->view(), z->view());
    check_close(*z, d.z, tolerance<T>(), abs_floor<T>, what + " z");

    auto dK = std::make_unique<tensor<T, typename Op::weight_shape>>();
    auto dB = std::make_unique<tensor<T, typename Op::bias_shape>>();
    auto dx = std::make_unique<tensor<T, in>>();
    dx->fill(T(3)); // backward writes dx, including the rows and columns no window reaches
    Op::template backward<T>(x->view(), K->view(), dz->view(), dK->view(), dB->view(), dx->view());
    check_close(*dK, d.dK, tolerance<T>(), abs_floor<T>, what + " dK");
    check_close(*dB, d.dB, tolerance<T>(), abs_floor<T>, what + " dB");
    check_close(*dx, d.dx, tolerance<T>(), abs_floor<T>, what + " dx");

    // Parameter gradients accumulate; the input gradient is overwritten.
    Op::template backward<T>(x->view(), K->view(), dz->view(), dK->view(), dB->view(), dx->view());
    std::vector<double> twice(d.dK);
    for (double& v : twice)
        v *= 2;
    check_close(*dK, twice, tolerance<T>(), abs_floor<T>, what + " dK after two passes");
    check_close(*dx, d.dx, tolerance<T>(), abs_floor<T>, what + " dx after two passes");
}

// conv2d<KH, KW, F, In, SH, SW, PH, PW, G>
BOOST_AUTO_TEST_CASE_TEMPLATE(padding, T, value_types) {
    check_against_definition<T, tn::ops::conv2d<3, 3, 8, shape<3, 6, 6>, 1, 1, 1, 1, 1>>(
        10, "3x3 padding 1");
    check_against_definition<T, tn::ops::conv2d<3, 2, 2, shape<2, 4, 5>, 1, 1, 2, 0, 1>>(
        11, "3x2 padding (2, 0), wider than the kernel needs");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stride, T, value_types) {
    check_against_definition<T, tn::ops::conv2d<3, 3, 4, shape<2, 7, 7>, 2, 2, 0, 0, 1>>(
        20, "3x3 stride 2 on 7x7 (tiles exactly)");
    check_against_definition<T, tn::ops::conv2d<3, 3, 4, shape<2, 8, 8>, 2, 2, 0, 0, 1>>(
        21, "3x3 stride 2 on 8x8 (the floor drops the last row and column)");
    check_against_definition<T, tn::ops::conv2d<2, 3, 3, shape<2, 9, 7>, 3, 1, 0, 0, 1>>(
        22, "2x3 stride (3, 1)");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stride_and_padding, T, value_types) {
    check_against_definition<T, strided>(30, "3x3 stride 2 padding 1");
    check_against_definition<T, tn::ops::conv2d<3, 3, 4, shape<2, 8, 7>, 2, 1, 1, 0, 1>>(
        31, "3x3 stride (2, 1) padding (1, 0)");
    check_against_definition<T, odd>(32, "5x4 stride (3, 2) padding (2, 1), floor drops");
    check_against_definition<T, tn::ops::conv2d<3, 3, 2, shape<1, 2, 2>, 3, 3, 1, 1, 1>>(
        33, "3x3 over a 2x2 input padded to 4x4, stride 3: one output");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(groups, T, value_types) {
    check_against_definition<T, grouped>(40, "groups 4, one channel per group");
    check_against_definition<T, tn::ops::conv2d<3, 3, 6, shape<4, 6, 5>, 1, 1, 0, 0, 2>>(
        41, "groups 2, two channels and three filters per group");
    check_against_definition<T, tn::ops::conv2d<3, 3, 6, shape<6, 7, 7>, 2, 2, 1, 1, 3>>(
        42, "groups 3 stride 2 padding 1");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(depthwise_and_pointwise, T, value_types) {
    check_against_definition<T, tn::ops::conv2d<3, 3, 4, shape<4, 6, 6>, 1, 1, 1, 1, 4>>(
        50, "depthwise 3x3 padding 1");
    check_against_definition<T, tn::ops::conv2d<3, 3, 8, shape<4, 7, 7>, 2, 2, 1, 1, 4>>(
        51, "depthwise multiplier 2, stride 2");
    check_against_definition<T, tn::ops::conv2d<1, 1, 8, shape<3, 5, 5>>>(52, "1x1");
    check_against_definition<T, tn::ops::conv2d<1, 1, 4, shape<3, 5, 5>, 2, 2, 0, 0, 1>>(
        53, "1x1 stride 2");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(default_options_still_match_the_definition, T, value_types) {
    check_against_definition<T, tn::ops::conv2d<3, 2, 4, shape<3, 5, 6>>>(60, "valid 3x2");
    check_against_definition<T, tn::ops::conv2d<3, 3, 3, shape<2, 6, 20>>>(61, "valid, wide rows");
}
