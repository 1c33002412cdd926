// model<Net, In, T> (include/typenet/model/model.hpp), the public API of docs/api.md:
// parameter_count, parameters()/gradients() layout, forward, forward_backward (ADDS to the
// gradients), zero_grad, input_gradient, the label check, and nested seqs.
#define BOOST_TEST_MODULE model.model
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;
using value_types = std::tuple<float, double>;

template<class T>
using seed_model = tn::model<tn::dsl::seed_net, tn::dsl::seed_input, T>;
template<class T>
using lenet_model = tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input, T>;

// The counts are compile-time constants: 2x2 kernel + bias; LeNet-5's 156 + 2416 + 30840 +
// 10164 + 850.
static_assert(seed_model<float>::parameter_count == 5);
static_assert(lenet_model<float>::parameter_count == 44426);
static_assert(seed_model<float>::classes == 4);
static_assert(lenet_model<double>::classes == 10);
static_assert(std::is_same_v<seed_model<float>::input_type, tn::tensor<float, shape<1, 5, 5>>>);
static_assert(std::is_same_v<seed_model<float>::output_type, tn::tensor<float, shape<1, 2, 2>>>);
static_assert(std::is_same_v<lenet_model<double>::output_type, tn::tensor<double, shape<10>>>);
static_assert(
    std::is_same_v<decltype(std::declval<seed_model<float>&>().parameters()), std::span<float>>);
static_assert(std::is_same_v<decltype(std::declval<const seed_model<float>&>().gradients()),
                             std::span<const float>>);
static_assert(std::is_same_v<tn::model<tn::dsl::seed_net, tn::dsl::seed_input>::value_type, float>);

BOOST_AUTO_TEST_CASE(parameter_counts) {
    BOOST_TEST(seed_model<float>::parameter_count == 5u);
    BOOST_TEST(lenet_model<float>::parameter_count == 44426u);
    auto m = std::make_unique<lenet_model<float>>();
    BOOST_TEST(m->parameters().size() == 44426u);
    BOOST_TEST(m->gradients().size() == 44426u);
}

