// The assignment loop (include/typenet/expr/assign.hpp): `=`, `+=`, `-=` on views and tensors,
// construction from an expression, and the element-wise aliasing the header allows.
#define BOOST_TEST_MODULE expr.assign
#include "typenet/expr/assign.hpp"
#include "typenet/expr/correlate.hpp"
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/evaluator.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>

namespace tn = typenet;
using tn::shape;
using tn::tensor;
using value_types = std::tuple<float, double>;

template<class T, class S>
tensor<T, S> iota(T start) {
    tensor<T, S> t;
    for (std::size_t i = 0; i < S::size; ++i)
        t[i] = start + T(i);
    return t;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(assign_add_and_subtract, T, value_types) {
    using s = shape<2, 3>;
    const auto a = iota<T, s>(1);  // 1..6
    const auto b = iota<T, s>(10); // 10..15
    tensor<T, s> d;
    d = a + b;
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(d[i] == T(11 + 2 * i));
    d += a;
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(d[i] == T(12 + 3 * i));
    d -= b;
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(d[i] == T(2 + 2 * i));
    // The same through a view, and += of a plain tensor.
    const auto v = d.view();
    v -= a;
    v += a;
    v += a;
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(d[i] == T(3 + 3 * i));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(construct_from_expression, T, value_types) {
    using s = shape<3, 3>;
    const auto a = iota<T, s>(0);
    tensor<T, shape<2, 2>> k;
    k.fill(T(1));
    const tensor<T, shape<2, 2>> c(tn::correlate(a, k)); // 2x2 window sums of [[0,1,2],[3,4,5],...]
    BOOST_TEST(c(0, 0) == T(8));
    BOOST_TEST(c(0, 1) == T(12));
    BOOST_TEST(c(1, 0) == T(20));
    BOOST_TEST(c(1, 1) == T(24));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(element_wise_expressions_may_alias_their_destination, T,
                              value_types) {
    using s = shape<4>;
    auto a = iota<T, s>(1);
    a = a * T(2) + a; // 3 * a, evaluated element by element
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(a[i] == T(3 * (i + 1)));
    a.view() = tn::map([](T v) { return v - T(1); }, a);
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(a[i] == T(3 * (i + 1) - 1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(view_copy_assignment_copies_elements, T, value_types) {
    using s = shape<2, 2>;
    auto a = iota<T, s>(5);
    tensor<T, s> b;
    const auto va = a.view();
    const auto vb = b.view();
    vb = va; // copies the values, does not rebind vb
    BOOST_TEST(vb.data() == b.data());
    BOOST_TEST((b == a));
    a[0] = T(-1);
    BOOST_TEST(b[0] == T(5));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(evaluate_into_with_each_operation, T, value_types) {
    using s = shape<3>;
    const auto a = iota<T, s>(1);
    tensor<T, s> d;
    tn::evaluate_into(d.view(), a);
    BOOST_TEST((d == a));
    tn::evaluate_into(d.view(), a, tn::add_assign_op{});
    tn::evaluate_into(d.view(), a, tn::add_assign_op{});
    tn::evaluate_into(d.view(), a, tn::sub_assign_op{});
    for (std::size_t i = 0; i < s::size; ++i)
        BOOST_TEST(d[i] == T(2 * (i + 1)));
}
