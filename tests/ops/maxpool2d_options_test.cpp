// ops::maxpool2d with stride and padding (include/typenet/ops/maxpool2d.hpp): PyTorch's
// nn.MaxPool2d(P, S, Q) in floor mode, against the definition computed here — the input framed by
// -inf, every window scanned row-major for its first strict maximum, the gradient added there —
// plus the cases that definition hinges on: padding never wins (even over negative inputs, where
// zero padding would), overlapping windows add their gradients, and the rows and columns the floor
// drops get none. The whole-network comparison with PyTorch is
// tests/model/conv_options_parity_test.cpp.
#define BOOST_TEST_MODULE ops.maxpool2d_options
#include "typenet/ops/maxpool2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using value_types = std::tuple<float, double>;

// maxpool2d<P, In, SH, SW, PH, PW>: out ⌊(H + 2PH - P)/SH⌋ + 1.
static_assert(std::is_same_v<tn::ops::maxpool2d<3, shape<2, 7, 7>, 2, 2, 1, 1>::output_shape,
                             shape<2, 4, 4>>);
static_assert(std::is_same_v<tn::ops::maxpool2d<3, shape<1, 8, 9>, 2, 2, 0, 0>::output_shape,
                             shape<1, 3, 4>>);
static_assert(std::is_same_v<tn::ops::maxpool2d<2, shape<1, 5, 6>, 1, 2, 1, 0>::output_shape,
                             shape<1, 6, 3>>);
// The defaults are today's tiling op, and with stride P on a tiled plane the same paths run.
static_assert(std::is_same_v<tn::ops::maxpool2d<2, shape<6, 24, 24>>,
                             tn::ops::maxpool2d<2, shape<6, 24, 24>, 2, 2, 0, 0>>);
static_assert(tn::ops::maxpool2d<2, shape<6, 24, 24>>::tiling);
static_assert(!tn::ops::maxpool2d<2, shape<1, 5, 5>, 2, 2, 0, 0>::tiling);

/// The definition: -inf padding, a row-major scan over the padded window keeping the first strict
/// maximum, the gradient added at its position.
template<class Op>
struct definition {
    static constexpr std::size_t C = Op::C, H = Op::H, W = Op::W, OH = Op::OH, OW = Op::OW;
    std::vector<double> y, dx;
    static constexpr std::size_t P = Op::window_size, SH = Op::stride_h, SW = Op::stride_w,
                                 PH = Op::pad_h, PW = Op::pad_w;
    template<class T>
    definition(const tensor<T, shape<C, H, W>>& x, const tensor<T, shape<C, OH, OW>>& dy)
        : y(C * OH * OW)
        , dx(C * H * W) {
        const std::size_t HP = H + 2 * PH, WP = W + 2 * PW;
        std::vector<double> xp(HP * WP);
        for (std::size_t c = 0; c < C; ++c) {
            std::fill(xp.begin(), xp.end(), -std::numeric_limits<double>::infinity());
            for (std::size_t r = 0; r < H; ++r)
                for (std::size_t q = 0; q < W; ++q)
                    xp[(r + PH) * WP + q + PW] = double(x(c, r, q));
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j) {
                    std::size_t best = i * SH * WP + j * SW;
                    for (std::size_t m = 0; m < P; ++m)
                        for (std::size_t n = 0; n < P; ++n) {
                            const std::size_t k = (i * SH + m) * WP + j * SW + n;
                            if (xp[k] > xp[best])
                                best = k;
                        }
                    y[(c * OH + i) * OW + j] = xp[best];
                    const std::size_t r = best / WP - PH, q = best % WP - PW;
                    dx[(c * H + r) * W + q] += double(dy(c, i, j));
                }
        }
    }
};

template<class T, std::size_t P, class In, std::size_t SH, std::size_t SW, std::size_t PH,
         std::size_t PW>
