// Evaluators travel with their expressions: this file includes only the expression nodes and the
// tensor (never expr/fast_kernels.hpp or expr/fast_channel_kernels.hpp, never an op), the nodes
// first, and every pattern the layers use still selects its fast kernel, through the queryable
// trait (typenet::is_fast_assignment_v / has_fast_kernel_v). Any translation unit that forms
// these expressions therefore gets the same `assignment` for them as ops/conv2d.hpp and
// ops/linear.hpp do, whatever it includes (one definition per type, as the ODR requires). The
// equivalent spellings of the input gradient's bank, and padded inputs, reach the same kernels.
#define BOOST_TEST_MODULE expr.evaluator_selection
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <type_traits>
#include <utility>

namespace tn = typenet;

namespace {

template<class T, class S>
using cview = tn::tensor_view<const T, S>;

template<class E, class Op = tn::assign_op>
constexpr bool fast = tn::has_fast_kernel_v<E, Op>;

template<class T>
constexpr bool conv_patterns_are_fast() {
    using x = cview<T, tn::shape<6, 12, 12>>;
    using K = cview<T, tn::shape<16, 6, 5, 5>>;
    using dz = cview<T, tn::shape<16, 8, 8>>;
    using K3 = cview<T, tn::shape<16, 6, 3, 3>>;
    using forward = decltype(tn::correlate_channels(std::declval<x>(), std::declval<K>()));
    using dK = decltype(tn::correlate_outer(std::declval<x>(), std::declval<dz>()));
    using dx_rt = decltype(tn::correlate_channels(tn::zero_pad<4, 4>(std::declval<dz>()),
                                                  tn::rot180(tn::transpose(std::declval<K>()))));
    using dx_tr = decltype(tn::correlate_channels(tn::zero_pad<4, 4>(std::declval<dz>()),
                                                  tn::transpose(tn::rot180(std::declval<K>()))));
    // A padded conv (3×3, padding 1): forward and weight gradient on the padded input.
    using padded_forward =
        decltype(tn::correlate_channels(tn::zero_pad<1, 1>(std::declval<x>()), std::declval<K3>()));
    using padded_dK = decltype(tn::correlate_outer(
        tn::zero_pad<1, 1>(std::declval<x>()), std::declval<cview<T, tn::shape<16, 12, 12>>>()));
    return fast<forward> && fast<forward, tn::add_assign_op> && fast<dK, tn::add_assign_op> &&
           fast<dx_rt> && fast<dx_tr> && fast<dx_tr, tn::add_assign_op> && fast<padded_forward> &&
           fast<padded_dK, tn::add_assign_op>;
}

template<class T>
constexpr bool plane_and_dense_patterns_are_fast() {
    using a = cview<T, tn::shape<28, 28>>;
    using k = cview<T, tn::shape<5, 5>>;
    using g = cview<T, tn::shape<24, 24>>;
    using W = cview<T, tn::shape<120, 256>>;
    using x = cview<T, tn::shape<256>>;
    using y = cview<T, tn::shape<120>>;
    using plane = decltype(tn::correlate(std::declval<a>(), std::declval<k>()));
    using plane_dx = decltype(tn::correlate(tn::zero_pad<4, 4>(std::declval<g>()),
                                            tn::rot180(std::declval<k>())));
    using Wx = decltype(tn::matvec(std::declval<W>(), std::declval<x>()));
    using WTg = decltype(tn::matvec(tn::transpose(std::declval<W>()), std::declval<y>()));
    using gxT = decltype(tn::outer(std::declval<y>(), std::declval<x>()));
    return fast<plane> && fast<plane_dx> && fast<Wx, tn::add_assign_op> && fast<WTg> &&
           fast<gxT, tn::add_assign_op> &&
           tn::evaluator<tn::sum_expr<tn::tensor_view<const T, tn::shape<8, 8>>>>::fast;
}

// Shapes the kernels do not take keep the generic loop, and say so.
using int_view = tn::tensor_view<const int, tn::shape<3, 4, 4>>;
using int_bank = tn::tensor_view<const int, tn::shape<2, 3, 2, 2>>;
static_assert(
    !fast<decltype(tn::correlate_channels(std::declval<int_view>(), std::declval<int_bank>()))>);
static_assert(
    !tn::has_fast_kernel_v<decltype(tn::matvec(std::declval<cview<float, tn::shape<4, 3>>>(),
                                               std::declval<cview<float, tn::shape<3>>>())),
                           tn::sub_assign_op>);

using types = boost::mpl::list<float, double>;

} // namespace

static_assert(conv_patterns_are_fast<float>() && conv_patterns_are_fast<double>());
static_assert(plane_and_dense_patterns_are_fast<float>() &&
              plane_and_dense_patterns_are_fast<double>());

BOOST_AUTO_TEST_CASE_TEMPLATE(both_bank_spellings_compute_the_input_gradient, T, types) {
    // rot180(transpose(K)) and transpose(rot180(K)) are the same bank; both run the same kernel,
    // so the results are identical, not merely close.
    tn::tensor<T, tn::shape<3, 4, 5>> dz;
    tn::tensor<T, tn::shape<3, 2, 3, 2>> K;
    for (std::size_t i = 0; i < dz.size(); ++i)
        dz[i] = T(int(i % 7) - 3) / T(4);
    for (std::size_t i = 0; i < K.size(); ++i)
        K[i] = T(int(i % 5) - 2) / T(3);
    tn::tensor<T, tn::shape<2, 6, 6>> a, b;
    a = tn::correlate_channels(tn::zero_pad<2, 1>(dz.view()), tn::rot180(tn::transpose(K.view())));
    b = tn::correlate_channels(tn::zero_pad<2, 1>(dz.view()), tn::transpose(tn::rot180(K.view())));
    for (std::size_t i = 0; i < a.size(); ++i)
        BOOST_TEST(a[i] == b[i]);
}
