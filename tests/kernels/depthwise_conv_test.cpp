// kernels/depthwise_conv_forward.hpp, depthwise_conv_weight_gradient.hpp and
// depthwise_conv_input_gradient.hpp (groups = channels = filters) against the plain loops of
// conv_reference.hpp, float and double, = and +=: 3×3 with padding 1 at stride 1 and 2 on the
// map sizes of small CNNs, odd extents where the stride's floor drops the last row and column,
// and other kernel sizes, paddings and strides (which take the input gradient's strided form
// at stride 1 too, when the padding is not below the kernel size).
#define BOOST_TEST_MODULE kernels_depthwise_conv
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/depthwise_conv_input_gradient.hpp"
#include "typenet/kernels/depthwise_conv_weight_gradient.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "conv_reference.hpp"

namespace tn = typenet;
namespace tk = typenet::kernels;

namespace {

template<class T, std::size_t C, std::size_t H, std::size_t W, std::size_t KH, std::size_t KW,
         std::size_t SH, std::size_t SW, std::size_t PH, std::size_t PW>
void check(unsigned seed) {
    using Cv = tk::conv_geometry<C, H, W, C, KH, KW, SH, SW, PH, PW, C>;
    using ref = tn::test::conv_reference<Cv>;
    const auto x = tn::test::random_vector<T>(C * H * W, seed);
    const auto k = tn::test::random_vector<T>(C * KH * KW, seed + 1);
    const auto dz = tn::test::random_vector<T>(C * Cv::OH * Cv::OW, seed + 2);
    const std::string what =
        "C=" + std::to_string(C) + " " + std::to_string(H) + "x" + std::to_string(W) + " kernel " +
        std::to_string(KH) + "x" + std::to_string(KW) + " stride " + std::to_string(SH) + "," +
        std::to_string(SW) + " padding " + std::to_string(PH) + "," + std::to_string(PW);
    tn::test::check_assign_and_accumulate<T>(
        ref::forward(x, k), KH * KW, seed + 3,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::depthwise_conv_forward<Cv, A>(out, x.data(), k.data());
        },
        what + " forward");
    tn::test::check_assign_and_accumulate<T>(
        ref::weight_gradient(x, dz), Cv::OH * Cv::OW, seed + 4,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::depthwise_conv_weight_gradient<Cv, A>(out, x.data(), dz.data());
        },
        what + " dK");
    tn::test::check_assign_and_accumulate<T>(
        ref::input_gradient(k, dz), KH * KW, seed + 5,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::depthwise_conv_input_gradient<Cv, A>(out, k.data(), dz.data());
        },
        what + " dx");
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(three_by_three_padding_one_stride_one, T, types) {
    check<T, 16, 28, 28, 3, 3, 1, 1, 1, 1>(10);
    check<T, 32, 14, 14, 3, 3, 1, 1, 1, 1>(20);
    check<T, 64, 7, 7, 3, 3, 1, 1, 1, 1>(30);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(three_by_three_padding_one_stride_two, T, types) {
    check<T, 16, 28, 28, 3, 3, 2, 2, 1, 1>(40);
    check<T, 32, 14, 14, 3, 3, 2, 2, 1, 1>(50);
    check<T, 64, 7, 7, 3, 3, 2, 2, 1, 1>(60);
    check<T, 8, 8, 8, 3, 3, 2, 2, 1, 1>(70); // the floor drops the last row and column
}

BOOST_AUTO_TEST_CASE_TEMPLATE(other_forms, T, types) {
    check<T, 3, 9, 11, 3, 3, 1, 1, 1, 1>(80);
    check<T, 5, 13, 10, 3, 3, 2, 3, 1, 1>(90);  // unequal strides
    check<T, 2, 7, 9, 5, 5, 1, 1, 2, 2>(100);   // 5×5, padding 2
    check<T, 2, 6, 6, 3, 3, 1, 1, 0, 0>(110);   // no padding
    check<T, 2, 6, 7, 2, 2, 1, 1, 2, 2>(120);   // padding not below the kernel: strided form
    check<T, 3, 10, 10, 3, 3, 3, 3, 1, 1>(130); // stride 3
    check<T, 1, 1, 1, 3, 3, 1, 1, 1, 1>(140);   // one pixel
    check<T, 2, 5, 5, 1, 1, 2, 2, 0, 0>(150);   // 1×1 at stride 2: phases without taps
    check<T, 2, 40, 40, 3, 3, 2, 2, 1, 1>(160); // planes longer than a block
}
