// Whole networks against PyTorch: the same architecture as a torch.nn.Sequential, the same
// parameters copied into model<...>::parameters() in named_parameters() order, one forward +
// CrossEntropyLoss backward. Logits, loss, every parameter gradient and dL/dx must agree element
// by element to 1e-9 |e| + 1e-12 in double — which proves that parameters() has PyTorch's order
// and layout (docs/api.md, "Parameters and names"). Float models are held to float accuracy.
// Reference numbers: tests/data/gen_pytorch_parity.py (pytorch_parity_reference.hpp).
#define BOOST_TEST_MODULE model.pytorch_parity
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "../data/pytorch_parity_reference.hpp"
#include "../support/check.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::parity;
using tn::shape;
using tn::test::check_close;
using value_types = std::tuple<float, double>;

/// Element-wise bound |a - e| <= rtol |e| + atol against PyTorch's float64 numbers. In double
/// the two differ by summation order only; in float the parameters and input are rounded to
/// float first. The floor is for elements that are small because larger terms cancelled (a
/// gradient summed over many pixels): their error stays at T's precision of those terms, which
/// are of size 1 or smaller here.
struct parity_bound {
    double rtol, atol;
};
template<class T>
constexpr parity_bound parity_tolerance() {
    return sizeof(T) >= sizeof(double) ? parity_bound{1e-9, 1e-12} : parity_bound{1e-4, 1e-6};
}

/// A model with the given parameters after forward(x) and forward_backward(x, label).
template<class Net, class In, class T>
struct run {
    using model_t = tn::model<Net, In, T>;
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    std::vector<double> logits;
    double loss = 0;

    template<std::size_t NX>
    run(const std::vector<double>& params, const double (&x)[NX], unsigned label) {
        BOOST_TEST_REQUIRE(params.size() == model_t::parameter_count);
        std::copy(params.begin(), params.end(), m->parameters().begin());
        auto input = std::make_unique<typename model_t::input_type>();
        tn::test::load(*input, x);
        const auto& out = m->forward(*input);
        logits.assign(out.begin(), out.end());
        loss = double(m->forward_backward(*input, label));
    }
    std::span<const T> gradient(std::size_t tensor_index) const {
        const auto e = model_t::parameter_entries().at(tensor_index);
        return m->gradients().subspan(e.offset, e.desc.size());
    }
};

template<std::size_t N>
std::vector<double> vec(const double (&a)[N]) {
    return {std::begin(a), std::end(a)};
}

/// parameter_entries() against torch's named_parameters(): same sizes, in the same order,
/// packed back to back; names equal after mapping typenet's leaf index to torch's child index.
template<class Net, class In, std::size_t N, class IndexMap>
void check_layout(const char* const (&names)[N], const unsigned (&sizes)[N], IndexMap torch_index) {
    const auto entries = tn::network<Net, In>::parameter_entries();
    BOOST_TEST_REQUIRE(entries.size() == N);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const auto& e = entries[i];
        BOOST_TEST(e.offset == offset);
        BOOST_TEST(e.desc.size() == sizes[i], e.name << " has " << e.desc.size() << " elements");
        const auto dot = e.name.find('.');
        const std::string mapped =
            std::to_string(torch_index(std::stoul(e.name.substr(0, dot)))) + e.name.substr(dot);
        BOOST_TEST(mapped == names[i]);
        offset += e.desc.size();
    }
    BOOST_TEST(offset == (tn::network<Net, In>::parameter_count));
}

BOOST_AUTO_TEST_SUITE(seed_net)

using net = tn::dsl::seed_net;
using in = tn::dsl::seed_input;

