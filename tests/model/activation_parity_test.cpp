// tanh, sigmoid, leaky_relu and global_avgpool inside whole networks against PyTorch, through
// model<>'s public API: the same architecture as a torch.nn.Sequential, its parameters copied
// into parameters() in named_parameters() order, one forward + CrossEntropyLoss backward. Logits,
// loss, every parameter gradient and dL/dx agree element by element to 1e-9 |e| + 1e-12 in
// double; float models are held to float accuracy.
// Reference numbers: tests/data/gen_activation_parity.py (activation_parity_reference.hpp).
#define BOOST_TEST_MODULE model.activation_parity

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <iterator>
#include <memory>
#include <ratio>
#include <string>
#include <tuple>
#include <vector>

#include "../data/activation_parity_reference.hpp"
#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::activations;
using tn::shape;
using tn::test::check_close;
using value_types = std::tuple<float, double>;

struct bound {
    double rtol, atol;
};
template<class T>
constexpr bound parity_tolerance() {
    return sizeof(T) >= sizeof(double) ? bound{1e-9, 1e-12} : bound{1e-4, 1e-6};
}

/// The reference run of one network: parameters, sample and PyTorch's results.
struct reference {
    std::vector<double> params;
    const double* x;
    unsigned label;
    std::vector<double> logits, grads, dx;
    double loss;
};

#define TYPENET_REFERENCE(p)                                                                       \
    reference {                                                                                    \
        {std::begin(ref::p##_params), std::end(ref::p##_params)}, ref::p##_x, ref::p##_label,      \
            {std::begin(ref::p##_logits), std::end(ref::p##_logits)},                              \
            {std::begin(ref::p##_grads), std::end(ref::p##_grads)},                                \
            {std::begin(ref::p##_dx), std::end(ref::p##_dx)}, ref::p##_loss                        \
    }

/// parameter_entries() against named_parameters(): same sizes, packed in the same order, names
/// equal once typenet's leaf index is mapped to torch's child index.
template<class Net, class In, std::size_t N, class IndexMap>
void check_layout(const char* const (&names)[N], const unsigned (&sizes)[N], IndexMap torch_index) {
    const auto entries = tn::network<Net, In>::parameter_entries();
    BOOST_TEST_REQUIRE(entries.size() == N);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const auto& e = entries[i];
        BOOST_TEST(e.offset == offset);
        BOOST_TEST(e.desc.size() == sizes[i]);
        const auto dot = e.name.find('.');
        BOOST_TEST(std::to_string(torch_index(std::stoul(e.name.substr(0, dot)))) +
                       e.name.substr(dot) ==
                   names[i]);
        offset += e.desc.size();
    }
}

template<class Net, class In, class T>
void check_run(const reference& r, const char* what) {
    using model_t = tn::model<Net, In, T>;
    auto m = std::make_unique<model_t>();
    BOOST_TEST_REQUIRE(r.params.size() == model_t::parameter_count);
    std::copy(r.params.begin(), r.params.end(), m->parameters().begin());
    auto x = std::make_unique<typename model_t::input_type>();
    for (std::size_t k = 0; k < In::size; ++k)
        (*x)[k] = T(r.x[k]);
    const auto tol = parity_tolerance<T>();
    const auto& logits = m->forward(*x);
    check_close(logits, r.logits, tol.rtol, tol.atol, std::string(what) + " logits");
    const double loss = double(m->forward_backward(*x, r.label));
    BOOST_TEST(std::abs(loss - r.loss) <= tol.rtol * r.loss, what << " loss " << loss);
    check_close(m->gradients(), r.grads, tol.rtol, tol.atol, std::string(what) + " gradients");
    check_close(m->input_gradient(), r.dx, tol.rtol, tol.atol, std::string(what) + " dL/dx");
}

using mixed_net =
    tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::tanh, tn::conv<3, 3, tn::filters<3>>, tn::sigmoid,
            tn::flatten, tn::dense<5>, tn::leaky_relu<>, tn::dense<4>, tn::softmax_ce>;
using mixed_in = shape<2, 8, 8>;
using gap_net = tn::seq<tn::conv<3, 3, tn::filters<6>>, tn::leaky_relu<std::ratio<1, 5>>,
                        tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;
using gap_in = shape<2, 7, 9>;
using mlp_net =
    tn::seq<tn::dense<6>, tn::sigmoid, tn::dense<5>, tn::tanh, tn::dense<3>, tn::softmax_ce>;
using mlp_in = shape<7>;

BOOST_AUTO_TEST_CASE(layouts_are_named_parameters) {
    const auto same = [](auto i) { return i; };
    check_layout<mixed_net, mixed_in>(ref::mixed_param_names, ref::mixed_param_sizes, same);
    // torch's Flatten after AdaptiveAvgPool2d is a child of its own (index 3).
    check_layout<gap_net, gap_in>(ref::gap_param_names, ref::gap_param_sizes,
                                  [](auto i) { return i < 3 ? i : i + 1; });
    check_layout<mlp_net, mlp_in>(ref::mlp_param_names, ref::mlp_param_sizes, same);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(conv_tanh_sigmoid_leaky_relu, T, value_types) {
    check_run<mixed_net, mixed_in, T>(TYPENET_REFERENCE(mixed), "conv/tanh/sigmoid/leaky_relu");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(leaky_relu_global_avgpool, T, value_types) {
    check_run<gap_net, gap_in, T>(TYPENET_REFERENCE(gap), "leaky_relu<1/5>/global_avgpool");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(mlp_sigmoid_tanh, T, value_types) {
    check_run<mlp_net, mlp_in, T>(TYPENET_REFERENCE(mlp), "dense/sigmoid/tanh");
}
