// tensor_view<T, Shape> (include/typenet/tensor/tensor_view.hpp): one pointer, static shape;
// slice drops the leading dimension, reshape keeps the elements.
#define BOOST_TEST_MODULE tensor.tensor_view
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using tn::tensor_view;
using value_types = std::tuple<float, double>;

// A view is a leaf expression and costs one pointer.
static_assert(sizeof(tensor_view<float, shape<6, 24, 24>>) == sizeof(float*));
static_assert(tn::expression<tensor_view<const double, shape<3>>>);
// Copying a view copies the pointer; assigning one view to another copies the elements.
static_assert(std::is_trivially_copy_constructible_v<tensor_view<float, shape<3>>>);
static_assert(
    std::is_convertible_v<tensor_view<float, shape<3>>, tensor_view<const float, shape<3>>>);
static_assert(
    !std::is_convertible_v<tensor_view<const float, shape<3>>, tensor_view<float, shape<3>>>);
static_assert(std::is_same_v<tensor_view<const float, shape<2>>::value_type, float>);

BOOST_AUTO_TEST_CASE_TEMPLATE(slices_and_reshapes_share_storage, T, value_types) {
    tensor<T, shape<4, 2, 3>> t;
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = T(i);
    const auto v = t.view();
    const auto s2 = tn::slice(v, 2);
    static_assert(std::is_same_v<std::remove_const_t<decltype(s2)>, tensor_view<T, shape<2, 3>>>);
    BOOST_TEST(s2.data() == t.data() + 12);
    BOOST_TEST(s2(1, 2) == T(17));
    const auto row = tn::slice(s2, 1);
    BOOST_TEST(row(0) == T(15));

    const auto flat = tn::reshape<shape<24>>(v);
    BOOST_TEST(flat.data() == t.data());
    BOOST_TEST(flat(23) == T(23));
    const auto m = tn::reshape<shape<6, 4>>(v);
    BOOST_TEST(m(5, 3) == T(23));
    BOOST_TEST(m(1, 0) == T(4));
    m(1, 0) = T(-4);
    BOOST_TEST(t(0, 1, 1) == T(-4));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(const_views_read_mutable_views_write, T, value_types) {
    tensor<T, shape<3>> t;
    const tensor_view<T, shape<3>> w = t.view();
    w[1] = T(2);
    const tensor_view<const T, shape<3>> r = w;
    BOOST_TEST(r[1] == T(2));
    BOOST_TEST(r.size() == 3u);
    T total{};
    for (auto x : r)
        total += x;
    BOOST_TEST(total == T(2));
}