BOOST_AUTO_TEST_CASE(layout_is_named_parameters) {
    // nn.Sequential(Conv2d(1,1,2), ReLU(), MaxPool2d(2), Flatten()): the same child indices.
    check_layout<net, in>(ref::seed_param_names, ref::seed_param_sizes, [](auto i) { return i; });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    const run<net, in, T> r(vec(ref::seed_params), ref::seed_x, ref::seed_label);
    const auto tol = parity_tolerance<T>();
    check_close(r.logits, ref::seed_logits, tol.rtol, tol.atol, "seed_net logits");
    BOOST_TEST(std::abs(r.loss - ref::seed_loss) <= tol.rtol * ref::seed_loss);
    check_close(r.m->gradients(), ref::seed_grads, tol.rtol, tol.atol,
                "seed_net parameter gradients");
    check_close(r.m->input_gradient(), ref::seed_dx, tol.rtol, tol.atol, "seed_net dL/dx");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(conv_avgpool_dense)

using in = shape<2, 8, 8>;
using net = tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu, tn::avgpool<2>, tn::flatten,
                    tn::dense<6>, tn::relu, tn::dense<5>, tn::softmax_ce>;
// The same network built from reusable blocks: seqs are spliced, so nothing may change.
using nested =
    tn::seq<tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu>, tn::avgpool<2>,
            tn::seq<tn::flatten, tn::seq<tn::dense<6>, tn::relu>>, tn::dense<5>, tn::softmax_ce>;

BOOST_AUTO_TEST_CASE(layout_is_named_parameters) {
    // nn.Sequential(Conv2d(2,4,3), ReLU(), AvgPool2d(2), Flatten(), Linear(36,6), ReLU(),
    // Linear(6,5)): typenet's flatten is a layer too, so the indices agree.
    check_layout<net, in>(ref::avg_param_names, ref::avg_param_sizes, [](auto i) { return i; });
    check_layout<nested, in>(ref::avg_param_names, ref::avg_param_sizes, [](auto i) { return i; });
}

template<class Net, class T>
void check_run() {
    const run<Net, in, T> r(vec(ref::avg_params), ref::avg_x, ref::avg_label);
    const auto tol = parity_tolerance<T>();
    check_close(r.logits, ref::avg_logits, tol.rtol, tol.atol, "logits");
    BOOST_TEST(std::abs(r.loss - ref::avg_loss) <= tol.rtol * ref::avg_loss);
    check_close(r.m->gradients(), ref::avg_grads, tol.rtol, tol.atol, "parameter gradients");
    check_close(r.m->input_gradient(), ref::avg_dx, tol.rtol, tol.atol, "dL/dx");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    check_run<net, T>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nested_matches_pytorch, T, value_types) {
    check_run<nested, T>();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lenet5)

using net = tn::dsl::lenet5;
using in = tn::dsl::lenet5_input;

/// The generator's lenet_param: parameter i of tensor t is a multiple of 2^-15 (from a Knuth
/// multiplicative hash) times 2^-scale_log2, exact in float and double.
double lenet_param(std::size_t t, std::size_t i, unsigned scale_log2) {
    const std::uint64_t h = (std::uint64_t(i) * 2654435761ull + 97 * (t + 1)) % (1ull << 32);
    const double k = double(std::int64_t(h >> 16) - (1 << 15));
    return std::ldexp(k, -15 - int(scale_log2));
}

std::vector<double> lenet_params() {
    std::vector<double> p;
    for (std::size_t t = 0; t < std::size(ref::lenet_param_sizes); ++t)
        for (std::size_t i = 0; i < ref::lenet_param_sizes[t]; ++i)
            p.push_back(lenet_param(t, i, ref::lenet_scale_log2[t]));
    return p;
}

BOOST_AUTO_TEST_CASE(layout_is_named_parameters) {
    // torch's Sequential has a Flatten child at index 6 where typenet's dense flattens
    // implicitly: from leaf 6 on, torch's child index is one higher (dsl/lenet5.hpp).
    check_layout<net, in>(ref::lenet_param_names, ref::lenet_param_sizes,
                          [](auto i) { return i < 6 ? i : i + 1; });
    BOOST_TEST((tn::model<net, in>::parameter_count) == 44426u);
}

BOOST_AUTO_TEST_CASE(parameters_are_the_generators) {
    // Sums of multiples of 2^-19 below 2^11 are exact in double: compare exactly.
    const auto p = lenet_params();
    std::size_t offset = 0;
    for (std::size_t t = 0; t < std::size(ref::lenet_param_sizes); ++t) {
        double total = 0;
        for (std::size_t i = 0; i < ref::lenet_param_sizes[t]; ++i)
            total += p[offset + i];
        offset += ref::lenet_param_sizes[t];
        BOOST_TEST(total == ref::lenet_param_sums[t], "tensor " << t);
        BOOST_TEST(p[offset - 1] == ref::lenet_param_last[t], "tensor " << t);
    }
}

template<class T>
std::vector<double> row_sums(std::span<const T> g, std::size_t rows) {
    const std::size_t cols = g.size() / rows;
    std::vector<double> s(rows);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            s[r] += g[r * cols + c];
    return s;
}
template<class T>
std::vector<double> col_sums(std::span<const T> g, std::size_t rows) {
    const std::size_t cols = g.size() / rows;
    std::vector<double> s(cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            s[c] += g[r * cols + c];
    return s;
}
template<class T>
std::vector<double> every_29th(std::span<const T> g) {
    std::vector<double> s;
    for (std::size_t i = 0; i < g.size(); i += 29)
        s.push_back(g[i]);
    return s;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    const run<net, in, T> r(lenet_params(), ref::lenet_x, ref::lenet_label);
    const auto tol = parity_tolerance<T>();
    check_close(r.logits, ref::lenet_logits, tol.rtol, tol.atol, "LeNet-5 logits");
    BOOST_TEST(std::abs(r.loss - ref::lenet_loss) <= tol.rtol * ref::lenet_loss);
    check_close(r.m->input_gradient(), ref::lenet_dx, tol.rtol, tol.atol, "LeNet-5 dL/dx");

    check_close(r.gradient(0), ref::lenet_grad_0_weight, tol.rtol, tol.atol, "0.weight");
    check_close(r.gradient(1), ref::lenet_grad_0_bias, tol.rtol, tol.atol, "0.bias");
    check_close(r.gradient(2), ref::lenet_grad_3_weight, tol.rtol, tol.atol, "3.weight");
    check_close(r.gradient(3), ref::lenet_grad_3_bias, tol.rtol, tol.atol, "3.bias");
    // typenet 6.weight = torch 7.weight (120x256), typenet 8.weight = torch 9.weight (84x120).
    check_close(row_sums(r.gradient(4), 120), ref::lenet_grad_7_weight_row_sums, tol.rtol, tol.atol,
                "6.weight row sums");
    check_close(col_sums(r.gradient(4), 120), ref::lenet_grad_7_weight_col_sums, tol.rtol, tol.atol,
                "6.weight column sums");
    check_close(every_29th(r.gradient(4)), ref::lenet_grad_7_weight_every_29th, tol.rtol, tol.atol,
                "6.weight every 29th");
    check_close(r.gradient(5), ref::lenet_grad_7_bias, tol.rtol, tol.atol, "6.bias");
    check_close(row_sums(r.gradient(6), 84), ref::lenet_grad_9_weight_row_sums, tol.rtol, tol.atol,
                "8.weight row sums");
    check_close(col_sums(r.gradient(6), 84), ref::lenet_grad_9_weight_col_sums, tol.rtol, tol.atol,
                "8.weight column sums");
    check_close(every_29th(r.gradient(6)), ref::lenet_grad_9_weight_every_29th, tol.rtol, tol.atol,
                "8.weight every 29th");
    check_close(r.gradient(7), ref::lenet_grad_9_bias, tol.rtol, tol.atol, "8.bias");
    check_close(r.gradient(8), ref::lenet_grad_11_weight, tol.rtol, tol.atol, "10.weight");
    check_close(r.gradient(9), ref::lenet_grad_11_bias, tol.rtol, tol.atol, "10.bias");
}

BOOST_AUTO_TEST_SUITE_END()
