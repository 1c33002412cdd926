// kernels/sum.hpp (and the split accumulators of kernels/partial_sums.hpp) against the generic
// evaluation of sum(a), which adds the elements one after the other: the conv bias gradient's
// sums (24×24, 8×8) and sizes below and between multiples of the partial-sum count.
#define BOOST_TEST_MODULE kernels.sum
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/kernels/partial_sums.hpp"
#include "typenet/kernels/sum.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;

namespace {

template<class T, std::size_t N>
void check(unsigned seed) {
    tn::tensor<T, tn::shape<N>> a, one;
    tn::test::fill_uniform(a, seed);
    one.fill(T(1));
    // a * 1 is not a plain view, so it takes the generic evaluator: one sum in index order.
    const T generic = tn::sum(a.view() * one.view());
    const T fast = tn::kernels::sum<N>(a.data());
    const auto b = tn::test::reordered_sum_bound<T>(N);
    BOOST_TEST(std::abs(double(fast) - double(generic)) <=
                   b.atol + b.rtol * std::abs(double(generic)),
               "size " << N << ": " << fast << " vs " << generic);
    // The split dot product: sum_j a[j] * 1.
    T acc[tn::kernels::split_lanes] = {};
    tn::kernels::split_accumulate<N>(acc, a.data(), one.data());
    BOOST_TEST(tn::kernels::lane_sum(acc) == fast); // the same partial sums in the same order
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(sums_match_the_generic_evaluation, T, types) {
    check<T, 576>(1);
    check<T, 64>(2);
    check<T, 7>(3);
    check<T, 39>(4);
    check<T, 1>(5);
}
