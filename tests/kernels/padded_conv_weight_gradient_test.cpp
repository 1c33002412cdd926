// kernels/padded_conv_weight_gradient.hpp (dK) against the plain loops of conv_reference.hpp, float
// and double, = and +=: 3×3 with padding 1 at stride 1 and 2 on the map sizes of small CNNs, odd
// extents where the stride's floor drops the last row and column, filter counts that do not fill
// a pack, and other kernel sizes, paddings and strides.
#define BOOST_TEST_MODULE kernels_padded_conv_weight_gradient
#include "typenet/kernels/padded_conv_weight_gradient.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "conv_reference.hpp"

namespace tn = typenet;
namespace tk = typenet::kernels;

namespace {

template<class T, class Cv>
void check(unsigned seed) {
    using ref = tn::test::conv_reference<Cv>;
    const auto x = tn::test::random_vector<T>(Cv::C * Cv::H * Cv::W, seed);
    const auto dz = tn::test::random_vector<T>(Cv::F * Cv::OH * Cv::OW, seed + 1);
    const std::string what = tn::test::describe_geometry<Cv>();
    tn::test::check_assign_and_accumulate<T>(
        ref::weight_gradient(x, dz), Cv::OH * Cv::OW, seed + 2,
        [&]<bool A>(T* out, std::bool_constant<A>) {
            tk::padded_conv_weight_gradient<Cv, A>(out, x.data(), dz.data());
        },
        what);
}

using types = boost::mpl::list<float, double>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(three_by_three_padding_one_stride_one, T, types) {
    check<T, tk::conv_geometry<16, 28, 28, 16, 3, 3, 1, 1, 1, 1>>(10);
    check<T, tk::conv_geometry<32, 14, 14, 32, 3, 3, 1, 1, 1, 1>>(20);
    check<T, tk::conv_geometry<64, 7, 7, 64, 3, 3, 1, 1, 1, 1>>(30);
    check<T, tk::conv_geometry<8, 7, 7, 24, 3, 3, 1, 1, 1, 1>>(40);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(three_by_three_padding_one_stride_two, T, types) {
    check<T, tk::conv_geometry<16, 28, 28, 32, 3, 3, 2, 2, 1, 1>>(50);
    check<T, tk::conv_geometry<32, 14, 14, 64, 3, 3, 2, 2, 1, 1>>(60);
    check<T, tk::conv_geometry<64, 7, 7, 64, 3, 3, 2, 2, 1, 1>>(70); // 4×4: floor drops nothing
    check<T, tk::conv_geometry<8, 8, 8, 16, 3, 3, 2, 2, 1, 1>>(80);  // 4×4: the last row drops
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ragged_counts_and_other_forms, T, types) {
    check<T, tk::conv_geometry<3, 9, 11, 5, 3, 3, 1, 1, 1, 1>>(90);    // F below a pack
    check<T, tk::conv_geometry<5, 13, 10, 19, 3, 3, 2, 2, 1, 1>>(100); // F above a pack
    check<T, tk::conv_geometry<2, 7, 9, 3, 3, 3, 3, 2, 1, 1>>(110);    // unequal strides
    check<T, tk::conv_geometry<3, 6, 6, 4, 5, 5, 1, 1, 2, 2>>(120);    // 5×5, padding 2
    check<T, tk::conv_geometry<2, 5, 8, 3, 3, 1, 1, 2, 0, 1>>(130);    // padding on one axis
    check<T, tk::conv_geometry<4, 6, 6, 6, 3, 3, 1, 1, 0, 0>>(140);    // no padding
    check<T, tk::conv_geometry<1, 1, 1, 1, 3, 3, 1, 1, 1, 1>>(150);    // all padding but the centre
    check<T, tk::conv_geometry<3, 40, 40, 2, 3, 3, 1, 1, 1, 1>>(160);  // rows wider than a block
}
