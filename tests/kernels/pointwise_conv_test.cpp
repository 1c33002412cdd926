// kernels/pointwise_conv.hpp (the 1×1 conv's forward Z = K·X and input gradient dX = Kᵀ·dZ) and
// kernels/pointwise_conv_weight_gradient.hpp (dK = dZ·Xᵀ) against the plain loops of
// conv_reference.hpp, float and double, = and +=, on the map sizes of small CNNs and on pixel
// and channel counts that fill no pack or block.
#define BOOST_TEST_MODULE kernels_pointwise_conv
#include "typenet/kernels/pointwise_conv.hpp"
#include "typenet/kernels/pointwise_conv_weight_gradient.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "conv_reference.hpp"

namespace tn = typenet;
namespace tk = typenet::kernels;

namespace {

template<class T, std::size_t C, std::size_t H, std::size_t W, std::size_t F>
void check(unsigned seed) {
    using Cv = tk::conv_geometry<C, H, W, F, 1, 1>;
    using ref = tn::test::conv_reference<Cv>;
    const auto x = tn::test::random_vector<T>(C * H * W, seed);
    const auto k = tn::test::random_vector<T>(F * C, seed + 1);
    const auto dz = tn::test::random_vector<T>(F * H * W, seed + 2);
    const std::string what = "C=" + std::to_string(C) + " " + std::to_string(H) + "x" +
                             std::to_string(W) + " F=" + std::to_string(F);
    tn::test::check_assign_and_accumulate<T>(
        ref::forward(x, k), C, seed + 3,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::pointwise_conv_forward<Cv, A>(out, x.data(), k.data());
        },
        what + " forward");
    tn::test::check_assign_and_accumulate<T>(
        ref::input_gradient(k, dz), F, seed + 4,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::pointwise_conv_input_gradient<Cv, A>(out, k.data(), dz.data());
        },
        what + " dx");
    tn::test::check_assign_and_accumulate<T>(
        ref::weight_gradient(x, dz), H * W, seed + 5,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::pointwise_conv_weight_gradient<Cv, A>(out, x.data(), dz.data());
        },
        what + " dK");
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(small_cnn_shapes, T, types) {
    check<T, 16, 28, 28, 16>(10);
    check<T, 32, 14, 14, 64>(20);
    check<T, 64, 7, 7, 64>(30);
    check<T, 8, 14, 14, 32>(40);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_counts, T, types) {
    check<T, 3, 5, 7, 5>(50);  // 35 pixels, counts below a block
    check<T, 13, 3, 3, 7>(60); // 9 pixels: less than a pack
    check<T, 1, 1, 1, 1>(70);  // one pixel, one channel, one filter
    check<T, 9, 11, 13, 17>(80);
}
