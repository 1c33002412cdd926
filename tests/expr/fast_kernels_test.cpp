// Every fast pattern of expr/fast_kernels.hpp against the generic evaluation of the same
// expression, on random data, for =, += and both float and double. The generic evaluator is the
// source of truth; the fast kernels may only differ by float summation order.
#define BOOST_TEST_MODULE fast_kernels
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;

namespace {

/// `dst = expr` and `dst += expr` through the fast kernel and the generic loop; each element is
/// a sum of `terms` products of numbers in [-1, 1] (tests/support/fast_path.hpp: the bound).
template<class T, class E>
void compare_both_ops(const E& expr, std::size_t terms) {
    const auto bound = tn::test::reordered_sum_bound<T>(terms);
    tn::test::compare_with_generic<T>(expr, tn::assign_op{}, 11, bound, "fast vs generic, =");
    tn::test::compare_with_generic<T>(expr, tn::add_assign_op{}, 12, bound, "fast vs generic, +=");
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(correlate_wide_output_matches_generic, T, types) {
    // conv forward on a 28x28 plane with a 5x5 kernel: the wide-row kernel applies.
    tn::tensor<T, tn::shape<28, 28>> x;
    tn::tensor<T, tn::shape<5, 5>> k;
    tn::test::fill_uniform(x, 1);
    tn::test::fill_uniform(k, 2);
    const auto e = tn::correlate(x, k);
    static_assert(tn::test::fast_path_selected<std::remove_cvref_t<decltype(e)>, tn::assign_op>(),
                  "the fast kernel must be selected for this pattern");
    compare_both_ops<T>(e, 25);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(correlate_narrow_output_matches_generic, T, types) {
    // weight gradients x ⊗ dz: 28x28 ⊗ 24x24 -> 5x5 (conv1) and 12x12 ⊗ 8x8 -> 5x5 (conv2)
    // take the split-accumulator kernel.
    tn::tensor<T, tn::shape<28, 28>> x;
    tn::tensor<T, tn::shape<24, 24>> dz;
    tn::test::fill_uniform(x, 3);
    tn::test::fill_uniform(dz, 4);
    const auto e = tn::correlate(x, dz);
    static_assert(tn::test::fast_path_selected<std::remove_cvref_t<decltype(e)>, tn::assign_op>(),
                  "the fast kernel must be selected for this pattern");
    compare_both_ops<T>(e, 24 * 24);

    tn::tensor<T, tn::shape<12, 12>> x2;
    tn::tensor<T, tn::shape<8, 8>> dz2;
    tn::test::fill_uniform(x2, 13);
    tn::test::fill_uniform(dz2, 14);
    compare_both_ops<T>(tn::correlate(x2, dz2), 8 * 8);
    // and a conv forward with 8-wide output rows (conv2: 12x12 ⊗ 5x5)
    tn::tensor<T, tn::shape<5, 5>> k2;
    tn::test::fill_uniform(k2, 15);
    compare_both_ops<T>(tn::correlate(x2, k2), 25);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matvec_evaluator_matches_a_plain_loop, T, types) {
    // The dense forward W x + b inside a larger expression: the generic evaluation of matvec
    // (only a whole `dst op= matvec(W, x)` runs kernels/matvec.hpp), against plain loops in
    // double.
    tn::tensor<T, tn::shape<120, 256>> w;
    tn::tensor<T, tn::shape<256>> x;
    tn::tensor<T, tn::shape<120>> b, y;
    tn::test::fill_uniform(w, 16);
    tn::test::fill_uniform(x, 17);
    tn::test::fill_uniform(b, 18);
    y = tn::matvec(w, x) + b;
    for (std::size_t r = 0; r < 120; ++r) {
        double expected = double(b[r]);
        for (std::size_t c = 0; c < 256; ++c)
            expected += double(w(r, c)) * double(x[c]);
        const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-12;
        BOOST_TEST(std::abs(double(y[r]) - expected) <= tol * (1 + std::abs(expected)),
                   "row " << r << ": " << y[r] << " vs " << expected);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(padded_rot180_correlate_matches_generic, T, types) {
    // conv input gradient: zero_pad<4,4>(dz 8x8) ⊗ rot180(K 5x5) -> 12x12, non-square too.
    tn::tensor<T, tn::shape<8, 8>> dz;
    tn::tensor<T, tn::shape<5, 5>> k;
    tn::test::fill_uniform(dz, 5);
    tn::test::fill_uniform(k, 6);
    compare_both_ops<T>(tn::correlate(tn::zero_pad<4, 4>(dz), tn::rot180(k)), 25);

    tn::tensor<T, tn::shape<4, 7>> dz2;
    tn::tensor<T, tn::shape<3, 2>> k2;
    tn::test::fill_uniform(dz2, 7);
    tn::test::fill_uniform(k2, 8);
    const auto e2 = tn::correlate(tn::zero_pad<2, 1>(dz2), tn::rot180(k2));
    static_assert(tn::test::fast_path_selected<std::remove_cvref_t<decltype(e2)>, tn::assign_op>(),
                  "the fast kernel must be selected for this pattern");
    compare_both_ops<T>(e2, 3 * 2);
}

namespace {
/// y (=|+=) W x and dx (=|+=) Wᵀ g through the fast kernels and the generic loop, for an R×C W.
template<class T, std::size_t R, std::size_t C>
void check_dense_kernels(unsigned seed) {
    tn::tensor<T, tn::shape<R, C>> w;
    tn::tensor<T, tn::shape<C>> x;
    tn::tensor<T, tn::shape<R>> g;
    tn::test::fill_uniform(w, seed);
    tn::test::fill_uniform(x, seed + 1);
    tn::test::fill_uniform(g, seed + 2);
    BOOST_TEST_CONTEXT("W " << R << "x" << C) {
        compare_both_ops<T>(tn::matvec(w.view(), x.view()), C);
        compare_both_ops<T>(tn::matvec(tn::transpose(w.view()), g.view()), R);
        compare_both_ops<T>(tn::outer(g.view(), x.view()), 1);
    }
}
} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_kernels_match_generic, T, types) {
    // LeNet-5's three dense layers, and sizes that leave a partial SIMD pack and row block.
    check_dense_kernels<T, 120, 256>(30);
    check_dense_kernels<T, 84, 120>(33);
    check_dense_kernels<T, 10, 84>(36);
    check_dense_kernels<T, 7, 13>(39);
    check_dense_kernels<T, 1, 1>(42);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sum_of_a_view_matches_a_plain_loop, T, types) {
    // The conv bias gradient's sums: 24x24 (conv1), 8x8 (conv2), and sizes below and between
    // multiples of the partial-sum count.
    const auto check = [](auto& t, unsigned seed) {
        tn::test::fill_uniform(t, seed);
        double expected = 0;
        for (const auto v : t)
            expected += static_cast<double>(v);
        const T got = tn::sum(t.view());
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
        BOOST_TEST(std::abs(double(got) - expected) <= tol * (1.0 + std::abs(expected)),
                   "size " << t.size() << ": " << got << " vs " << expected);
    };
    // (By reference: a tensor is 64-byte aligned, and g++ notes an ABI change for such values.)
    tn::tensor<T, tn::shape<24, 24>> a;
    tn::tensor<T, tn::shape<8, 8>> b;
    tn::tensor<T, tn::shape<7>> c;
    tn::tensor<T, tn::shape<3, 13>> d;
    check(a, 21);
    check(b, 22);
    check(c, 23);
    check(d, 24);
}
