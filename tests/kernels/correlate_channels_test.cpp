// kernels/correlate_channels.hpp: the multi-channel correlation (the conv forward) against the
// generic evaluation of correlate_channels(x, K), float and double, = and +=: both strategies
// (over flat positions; over filters, where it suits the shape) whichever the dispatch picks on
// the build's target, the dispatch itself, and a turned-and-transposed bank read through the
// accessor. LeNet-5's shapes and ragged ones (extents that are not multiples of the SIMD width,
// filter counts that do not fill a block).
#define BOOST_TEST_MODULE kernels.correlate_channels
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/kernels/correlate_channels.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "conv.hpp"

namespace tn = typenet;
namespace kn = typenet::kernels;

namespace {

template<class T, std::size_t F, std::size_t C, std::size_t H, std::size_t W, std::size_t KH,
         std::size_t KW>
void check(unsigned seed) {
    tn::tensor<T, tn::shape<C, H, W>> x;
    tn::tensor<T, tn::shape<F, C, KH, KW>> K;
    tn::test::fill_uniform(x, seed);
    tn::test::fill_uniform(K, seed + 1);
    using G = kn::geometry<F, C, H, W, KH, KW>;
    const auto kv = [&](std::size_t f, std::size_t c, std::size_t m, std::size_t n) {
        return K(f, c, m, n);
    };
    const auto e = tn::correlate_channels(x.view(), K.view());
    constexpr std::size_t terms = C * KH * KW;
    BOOST_TEST_CONTEXT("F=" << F << " C=" << C << " " << H << "x" << W << " kernel " << KH << "x"
                            << KW) {
        tn::test::compare_kernel<T>(
            e,
            [&](T* d, bool acc) {
                acc ? kn::correlate_stack<G, true>(d, x.data(), kv)
                    : kn::correlate_stack<G, false>(d, x.data(), kv);
            },
            seed + 2, terms, "over flat positions");
        if constexpr (kn::correlate_filters_across_lanes_v<G, T>)
            tn::test::compare_kernel<T>(
                e,
                [&](T* d, bool acc) {
                    acc ? kn::correlate_by_filters<G, true>(d, x.data(), kv)
                        : kn::correlate_by_filters<G, false>(d, x.data(), kv);
                },
                seed + 3, terms, "over filters");
        tn::test::compare_kernel<T>(
            e,
            [&](T* d, bool acc) {
                acc ? kn::correlate_channels<G, true>(d, x.data(), kv)
                    : kn::correlate_channels<G, false>(d, x.data(), kv);
            },
            seed + 4, terms, "dispatch");
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
    check<T, 1, 1, 3, 3, 3, 3>(50);    // one output pixel
    check<T, 9, 4, 6, 20, 1, 7>(60);   // a 1-row kernel, a 7-wide one
    check<T, 3, 2, 10, 10, 10, 1>(70); // a kernel as tall as the input
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_turned_transposed_bank_through_the_accessor, T, types) {
    // The expression's bank rot180(transpose(K)) at (f, c, m, n) is K(c, f, KH-1-m, KW-1-n).
    constexpr std::size_t F = 4, C = 3, H = 9, W = 10, KH = 3, KW = 2;
    tn::tensor<T, tn::shape<C, H, W>> x; // C input maps: the stored bank's F is C here
    tn::tensor<T, tn::shape<C, F, KH, KW>> K;
    tn::test::fill_uniform(x, 80);
    tn::test::fill_uniform(K, 81);
    using G = kn::geometry<F, C, H, W, KH, KW>;
    const auto kv = [&](std::size_t f, std::size_t c, std::size_t m, std::size_t n) {
        return K(c, f, KH - 1 - m, KW - 1 - n);
    };
    tn::test::compare_kernel<T>(
        tn::correlate_channels(x.view(), tn::rot180(tn::transpose(K.view()))),
        [&](T* d, bool acc) {
            acc ? kn::correlate_channels<G, true>(d, x.data(), kv)
                : kn::correlate_channels<G, false>(d, x.data(), kv);
        },
        82, C * KH * KW, "turned bank");
}

BOOST_AUTO_TEST_CASE(flat_positions_of_the_geometry) {
    // Output (i, j) sits at i·W + j of the input grid; the last real output of LeNet-5's conv2
    // (7, 7) is at 7·12 + 7 = 91, so 92 positions are computed.
    using G = kn::geometry<16, 6, 12, 12, 5, 5>;
    static_assert(G::OH == 8 && G::OW == 8 && G::positions == 92);
    BOOST_TEST(tn::simd::even_block(16, 3) == 3u);
    BOOST_TEST(tn::simd::even_block(42, 4) == 4u);
    BOOST_TEST(tn::simd::even_block(5, 4) == 3u);
}
