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
#include <span>
#include <tuple>
#include <vector>

#include "../data/pytorch_parity_reference.hpp"
#include "../support/parity.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::parity;
using tn::shape;
using tn::test::check_close;
using tn::test::check_layout;
using tn::test::check_outputs;
using tn::test::check_parity;
using value_types = std::tuple<float, double>;

BOOST_AUTO_TEST_SUITE(seed_net)

using net = tn::dsl::seed_net;
using in = tn::dsl::seed_input;

BOOST_AUTO_TEST_CASE(layout_is_named_parameters) {
    // nn.Sequential(Conv2d(1,1,2), ReLU(), MaxPool2d(2), Flatten()): the same child indices.
    check_layout<net, in>(ref::seed_param_names, ref::seed_param_sizes);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    check_parity<net, in, T>(TYPENET_PARITY_REFERENCE(ref, seed), "seed_net");
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
    check_layout<net, in>(ref::avg_param_names, ref::avg_param_sizes);
    check_layout<nested, in>(ref::avg_param_names, ref::avg_param_sizes);
}

template<class Net, class T>
void check_run(const char* what) {
    check_parity<Net, in, T>(TYPENET_PARITY_REFERENCE(ref, avg), what);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matches_pytorch, T, value_types) {
    check_run<net, T>("conv_avgpool_dense");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nested_matches_pytorch, T, value_types) {
    check_run<nested, T>("nested conv_avgpool_dense");
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
    const tn::test::parity_run<net, in, T> r(lenet_params(), ref::lenet_x, ref::lenet_label);
    check_outputs(r, ref::lenet_logits, ref::lenet_loss, "LeNet-5");
    const auto tol = tn::test::parity_tolerance<T>();
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
