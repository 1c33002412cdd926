// The whole-stack conv patterns (expr/fast_channel_kernels.hpp) against the generic evaluation of
// the same expressions, on random data, for = and +=, float and double, on LeNet-5's shapes and
// on ragged ones (extents that are not multiples of the SIMD width, filter counts that do not
// fill a block, planes too large for one stack buffer): the forward, the weight gradient, the
// input gradient with both spellings of its bank, a padded input's forward and weight gradient,
// and a turned bank on another padding. Each kernel's strategies are tested directly in
// tests/kernels/.
#define BOOST_TEST_MODULE fast_channel_kernels
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <type_traits>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;

namespace {

/// Fast kernel and generic evaluation of sums of `terms` products of numbers in [-1, 1], in two
/// different orders (tests/support/fast_path.hpp: the bound).
template<class T, class S>
void check_close(const tn::tensor<T, S>& fast, const tn::tensor<T, S>& generic, const char* what,
                 std::size_t terms) {
    const auto b = tn::test::reordered_sum_bound<T>(terms);
    tn::test::check_close(fast, generic, b.rtol, b.atol, what);
}

/// `dst op= expr` through `assignment` (the fast kernel, which must be selected) and through
/// `generic_assignment`, from the same random destination.
template<class T, class E>
void compare(const E& expr, unsigned seed, std::size_t terms) {
    static_assert(tn::test::fast_path_selected<E, tn::assign_op>() &&
                      tn::test::fast_path_selected<E, tn::add_assign_op>(),
                  "the fast kernel must be selected for this pattern");
    const auto b = tn::test::reordered_sum_bound<T>(terms);
    tn::test::compare_with_generic<T>(expr, tn::add_assign_op{}, seed, b, "+=");
    tn::test::compare_with_generic<T>(expr, tn::assign_op{}, seed, b, "=");
}

/// conv forward, weight gradient and input gradient of a C×H×W input with F filters of KH×KW.
template<class T, std::size_t F, std::size_t C, std::size_t H, std::size_t W, std::size_t KH,
         std::size_t KW>
void check_conv_shapes(unsigned seed) {
    constexpr std::size_t OH = H - KH + 1, OW = W - KW + 1;
    tn::tensor<T, tn::shape<C, H, W>> x;
    tn::tensor<T, tn::shape<F, C, KH, KW>> K;
    tn::tensor<T, tn::shape<F, OH, OW>> dz;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(K, seed + 1);
    tn::test::fill_uniform(dz, seed + 2);
    BOOST_TEST_CONTEXT("F=" << F << " C=" << C << " " << H << "x" << W << " kernel " << KH << "x"
                            << KW) {
        compare<T>(tn::correlate_channels(x.view(), K.view()), seed + 3, C * KH * KW);
        compare<T>(tn::correlate_outer(x.view(), dz.view()), seed + 4, OH * OW);
        compare<T>(tn::correlate_channels(tn::zero_pad<KH - 1, KW - 1>(dz.view()),
                                          tn::rot180(tn::transpose(K.view()))),
                   seed + 5, F * KH * KW);

        // The bank's other spelling reaches the same kernel.
        compare<T>(tn::correlate_channels(tn::zero_pad<KH - 1, KW - 1>(dz.view()),
                                          tn::transpose(tn::rot180(K.view()))),
                   seed + 6, F * KH * KW);
        // A padded input (a "same" conv when the kernel is odd): forward and weight gradient.
        constexpr std::size_t PH = KH / 2, PW = KW / 2;
        tn::tensor<T, tn::shape<F, H + 2 * PH - KH + 1, W + 2 * PW - KW + 1>> dz_same;
        tn::test::fill_uniform(dz_same, seed + 7);
        compare<T>(tn::correlate_channels(tn::zero_pad<PH, PW>(x.view()), K.view()), seed + 8,
                   C * KH * KW);
        compare<T>(tn::correlate_outer(tn::zero_pad<PH, PW>(x.view()), dz_same.view()), seed + 9,
                   dz_same.size() / F);
        // A padding other than the full one with the turned bank: a correlation, not the
        // input gradient's scatter.
        if constexpr (KH > 2 && KW > 2 && OH + 2 >= KH && OW + 2 >= KW)
            compare<T>(tn::correlate_channels(tn::zero_pad<1, 1>(dz.view()),
                                              tn::rot180(tn::transpose(K.view()))),
                       seed + 10, F * KH * KW);
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_conv1, T, types) {
    check_conv_shapes<T, 6, 1, 28, 28, 5, 5>(10);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_conv2, T, types) {
    check_conv_shapes<T, 16, 6, 12, 12, 5, 5>(20);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes, T, types) {
    // Extents and counts that are not multiples of any SIMD width or block size.
    check_conv_shapes<T, 5, 3, 7, 9, 2, 4>(30);
    check_conv_shapes<T, 17, 2, 11, 13, 3, 3>(40);
    check_conv_shapes<T, 1, 1, 3, 3, 3, 3>(50);    // one output pixel
    check_conv_shapes<T, 9, 4, 6, 20, 1, 7>(60);   // a 1-row kernel, a 7-wide one
    check_conv_shapes<T, 3, 2, 10, 10, 10, 1>(70); // a kernel as tall as the input
}

BOOST_AUTO_TEST_CASE_TEMPLATE(planes_larger_than_one_stack_buffer, T, types) {
    // 70×70 upstream maps: the weight gradient's spread upstream gradient (70 rows of 74, 20 KiB
    // in float, 40 KiB in double per map) fills its 32 KiB stack buffer one map at a time.
    check_conv_shapes<T, 3, 2, 74, 74, 5, 5>(80);
}
