// correlate_channels and correlate_outer (include/typenet/expr/correlate_channels.hpp): the
// shapes the nodes derive, their generic evaluation against naive loops in double (the formulas
// of docs/derivations.md §1-§3 written out), and the fast evaluators against the generic one,
// float and double.
#define BOOST_TEST_MODULE expr.correlate_channels
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/fast_channel_kernels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;
using tn::shape;
using types = boost::mpl::list<float, double>;

namespace {

/// dst = expr through the generic evaluator only.
template<class T, class E>
std::unique_ptr<tn::tensor<T, typename E::shape_type>> generic(const E& e) {
    using S = typename E::shape_type;
    auto out = std::make_unique<tn::tensor<T, S>>();
    tn::generic_assignment<tn::tensor_view<T, S>, E, tn::assign_op>::run(out->view(), e, {});
    return out;
}

template<class T, std::size_t F, std::size_t C, std::size_t H, std::size_t W, std::size_t KH,
         std::size_t KW>
void check_against_loops(unsigned seed) {
    constexpr std::size_t OH = H - KH + 1, OW = W - KW + 1;
    tn::tensor<T, shape<C, H, W>> x;
    tn::tensor<T, shape<F, C, KH, KW>> K;
    tn::tensor<T, shape<F, OH, OW>> dz;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(K, seed + 1);
    tn::test::fill_uniform(dz, seed + 2);
    const std::string what = std::to_string(F) + " filters, " + std::to_string(C) + "x" +
                             std::to_string(H) + "x" + std::to_string(W) + " by " +
                             std::to_string(KH) + "x" + std::to_string(KW);

    // §1: z_f(i, j) = sum_c sum_{m, n} x_c(i+m, j+n) K_fc(m, n).
    std::vector<double> z(F * OH * OW);
    for (std::size_t f = 0; f < F; ++f)
        for (std::size_t i = 0; i < OH; ++i)
            for (std::size_t j = 0; j < OW; ++j)
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t m = 0; m < KH; ++m)
                        for (std::size_t n = 0; n < KW; ++n)
                            z[(f * OH + i) * OW + j] +=
                                double(x(c, i + m, j + n)) * double(K(f, c, m, n));
    const auto zb = tn::test::reordered_sum_bound<T>(C * KH * KW);
    tn::test::check_close(*generic<T>(tn::correlate_channels(x.view(), K.view())), z, zb.rtol,
                          zb.atol, what + ": correlate_channels(x, K)");

    // §2: dK_fc(m, n) = sum_{i, j} x_c(i+m, j+n) dz_f(i, j).
    std::vector<double> dK(F * C * KH * KW);
    for (std::size_t f = 0; f < F; ++f)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t m = 0; m < KH; ++m)
                for (std::size_t n = 0; n < KW; ++n)
                    for (std::size_t i = 0; i < OH; ++i)
                        for (std::size_t j = 0; j < OW; ++j)
                            dK[((f * C + c) * KH + m) * KW + n] +=
                                double(x(c, i + m, j + n)) * double(dz(f, i, j));
    const auto kb = tn::test::reordered_sum_bound<T>(OH * OW);
    tn::test::check_close(*generic<T>(tn::correlate_outer(x.view(), dz.view())), dK, kb.rtol,
                          kb.atol, what + ": correlate_outer(x, dz)");

    // §3, per element: each dz_f(a, b) reaches dx_c(a+u, b+v) with weight K_fc(u, v).
    std::vector<double> dx(C * H * W);
    for (std::size_t f = 0; f < F; ++f)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t a = 0; a < OH; ++a)
                for (std::size_t b = 0; b < OW; ++b)
                    for (std::size_t u = 0; u < KH; ++u)
                        for (std::size_t v = 0; v < KW; ++v)
                            dx[(c * H + a + u) * W + b + v] +=
                                double(dz(f, a, b)) * double(K(f, c, u, v));
    const auto xb = tn::test::reordered_sum_bound<T>(F * KH * KW);
    tn::test::check_close(
        *generic<T>(tn::correlate_channels(tn::zero_pad<KH - 1, KW - 1>(dz.view()),
                                           tn::rot180(tn::transpose(K.view())))),
        dx, xb.rtol, xb.atol, what + ": correlate_channels(pad(dz), rot180(Kᵀ))");
}

} // namespace

BOOST_AUTO_TEST_CASE(shapes_follow_the_valid_correlation) {
    using x_t = tn::tensor_view<const float, shape<3, 7, 9>>;
    using k_t = tn::tensor_view<const float, shape<5, 3, 2, 4>>;
    using g_t = tn::tensor_view<const float, shape<5, 6, 6>>;
    static_assert(
        std::is_same_v<tn::correlate_channels_expr<x_t, k_t>::shape_type, shape<5, 6, 6>>);
    static_assert(
        std::is_same_v<tn::correlate_outer_expr<x_t, g_t>::shape_type, shape<5, 3, 2, 4>>);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(generic_evaluation_is_the_formula, T, types) {
    check_against_loops<T, 1, 1, 3, 3, 2, 2>(1); // the notes' example
    check_against_loops<T, 4, 3, 5, 6, 3, 2>(2);
    check_against_loops<T, 6, 1, 12, 12, 5, 5>(3);
    check_against_loops<T, 2, 5, 4, 9, 4, 1>(4); // a kernel as tall as the input
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fast_evaluation_is_the_generic_one, T, types) {
    tn::tensor<T, shape<3, 9, 11>> x;
    tn::tensor<T, shape<7, 3, 3, 3>> K;
    tn::tensor<T, shape<7, 7, 9>> dz;
    tn::test::fill_uniform(x, 5);
    tn::test::fill_uniform(K, 6);
    tn::test::fill_uniform(dz, 7);
    const auto fwd = tn::correlate_channels(x.view(), K.view());
    const auto outer = tn::correlate_outer(x.view(), dz.view());
    const auto back =
        tn::correlate_channels(tn::zero_pad<2, 2>(dz.view()), tn::rot180(tn::transpose(K.view())));
    static_assert(
        tn::test::fast_path_selected<std::remove_cvref_t<decltype(fwd)>, tn::assign_op>());
    static_assert(
        tn::test::fast_path_selected<std::remove_cvref_t<decltype(outer)>, tn::add_assign_op>());
    static_assert(
        tn::test::fast_path_selected<std::remove_cvref_t<decltype(back)>, tn::assign_op>());
    for (unsigned seed : {8u, 9u}) {
        tn::test::compare_with_generic<T>(fwd, tn::assign_op{}, seed,
                                          tn::test::reordered_sum_bound<T>(3 * 3 * 3), "z =");
        tn::test::compare_with_generic<T>(fwd, tn::add_assign_op{}, seed,
                                          tn::test::reordered_sum_bound<T>(3 * 3 * 3), "z +=");
        tn::test::compare_with_generic<T>(outer, tn::add_assign_op{}, seed,
                                          tn::test::reordered_sum_bound<T>(7 * 9), "dK +=");
        tn::test::compare_with_generic<T>(back, tn::assign_op{}, seed,
                                          tn::test::reordered_sum_bound<T>(7 * 3 * 3), "dx =");
    }
}
