// kernels/correlate.hpp: the single-plane valid correlation against the generic evaluation of
// correlate(a, k), float and double, = and +=, in both loop orders: rows at least 16 wide (a
// forward on a 28×28 plane) and narrower ones (weight gradients, whose kernel is the upstream
// gradient; a forward on 12×12).
#define BOOST_TEST_MODULE kernels.correlate
#include "typenet/expr/correlate.hpp"
#include "typenet/kernels/correlate.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <type_traits>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace tn = typenet;

namespace {

template<class T, std::size_t H, std::size_t W, std::size_t KH, std::size_t KW>
void check(unsigned seed) {
    using out_shape = tn::shape<H - KH + 1, W - KW + 1>;
    tn::tensor<T, tn::shape<H, W>> a;
    tn::tensor<T, tn::shape<KH, KW>> k;
    tn::test::fill_uniform(a, seed);
    tn::test::fill_uniform(k, seed + 1);
    const auto e = tn::correlate(a.view(), k.view());
    using E = std::remove_cvref_t<decltype(e)>;
    const auto b = tn::test::reordered_sum_bound<T>(KH * KW);
    for (const bool accumulate : {false, true}) {
        tn::tensor<T, out_shape> fast, ref;
        tn::test::fill_uniform(fast, seed + 2);
        ref = std::as_const(fast).view();
        if (accumulate) {
            tn::kernels::correlate<H, W, KH, KW, true>(fast.data(), a.data(), k.data());
            tn::generic_assignment<tn::tensor_view<T, out_shape>, E, tn::add_assign_op>::run(
                ref.view(), e, {});
        } else {
            tn::kernels::correlate<H, W, KH, KW, false>(fast.data(), a.data(), k.data());
            tn::generic_assignment<tn::tensor_view<T, out_shape>, E, tn::assign_op>::run(ref.view(),
                                                                                         e, {});
        }
        tn::test::check_close(fast, ref, b.rtol, b.atol, accumulate ? "+=" : "=");
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(wide_rows, T, types) {
    check<T, 28, 28, 5, 5>(1);
    check<T, 20, 40, 3, 7>(2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(narrow_rows, T, types) {
    check<T, 28, 28, 24, 24>(3); // conv1's weight gradient
    check<T, 12, 12, 8, 8>(4);   // conv2's
    check<T, 12, 12, 5, 5>(5);
    check<T, 4, 7, 3, 2>(6);
    check<T, 1, 1, 1, 1>(7);
}
