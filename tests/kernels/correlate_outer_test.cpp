// kernels/correlate_outer.hpp: the conv weight gradient a_c ⊗ g_f against the generic evaluation
// of correlate_outer(x, dz), float and double, = and +=: both strategies (over positions; over
// filters, where it suits the shape) whichever the dispatch picks on the build's target, and the
// dispatch. LeNet-5's shapes, ragged ones, and planes too large for one stack buffer.
#define BOOST_TEST_MODULE kernels.correlate_outer
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/kernels/correlate_outer.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "conv.hpp"

namespace tn = typenet;
namespace kn = typenet::kernels;

namespace {

/// The weight gradient of a C×H×W input with F filters of KH×KW.
template<class T, std::size_t F, std::size_t C, std::size_t H, std::size_t W, std::size_t KH,
         std::size_t KW>
void check(unsigned seed) {
    constexpr std::size_t OH = H - KH + 1, OW = W - KW + 1;
    tn::tensor<T, tn::shape<C, H, W>> x;
    tn::tensor<T, tn::shape<F, OH, OW>> dz;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(dz, seed + 1);
    using G = kn::geometry<F, C, H, W, KH, KW>; // its OH×OW is dz's extent
    const auto e = tn::correlate_outer(x.view(), dz.view());
    BOOST_TEST_CONTEXT("F=" << F << " C=" << C << " " << H << "x" << W << " kernel " << KH << "x"
                            << KW) {
        tn::test::compare_kernel<T>(
            e,
            [&](T* d, bool acc) {
                acc ? kn::correlate_outer_stack<G, true>(d, x.data(), dz.data())
                    : kn::correlate_outer_stack<G, false>(d, x.data(), dz.data());
            },
            seed + 2, OH * OW, "over positions");
        if constexpr (kn::filters_across_lanes_v<G, T>)
            tn::test::compare_kernel<T>(
                e,
                [&](T* d, bool acc) {
                    acc ? kn::outer_by_filters<G, true>(d, x.data(), dz.data())
                        : kn::outer_by_filters<G, false>(d, x.data(), dz.data());
                },
                seed + 3, OH * OW, "over filters");
        tn::test::compare_kernel<T>(
            e,
            [&](T* d, bool acc) {
                acc ? kn::correlate_outer<G, true>(d, x.data(), dz.data())
                    : kn::correlate_outer<G, false>(d, x.data(), dz.data());
            },
            seed + 4, OH * OW, "dispatch");
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_convs, T, types) {
    check<T, 6, 1, 28, 28, 5, 5>(10);
    check<T, 16, 6, 12, 12, 5, 5>(20);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes, T, types) {
    check<T, 5, 3, 7, 9, 2, 4>(30);
    check<T, 17, 2, 11, 13, 3, 3>(40);
    check<T, 1, 1, 3, 3, 3, 3>(50);
    check<T, 9, 4, 6, 20, 1, 7>(60);
    check<T, 3, 2, 10, 10, 10, 1>(70);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(planes_larger_than_one_stack_buffer, T, types) {
    // 70×70 upstream maps: the spread upstream gradient (70 rows of 74, 20 KiB in float, 40 KiB
    // in double per map) fills its 32 KiB stack buffer one map at a time.
    check<T, 3, 2, 74, 74, 5, 5>(80);
}
