// The dense layers' chunk pass (kernels/matvec.hpp, transposed_matvec.hpp, outer_sum.hpp with S
// samples, through ops::linear's forward_batch/backward_batch) against the per-sample
// expressions (ops::linear's forward/backward, the same kernels with S = 1) on random data, float
// and double: LeNet-5's dense shapes, shapes that are not multiples of the SIMD width, chunks that
// do not fill a register block, and a chunk of one.
#define BOOST_TEST_MODULE kernels.linear_chunk
#include "typenet/ops/linear.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include "../support/check.hpp"

namespace tn = typenet;
using value_types = std::tuple<float, double>;

namespace {

/// Every output of a chunk of S samples through linear<N, shape<M>>, batched and one by one.
template<class T, std::size_t N, std::size_t M, std::size_t S>
void check_chunk() {
    using op = tn::ops::linear<N, tn::shape<M>>;
    using W_shape = typename op::weight_shape;
    const std::string what =
        std::to_string(N) + "x" + std::to_string(M) + " S=" + std::to_string(S);
    tn::tensor<T, W_shape> W, dW_batch, dW_ref;
    tn::tensor<T, tn::shape<N>> b, db_batch, db_ref;
    std::vector<tn::tensor<T, tn::shape<M>>> x(S), dx_batch(S), dx_ref(S);
    std::vector<tn::tensor<T, tn::shape<N>>> y_batch(S), y_ref(S), dy(S);
    tn::test::fill_uniform(W, 1);
    tn::test::fill_uniform(b, 2);
    tn::test::fill_uniform(dW_ref, 3); // the parameter gradients are added to what is there
    dW_batch = dW_ref;
    tn::test::fill_uniform(db_ref, 4);
    db_batch = db_ref;
    std::array<const T*, S> xp, dyp;
    std::array<T*, S> yp, dxp;
    for (std::size_t s = 0; s < S; ++s) {
        tn::test::fill_uniform(x[s], 10 + s);
        tn::test::fill_uniform(dy[s], 100 + s);
        y_batch[s].fill(T(7)); // written, not added
        dx_batch[s].fill(T(7));
        xp[s] = x[s].data();
        dyp[s] = dy[s].data();
        yp[s] = y_batch[s].data();
        dxp[s] = dx_batch[s].data();
    }
    op::template forward_batch<S>(xp, W.data(), b.data(), yp);
    op::template backward_batch<S>(xp, W.data(), dyp, dW_batch.data(), db_batch.data(), dxp);
    for (std::size_t s = 0; s < S; ++s) {
        op::forward(std::as_const(x[s]).view(), std::as_const(W).view(), std::as_const(b).view(),
                    y_ref[s].view());
        op::backward(std::as_const(x[s]).view(), std::as_const(W).view(),
                     std::as_const(dy[s]).view(), dW_ref.view(), db_ref.view(), dx_ref[s].view());
    }
    // Same products in the same order per coefficient; the tolerance allows for the compiler
    // contracting differently in the two functions.
    const double rtol = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    // The partial sums of a coefficient are of size about 1 to 5 (sums of up to 256 products of
    // uniform numbers), and a contraction changes one rounding at that size, not at the result's.
    const double atol = rtol * 5;
    for (std::size_t s = 0; s < S; ++s) {
        tn::test::check_close(y_batch[s], y_ref[s], rtol, atol,
                              what + " y[" + std::to_string(s) + "]");
        tn::test::check_close(dx_batch[s], dx_ref[s], rtol, atol,
                              what + " dx[" + std::to_string(s) + "]");
    }
    tn::test::check_close(dW_batch, dW_ref, rtol, atol, what + " dW");
    tn::test::check_close(db_batch, db_ref, rtol, atol, what + " db");
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_dense_layers, T, value_types) {
    check_chunk<T, 120, 256, 8>();
    check_chunk<T, 84, 120, 8>();
    check_chunk<T, 10, 84, 8>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes_and_chunks, T, value_types) {
    check_chunk<T, 7, 37, 3>();   // nothing a multiple of a block or a pack
    check_chunk<T, 13, 5, 5>();   // fewer inputs than one pack
    check_chunk<T, 1, 1, 1>();    // one of everything
    check_chunk<T, 9, 100, 16>(); // a chunk larger than a register block
    check_chunk<T, 5, 33, 1>();
}
