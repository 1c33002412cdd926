// ops::softmax_cross_entropy (include/typenet/ops/softmax_cross_entropy.hpp): L = -log p_y with
// p = softmax(f); dL/df = p - onehot(y) (docs/derivations.md §8).
// Reference numbers: tests/data/gen_reference.py (ops_reference.hpp, ce*), F.cross_entropy and
// autograd.
#define BOOST_TEST_MODULE ops.softmax_cross_entropy
#include "typenet/ops/softmax_cross_entropy.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <tuple>
#include <type_traits>

#include "../data/ops_reference.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::ops;
using tn::shape;
using tn::tensor;
using tn::test::check_close;
using tn::test::from_ref;
using tn::test::tolerance;
using value_types = std::tuple<float, double>;

// Absolute floor of the element-wise checks (|a - e| <= rtol |e| + floor): p_y - 1 and the small
// p_k keep T's absolute precision (about epsilon), not their relative one: exp and the division
// round relative to values of size about 1.
template<class T>
constexpr double abs_floor = std::is_same_v<T, float> ? 1e-7 : 1e-16;

static_assert(tn::ops::softmax_cross_entropy<shape<10>>::classes == 10);
static_assert(tn::ops::softmax_cross_entropy<shape<2, 3>>::classes == 6);

template<class T, class Shape, std::size_t N>
void check_against_torch(const double (&f)[N], unsigned label, double loss, const double (&df)[N],
                         const std::string& what) {
    using op = tn::ops::softmax_cross_entropy<Shape>;
    const auto tf = from_ref<T, Shape>(f);
    tensor<T, Shape> tdf;
    tdf.fill(T(3));
    const T l = op::template forward_backward<T>(tf.view(), label, tdf.view());
    BOOST_TEST(std::abs(l - loss) <= tolerance<T>() * std::abs(loss),
               what << " loss " << l << " vs " << loss);
    check_close(tdf, df, tolerance<T>(), abs_floor<T>, what + " df");

    // The notes' closed form: df_k = p_k - [k == y], so p_y = df_y + 1, L = -log p_y and the
    // gradient sums to zero.
    double total = 0;
    for (auto v : tdf)
        total += v;
    BOOST_TEST(std::abs(total) <= 10 * tolerance<T>());
    BOOST_TEST(tdf[label] < T(0));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ten_classes_match_torch, T, value_types) {
    check_against_torch<T, shape<10>>(ref::ce10_f, ref::ce10_label, ref::ce10_loss, ref::ce10_df,
                                      "10 classes");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(softmax_runs_over_the_flattened_input, T, value_types) {
    check_against_torch<T, shape<2, 3>>(ref::ce2x3_f, ref::ce2x3_label, ref::ce2x3_loss,
                                        ref::ce2x3_df, "2x3 logits");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(large_logits_do_not_overflow, T, value_types) {
    // exp(1000) overflows even in double; the max is subtracted first.
    check_against_torch<T, shape<4>>(ref::ce_large_f, ref::ce_large_label, ref::ce_large_loss,
                                     ref::ce_large_df, "logits near 1000");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(notes_closed_form, T, value_types) {
    // f = [1, 2, 3], y = 0: p = e^f / sum e^f, dL/df = [p0 - 1, p1, p2], L = -log p0.
    using op = tn::ops::softmax_cross_entropy<shape<3>>;
    tensor<T, shape<3>> f, df;
    f[0] = 1, f[1] = 2, f[2] = 3;
    const T l = op::forward_backward<T>(f.view(), 0, df.view());
    const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    const double p0 = std::exp(1.0) / s, p1 = std::exp(2.0) / s, p2 = std::exp(3.0) / s;
    const double expected[] = {p0 - 1, p1, p2};
    check_close(df, expected, tolerance<T>(), abs_floor<T>, "p - onehot");
    BOOST_TEST(std::abs(l + std::log(p0)) <= tolerance<T>() * std::abs(std::log(p0)));
}
