// The fast evaluators of the conv options' expressions (expr/fast_conv_options.hpp, and for the
// stride-1 padded forward and weight gradient expr/fast_channel_kernels.hpp) against the generic
// evaluation of the same expressions, on random data, for = and +=, float and double: the
// forward, weight gradient and input gradient exactly as ops::conv2d writes them (its padded,
// strided, dilated and cropped helpers, group by group) for 3×3 with padding 1 at stride 1 and 2,
// 1×1, depthwise 3×3 with padding 1 at stride 1 and 2, at small CNNs' sizes and at ragged ones
// (7×7 at stride 2, where the floor drops nothing, 8×8, where it drops a row and a column; counts
// that fill no pack). Each expression must select a fast kernel.
#define BOOST_TEST_MODULE expr.fast_conv_options
#include "typenet/ops/conv2d.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <string>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;

namespace {

/// `dst op= expr` through `assignment` (which must pick a fast kernel) and through
/// `generic_assignment`, from the same random destination, for += and =.
template<class T, class E>
void compare(const E& expr, unsigned seed, std::size_t terms, const std::string& what) {
    static_assert(tn::test::fast_path_selected<E, tn::assign_op>() &&
                      tn::test::fast_path_selected<E, tn::add_assign_op>(),
                  "the conv form must select a fast kernel");
    const auto b = tn::test::reordered_sum_bound<T>(terms);
    tn::test::compare_with_generic<T>(expr, tn::add_assign_op{}, seed, b, what + " +=");
    tn::test::compare_with_generic<T>(expr, tn::assign_op{}, seed, b, what + " =");
}

/// The three expressions of ops::conv2d<K, K, F, shape<C, H, W>, S, S, P, P, G>, for its first
/// and last group.
template<class T, std::size_t K, std::size_t F, std::size_t C, std::size_t H, std::size_t W,
         std::size_t S, std::size_t P, std::size_t G>
void check(unsigned seed) {
    using O = tn::ops::conv2d<K, K, F, tn::shape<C, H, W>, S, S, P, P, G>;
    tn::tensor<T, typename O::input_shape> x;
    tn::tensor<T, typename O::weight_shape> k;
    tn::tensor<T, typename O::output_shape> dz;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(k, seed + 1);
    tn::test::fill_uniform(dz, seed + 2);
    const tn::tensor_view<const T, typename O::input_shape> xv(x.data());
    const tn::tensor_view<const T, typename O::weight_shape> kv(k.data());
    const tn::tensor_view<const T, typename O::output_shape> dzv(dz.data());
    const std::string what =
        std::to_string(K) + "x" + std::to_string(K) + " F=" + std::to_string(F) +
        " C=" + std::to_string(C) + " " + std::to_string(H) + "x" + std::to_string(W) + " stride " +
        std::to_string(S) + " padding " + std::to_string(P) + " groups " + std::to_string(G);
    for (std::size_t g : {std::size_t{0}, G - 1}) {
        const auto xg = tn::group<G>(xv, g);
        const auto kg = tn::group<G>(kv, g);
        const auto dzg = tn::group<G>(dzv, g);
        compare<T>(O::strided(tn::correlate_channels(O::padded(xg), kg)), seed + 3, C / G * K * K,
                   what + " forward");
        compare<T>(tn::correlate_outer(O::padded(xg), O::dilated(dzg)), seed + 4,
                   O::output_shape::size / F, what + " dK");
        compare<T>(O::cropped(tn::correlate_channels(tn::zero_pad<K - 1, K - 1>(O::dilated(dzg)),
                                                     tn::rot180(tn::transpose(kg)))),
                   seed + 5, F / G * K * K, what + " dx");
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(three_by_three_padding_one, T, types) {
    check<T, 3, 16, 16, 28, 28, 1, 1, 1>(10);
    check<T, 3, 32, 16, 28, 28, 2, 1, 1>(20);
    check<T, 3, 64, 64, 7, 7, 1, 1, 1>(30);
    check<T, 3, 64, 64, 28, 28, 1, 1, 1>(35); // a padded copy would exceed the stack limit
    check<T, 3, 64, 32, 7, 7, 2, 1, 1>(40);   // 4×4: the floor drops nothing
    check<T, 3, 5, 3, 8, 8, 2, 1, 1>(50);     // 4×4: the floor drops a row and a column
}

BOOST_AUTO_TEST_CASE_TEMPLATE(strided_without_padding, T, types) {
    check<T, 3, 8, 4, 9, 9, 2, 0, 1>(60);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(pointwise, T, types) {
    check<T, 1, 32, 16, 14, 14, 1, 0, 1>(70);
    check<T, 1, 7, 5, 7, 7, 1, 0, 1>(80);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(depthwise, T, types) {
    check<T, 3, 16, 16, 28, 28, 1, 1, 16>(90);
    check<T, 3, 32, 32, 14, 14, 2, 1, 32>(100);
    check<T, 3, 64, 64, 7, 7, 2, 1, 64>(110);
    check<T, 3, 8, 8, 8, 8, 2, 1, 8>(120);
}
