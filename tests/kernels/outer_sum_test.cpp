// kernels/outer_sum.hpp: dW (=|+=) sum_s a_s b_sᵀ against the generic evaluation of
// dW += outer(a_s, b_s) sample by sample, float and double: LeNet-5's dense shapes, ragged ones,
// one sample (the per-sample fast path) and chunks larger than a block.
#define BOOST_TEST_MODULE kernels.outer_sum
#include "typenet/kernels/outer_sum.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "../support/fast_path.hpp"
#include "dense.hpp"

namespace tn = typenet;

namespace {

template<class T, std::size_t N, std::size_t M, std::size_t S>
void check(unsigned seed) {
    const tn::test::samples<T, tn::shape<N>, S> a(seed);
    const tn::test::samples<T, tn::shape<M>, S> b(seed + 50);
    for (const bool accumulate : {false, true}) {
        tn::tensor<T, tn::shape<N, M>> dW, ref;
        tn::test::fill_uniform(dW, seed + 100);
        ref = std::as_const(dW).view();
        if (accumulate) {
            tn::kernels::outer_sum<N, M, true>(dW.data(), a.in(), b.in());
        } else {
            tn::kernels::outer_sum<N, M, false>(dW.data(), a.in(), b.in());
            ref.fill(T{});
        }
        for (std::size_t s = 0; s < S; ++s)
            tn::test::generic(ref, tn::outer(a.t[s].view(), b.t[s].view()), tn::add_assign_op{});
        const auto bound = tn::test::reordered_sum_bound<T>(S + 1);
        tn::test::check_close(dW, ref, bound.rtol, bound.atol,
                              std::to_string(N) + "x" + std::to_string(M) +
                                  " S=" + std::to_string(S) + (accumulate ? " +=" : " ="));
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_dense_shapes, T, types) {
    check<T, 120, 256, 1>(1);
    check<T, 120, 256, 8>(2);
    check<T, 84, 120, 8>(3);
    check<T, 10, 84, 8>(4);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes, T, types) {
    check<T, 7, 37, 3>(5);
    check<T, 13, 5, 5>(6);
    check<T, 1, 1, 1>(7);
    check<T, 9, 100, 16>(8);
}
