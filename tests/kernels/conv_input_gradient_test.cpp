// kernels/conv_input_gradient.hpp: the conv input gradient (a product Kᵀ·dz and a scatter)
// against the generic evaluation of correlate_channels(zero_pad<KH-1,KW-1>(dz),
// rot180(transpose(K))) and, with one filter and one channel, of the single-plane
// correlate(zero_pad<KH-1,KW-1>(dz), rot180(k)); float and double, = and +=, LeNet-5's shapes
// and ragged ones.
#define BOOST_TEST_MODULE kernels.conv_input_gradient
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/conv_input_gradient.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "conv.hpp"

namespace tn = typenet;
namespace kn = typenet::kernels;

namespace {

/// The kernel writes with =: it adds, so = is a zeroed destination first.
template<std::size_t F, std::size_t C, std::size_t KH, std::size_t KW, std::size_t GH,
         std::size_t GW, class T>
void run(T* d, bool accumulate, const T* K, const T* dz) {
    if (!accumulate)
        std::fill(d, d + C * (GH + KH - 1) * (GW + KW - 1), T{});
    kn::conv_input_gradient<F, C, KH, KW, GH, GW>(d, K, dz);
}

template<class T, std::size_t F, std::size_t C, std::size_t KH, std::size_t KW, std::size_t GH,
         std::size_t GW>
void check(unsigned seed) {
    tn::tensor<T, tn::shape<F, C, KH, KW>> K;
    tn::tensor<T, tn::shape<F, GH, GW>> dz;
    tn::test::fill_uniform(K, seed);
    tn::test::fill_uniform(dz, seed + 1);
    BOOST_TEST_CONTEXT("F=" << F << " C=" << C << " kernel " << KH << "x" << KW << " dz " << GH
                            << "x" << GW) {
        tn::test::compare_kernel<T>(
            tn::correlate_channels(tn::zero_pad<KH - 1, KW - 1>(dz.view()),
                                   tn::rot180(tn::transpose(K.view()))),
            [&](T* d, bool acc) { run<F, C, KH, KW, GH, GW>(d, acc, K.data(), dz.data()); },
            seed + 2, F * KH * KW, "stack");
        if constexpr (F == 1 && C == 1) {
            const auto k = tn::reshape<tn::shape<KH, KW>>(K.view());
            const auto g = tn::reshape<tn::shape<GH, GW>>(dz.view());
            tn::test::compare_kernel<T>(
                tn::correlate(tn::zero_pad<KH - 1, KW - 1>(g), tn::rot180(k)),
                [&](T* d, bool acc) { run<1, 1, KH, KW, GH, GW>(d, acc, K.data(), dz.data()); },
                seed + 3, KH * KW, "plane");
        }
    }
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(lenet5_convs, T, types) {
    check<T, 6, 1, 5, 5, 24, 24>(10);
    check<T, 16, 6, 5, 5, 8, 8>(20);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_shapes_and_single_planes, T, types) {
    check<T, 5, 3, 2, 4, 6, 6>(30);
    check<T, 17, 2, 3, 3, 9, 11>(40);
    check<T, 1, 1, 5, 5, 8, 8>(50);
    check<T, 1, 1, 3, 2, 4, 7>(60);
    check<T, 1, 1, 2, 2, 2, 2>(70); // the walkthrough's 2×2 gradient and kernel
    check<T, 3, 2, 1, 7, 6, 14>(80);
}