/// Deterministic parameters and input, and a model holding them.
template<class Model>
std::unique_ptr<Model> make_model(std::uint64_t seed) {
    auto m = std::make_unique<Model>();
    tn::test::fill_uniform(m->parameters(), seed, -0.5, 0.5);
    return m;
}
template<class Model>
std::unique_ptr<typename Model::input_type> make_input(std::uint64_t seed) {
    auto x = std::make_unique<typename Model::input_type>();
    tn::test::fill_uniform(*x, seed, -1, 1);
    return x;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(starts_at_zero, T, value_types) {
    seed_model<T> m;
    for (T p : m.parameters())
        BOOST_TEST(p == T(0));
    for (T g : m.gradients())
        BOOST_TEST(g == T(0));
    // parameters() is the model's own storage: writes stick.
    m.parameters()[4] = T(0.25);
    BOOST_TEST(m.parameters()[4] == T(0.25));
    BOOST_TEST(std::as_const(m).parameters().data() == m.parameters().data());
    // With all-zero parameters every logit is 0 and the loss is log(classes).
    typename seed_model<T>::input_type x;
    x.fill(T(1));
    m.parameters()[4] = T(0);
    const T loss = m.forward_backward(x, 1);
    BOOST_TEST(std::abs(loss - std::log(T(4))) <= T(1e-6));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(forward_backward_adds_to_the_gradients, T, value_types) {
    auto m = make_model<seed_model<T>>(1);
    const auto x = make_input<seed_model<T>>(2);
    const T l1 = m->forward_backward(*x, 3);
    const std::vector<T> once(m->gradients().begin(), m->gradients().end());
    const std::vector<T> dx1(m->input_gradient().begin(), m->input_gradient().end());
    BOOST_TEST_REQUIRE(tn::test::max_abs(once) > 0);
    const T l2 = m->forward_backward(*x, 3);
    BOOST_TEST(l1 == l2);
    // g + g is exact, and the second pass computes the same g: exactly doubled.
    for (std::size_t i = 0; i < once.size(); ++i)
        BOOST_TEST(m->gradients()[i] == 2 * once[i]);
    // dL/dx is not accumulated: it is the last pass's.
    for (std::size_t i = 0; i < dx1.size(); ++i)
        BOOST_TEST(m->input_gradient()[i] == dx1[i]);

    m->zero_grad();
    for (T g : m->gradients())
        BOOST_TEST(g == T(0));
    m->forward_backward(*x, 3);
    for (std::size_t i = 0; i < once.size(); ++i)
        BOOST_TEST(m->gradients()[i] == once[i]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(gradients_of_two_samples_sum, T, value_types) {
    // Accumulation over a batch: g(x1) + g(x2), in order.
    auto m = make_model<lenet_model<T>>(3);
    const auto x1 = make_input<lenet_model<T>>(4);
    const auto x2 = make_input<lenet_model<T>>(5);
    m->forward_backward(*x1, 2);
    const std::vector<T> g1(m->gradients().begin(), m->gradients().end());
    m->zero_grad();
    m->forward_backward(*x2, 9);
    const std::vector<T> g2(m->gradients().begin(), m->gradients().end());
    m->zero_grad();
    m->forward_backward(*x1, 2);
    m->forward_backward(*x2, 9);
    // Equal up to rounding: with FMA (-march=native) the compiler may fuse a product into the
    // accumulation (dW += dy xᵀ becomes fma(dy, x, dW)), which rounds once instead of twice.
    const T eps = std::numeric_limits<T>::epsilon();
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < g1.size(); ++i)
        mismatches += std::abs(m->gradients()[i] - (g1[i] + g2[i])) >
                      4 * eps * (std::abs(g1[i]) + std::abs(g2[i]));
    BOOST_TEST(mismatches == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(loss_is_cross_entropy_of_the_logits, T, value_types) {
    auto m = make_model<lenet_model<T>>(6);
    const auto x = make_input<lenet_model<T>>(7);
    const std::vector<double> f(m->forward(*x).begin(), m->forward(*x).end());
    double mx = f[0];
    for (double v : f)
        mx = std::max(mx, v);
    double total = 0;
    for (double v : f)
        total += std::exp(v - mx);
    for (std::size_t label = 0; label < 10; ++label) {
        const double expected = mx + std::log(total) - f[label];
        const T loss = m->forward_backward(*x, label);
        BOOST_TEST(std::abs(loss - expected) <= tn::test::tolerance<T>() * 10 * expected);
        // forward_backward leaves the same logits behind as forward.
        const auto& again = m->forward(*x);
        for (std::size_t k = 0; k < 10; ++k)
            BOOST_TEST(again[k] == T(f[k]));
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(label_out_of_range_throws, T, value_types) {
    auto m = make_model<seed_model<T>>(8);
    const auto x = make_input<seed_model<T>>(9);
    m->forward_backward(*x, 0);
    const std::vector<T> before(m->gradients().begin(), m->gradients().end());
    for (std::size_t label : {std::size_t(4), std::size_t(5), std::size_t(1000)}) {
        try {
            m->forward_backward(*x, label);
            BOOST_ERROR("label " << label << " was accepted");
        } catch (const std::out_of_range& e) {
            const std::string what = e.what();
            BOOST_TEST(what.find("label " + std::to_string(label)) != std::string::npos, what);
            BOOST_TEST(what.find("4 classes") != std::string::npos, what);
        }
    }
    // A refused label changes nothing.
    for (std::size_t i = 0; i < before.size(); ++i)
        BOOST_TEST(m->gradients()[i] == before[i]);
    BOOST_CHECK_NO_THROW(m->forward_backward(*x, 3));

    auto l = std::make_unique<lenet_model<T>>();
    typename lenet_model<T>::input_type img;
    BOOST_CHECK_EXCEPTION(l->forward_backward(img, 10), std::out_of_range,
                          [](const std::out_of_range& e) {
                              const std::string what = e.what();
                              return what.find("label 10") != std::string::npos &&
                                     what.find("10 classes") != std::string::npos;
                          });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nested_seq_is_identical_to_its_flat_form, T, value_types) {
    // A seq inside a seq is spliced: same layers, shapes, parameter layout, numbers (bit for
    // bit), names and signature.
    using block = tn::seq<tn::conv<5, 5, tn::filters<6>>, tn::relu, tn::maxpool<2>>;
    using head = tn::seq<tn::dense<120>, tn::relu, tn::seq<tn::dense<84>, tn::relu>>;
    using nested =
        tn::seq<block, tn::seq<tn::conv<5, 5, tn::filters<16>>, tn::relu, tn::maxpool<2>>, head,
                tn::seq<tn::dense<10>>, tn::softmax_ce>;
    using nested_model = tn::model<nested, tn::dsl::lenet5_input, T>;
    static_assert(nested_model::parameter_count == lenet_model<T>::parameter_count);

    auto flat = make_model<lenet_model<T>>(10);
    auto deep = std::make_unique<nested_model>();
    std::copy(flat->parameters().begin(), flat->parameters().end(), deep->parameters().begin());
    const auto x = make_input<lenet_model<T>>(11);
    BOOST_TEST((flat->forward(*x) == deep->forward(*x)));
    BOOST_TEST(flat->forward_backward(*x, 4) == deep->forward_backward(*x, 4));
    BOOST_TEST(
        std::equal(flat->gradients().begin(), flat->gradients().end(), deep->gradients().begin()));
    BOOST_TEST((flat->input_gradient() == deep->input_gradient()));

    BOOST_TEST(lenet_model<T>::signature() == nested_model::signature());
    const auto a = lenet_model<T>::parameter_entries();
    const auto b = nested_model::parameter_entries();
    BOOST_TEST_REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST(a[i].name == b[i].name);
        BOOST_TEST(a[i].offset == b[i].offset);
        BOOST_TEST(a[i].desc.dims == b[i].desc.dims, a[i].name);
    }
    BOOST_TEST((tn::summary<tn::dsl::lenet5, tn::dsl::lenet5_input>() ==
                tn::summary<nested, tn::dsl::lenet5_input>()));
}

BOOST_AUTO_TEST_CASE(parameter_entries_and_signature) {
    const auto e = seed_model<float>::parameter_entries();
    BOOST_TEST_REQUIRE(e.size() == 2u);
    BOOST_TEST(e[0].name == "0.weight");
    BOOST_TEST((e[0].desc.dims == std::vector<std::size_t>{1, 1, 2, 2}));
    BOOST_TEST(e[0].offset == 0u);
    BOOST_TEST(!e[0].desc.is_bias);
    BOOST_TEST(e[1].name == "0.bias");
    BOOST_TEST((e[1].desc.dims == std::vector<std::size_t>{1}));
    BOOST_TEST(e[1].offset == 4u);
    BOOST_TEST(e[1].desc.is_bias);
    // The signature names the input shape and every layer, in order.
    const std::string sig = seed_model<float>::signature();
    std::size_t at = 0;
    for (const char* part : {"1x5x5", "conv<2,2,filters<1>>", "relu", "maxpool<2>", "softmax_ce"}) {
        const auto found = sig.find(part, at);
        BOOST_TEST(found != std::string::npos, part << " in " << sig);
        at = found == std::string::npos ? at : found;
    }
    BOOST_TEST(seed_model<float>::signature() != lenet_model<float>::signature());
    // The value type is not part of the layout.
    BOOST_TEST(seed_model<float>::signature() == seed_model<double>::signature());
}