void check_against_definition(std::uint64_t seed, const std::string& what, double lo = -1,
                              double hi = 1) {
    using op = tn::ops::maxpool2d<P, In, SH, SW, PH, PW>;
    auto x = std::make_unique<tensor<T, In>>();
    auto dy = std::make_unique<tensor<T, typename op::output_shape>>();
    tn::test::fill_uniform(*x, seed, lo, hi);
    tn::test::fill_uniform(*dy, seed + 1);
    const definition<op> d(*x, *dy);
    auto y = std::make_unique<tensor<T, typename op::output_shape>>();
    y->fill(T(7));
    op::template forward<T>(x->view(), y->view());
    check_close(*y, d.y, 0.0, 0.0, what + " y"); // the max is one of the inputs: exact
    auto dx = std::make_unique<tensor<T, In>>();
    dx->fill(T(5)); // backward writes every element, zeros included
    op::template backward<T>(x->view(), dy->view(), dx->view());
    // Overlapping windows add up to a few gradients: rounding in T.
    check_close(*dx, d.dx, tn::test::tolerance<T>(), std::is_same_v<T, float> ? 1e-6 : 1e-15,
                what + " dx");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stride_and_padding_match_the_definition, T, value_types) {
    check_against_definition<T, 3, shape<2, 7, 7>, 2, 2, 1, 1>(1, "3, stride 2, padding 1");
    check_against_definition<T, 3, shape<2, 8, 8>, 2, 2, 1, 1>(2, "3, stride 2, padding 1, 8x8");
    check_against_definition<T, 3, shape<1, 8, 9>, 2, 2, 0, 0>(3, "3, stride 2 (floor drops)");
    check_against_definition<T, 2, shape<2, 5, 5>, 2, 2, 0, 0>(4, "2, stride 2 on 5x5");
    check_against_definition<T, 2, shape<1, 5, 6>, 1, 2, 1, 0>(5,
                                                               "2, stride (1, 2), padding (1, 0)");
    check_against_definition<T, 2, shape<3, 6, 6>, 1, 1, 0, 0>(6, "2, stride 1 (overlapping)");
    check_against_definition<T, 4, shape<1, 9, 7>, 3, 2, 2, 1>(7,
                                                               "4, stride (3, 2), padding (2, 1)");
    check_against_definition<T, 5, shape<1, 3, 3>, 1, 1, 2, 2>(8, "5 over 3x3 padded by 2");
    // All inputs negative: zero padding would win the border windows, -inf padding never does.
    check_against_definition<T, 3, shape<2, 7, 7>, 2, 2, 1, 1>(9, "negative inputs", -2, -1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(padding_never_wins, T, value_types) {
    // One channel 2x2 of -inf and -3, 2x2 windows at stride 1 over it padded to 4x4: a window of
    // padding and -inf still takes an input element.
    using op = tn::ops::maxpool2d<2, shape<1, 2, 2>, 1, 1, 1, 1>;
    tensor<T, shape<1, 2, 2>> x;
    const T inf = std::numeric_limits<T>::infinity();
    x(0, 0, 0) = -inf, x(0, 0, 1) = T(-3), x(0, 1, 0) = -inf, x(0, 1, 1) = -inf;
    tensor<T, op::output_shape> y, dy;
    op::template forward<T>(x.view(), y.view());
    // Window (0, 0) covers only x(0, 0, 0) = -inf: its maximum is that element, not padding.
    BOOST_TEST(y(0, 0, 0) == -inf);
    BOOST_TEST(y(0, 0, 1) == T(-3));
    BOOST_TEST(y(0, 2, 2) == -inf);
    dy.fill(T(1));
    tensor<T, shape<1, 2, 2>> dx;
    op::template backward<T>(x.view(), dy.view(), dx.view());
    // Every one of the 9 windows sends its gradient to an input element: 9 in all. x(0, 0, 1)
    // wins the four windows that contain it; the others go to each window's first element.
    BOOST_TEST(dx(0, 0, 0) + dx(0, 0, 1) + dx(0, 1, 0) + dx(0, 1, 1) == T(9));
    BOOST_TEST(dx(0, 0, 1) == T(4));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ties_go_to_the_first_maximum_in_scan_order, T, value_types) {
    using op = tn::ops::maxpool2d<3, shape<1, 4, 4>, 1, 1, 1, 1>;
    tensor<T, shape<1, 4, 4>> x;
    x.fill(T(1)); // every window is one tie
    tensor<T, op::output_shape> dy;
    dy.fill(T(1));
    tensor<T, shape<1, 4, 4>> dx;
    op::template backward<T>(x.view(), dy.view(), dx.view());
    // Window (i, j) covers input rows i-1..i+1, columns j-1..j+1 (clipped); its first element is
    // (max(i-1, 0), max(j-1, 0)). Rows/columns 0 and 1 therefore collect: 2x2 windows each at
    // (0,0)...
    std::vector<double> expected(16, 0.0);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            expected[(i == 0 ? 0 : i - 1) * 4 + (j == 0 ? 0 : j - 1)] += 1;
    check_close(dx, expected, 0.0, 0.0, "ties");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(rows_the_floor_drops_get_no_gradient, T, value_types) {
    using op = tn::ops::maxpool2d<3, shape<1, 8, 8>, 2, 2, 0, 0>; // windows cover rows 0..6
    tensor<T, shape<1, 8, 8>> x;
    tn::test::fill_uniform(x, 12);
    x(0, 7, 7) = T(100); // the largest element, in no window
    tensor<T, op::output_shape> y, dy;
    op::template forward<T>(x.view(), y.view());
    for (T v : y)
        BOOST_TEST(v < T(100));
    dy.fill(T(1));
    tensor<T, shape<1, 8, 8>> dx;
    dx.fill(T(5));
    op::template backward<T>(x.view(), dy.view(), dx.view());
    for (std::size_t k = 0; k < 8; ++k) {
        BOOST_TEST(dx(0, 7, k) == T(0));
        BOOST_TEST(dx(0, k, 7) == T(0));
    }
}
