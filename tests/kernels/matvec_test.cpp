// kernels/matvec.hpp: y_s (=|+=) W x_s for S samples against the generic evaluation of
// matvec(W, x_s), float and double: LeNet-5's dense shapes, ragged ones (not multiples of a pack
// or a row block), one sample (the per-sample fast path) and chunks that do not fill a block.
#define BOOST_TEST_MODULE kernels.matvec
#include "typenet/kernels/matvec.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "../support/fast_path.hpp"
#include "dense.hpp"

namespace tn = typenet;

namespace {

template<class T, std::size_t N, std::size_t M, std::size_t S>
void check(unsigned seed) {
    tn::tensor<T, tn::shape<N, M>> W;
    tn::test::fill_uniform(W, seed);
    const tn::test::samples<T, tn::shape<M>, S> x(seed + 1);
    for (const bool accumulate : {false, true}) {
        tn::test::samples<T, tn::shape<N>, S> y(seed + 100), ref(seed + 100);
        if (accumulate)
            tn::kernels::matvec<N, M, true>(W.data(), x.in(), y.out());
        else
            tn::kernels::matvec<N, M, false>(W.data(), x.in(), y.out());
        const auto b = tn::test::reordered_sum_bound<T>(M);
        for (std::size_t s = 0; s < S; ++s) {
            const auto e = tn::matvec(W.view(), x.t[s].view());
            if (accumulate)
                tn::test::generic(ref.t[s], e, tn::add_assign_op{});
            else
                tn::test::generic(ref.t[s], e, tn::assign_op{});
            tn::test::check_close(y.t[s], ref.t[s], b.rtol, b.atol,
                                  std::to_string(N) + "x" + std::to_string(M) +
                                      " S=" + std::to_string(S) + (accumulate ? " +=" : " =") +
                                      " sample " + std::to_string(s));
        }
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_dense_shapes, T, types) {
    check<T, 120, 256, 1>(1);
    check<T, 120, 256, 8>(2);
    check<T, 84, 120, 8>(3);
    check<T, 10, 84, 1>(4);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes, T, types) {
    check<T, 7, 37, 3>(5);
    check<T, 13, 5, 5>(6);
    check<T, 1, 1, 1>(7);
    check<T, 9, 100, 16>(8);
    check<T, 17, 33, 1>(9);
}
