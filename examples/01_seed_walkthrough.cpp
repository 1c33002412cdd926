// 01_seed_walkthrough: the design notes' worked example, computed twice.
//
// Part 1 takes the notes' 3x3 input x, 2x2 kernel K, bias B and an upstream gradient dL/dz, and
// computes z, dL/dK, dL/dB and dL/dx with typenet's kernel expressions (correlate, zero_pad,
// rot180, sum) and with the layer kernel ops::conv2d — then evaluates every hand formula of the
// notes term by term, in the notes' 1-based names (z11 = x11 k11 + ...), and compares.
// Part 2 repeats the notes' pooling examples. Part 3 runs the notes' whole network
// (typenet::dsl::seed_net on 1x5x5) and follows its gradient back by the notes' chain rule.
//
// The program prints "all hand formulas match" and returns 0 only if every comparison holds; a
// differing quantity prints a line with MISMATCH (CTest fails on either). The formulas, with the
// notes' typos corrected, are docs/derivations.md §1-§8.

#include "typenet/dsl/seed_net.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

#include "typenet.hpp"

namespace tn = typenet;

namespace {

using plane3 = tn::shape<3, 3>;
using plane2 = tn::shape<2, 2>;

int failures = 0;

/// A tensor filled row-major from a list (the numbers of the walkthrough).
template<class S>
tn::tensor<double, S> make(std::initializer_list<double> values) {
    tn::tensor<double, S> t;
    std::copy(values.begin(), values.end(), t.begin());
    return t;
}

/// Prints an H×W plane (anything with operator()(i, j)) under a title.
template<std::size_t H, std::size_t W, class Plane>
void print_plane(const std::string& title, const Plane& p) {
    std::printf("%s =\n", title.c_str());
    for (std::size_t i = 0; i < H; ++i) {
        std::printf("   ");
        for (std::size_t j = 0; j < W; ++j)
            std::printf(" %10.6f", static_cast<double>(p(i, j)));
        std::printf("\n");
    }
}

/// Equal up to rounding: the walkthrough's numbers are short binary fractions, so typenet and the
/// hand formulas agree exactly except for summation order.
bool close(double a, double b, double tol = 1e-12) {
    return std::abs(a - b) <= tol * std::max({1.0, std::abs(a), std::abs(b)});
}

/// Compares every entry of two H×W planes and reports the quantity once.
template<std::size_t H, std::size_t W, class A, class B>
void report(const std::string& quantity, const std::string& against, const A& got, const B& want) {
    bool ok = true;
    for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j)
            if (!close(got(i, j), want(i, j))) {
                std::printf("MISMATCH: %s(%zu,%zu) = %.17g, %s gives %.17g\n", quantity.c_str(),
                            i + 1, j + 1, static_cast<double>(got(i, j)), against.c_str(),
                            static_cast<double>(want(i, j)));
                ok = false;
            }
    if (ok)
        std::printf("%s matches the %s\n\n", quantity.c_str(), against.c_str());
    else
        ++failures;
}

// ---- Part 1: the 3x3 input and the 2x2 kernel (docs/derivations.md §1-§3) -------------------

void conv_walkthrough() {
    std::printf("== Part 1: 3x3 input x, 2x2 kernel K, bias B (the notes' conv example) ==\n\n");
    // Non-symmetric numbers, so that a swapped index (x21 for x12, x21 for x22) shows.
    const auto X = make<plane3>({0.5, -1.25, 2.0, //
                                 1.5, 3.0, -0.75, //
                                 -2.5, 0.25, 1.0});
    const auto K = make<plane2>({1.5, -0.5, //
                                 2.0, 0.75});
    const double B = 0.25;
    // dL/dz "from the next layer": any 2x2 upstream gradient will do.
    const auto dZ = make<plane2>({0.5, -1.25, //
                                  0.75, 2.0});

    print_plane<3, 3>("x", X);
    print_plane<2, 2>("K", K);
    std::printf("B = %g\n", B);
    print_plane<2, 2>("dL/dz (upstream)", dZ);
    std::printf("\n");

    // typenet, exactly as derived: the notes' ⊗ is correlate.
    const tn::tensor<double, plane2> z(tn::correlate(X, K) + B);              // §1
    const tn::tensor<double, plane2> dK(tn::correlate(X, dZ));                // §2
    const double dB = tn::sum(dZ);                                            // §2
    const tn::tensor<double, plane3> dX(tn::correlate(tn::zero_pad<1, 1>(dZ), // §3
                                                      tn::rot180(K)));
    // (dX runs the conv layer's input-gradient kernel, kernels/conv_input_gradient.hpp, with one
    // filter and one channel.)

    // The notes' names, 1-based: x(1,1) is x11.
    auto x = [&](std::size_t i, std::size_t j) { return X(i - 1, j - 1); };
    auto k = [&](std::size_t i, std::size_t j) { return K(i - 1, j - 1); };
    auto dz = [&](std::size_t i, std::size_t j) { return dZ(i - 1, j - 1); };

    // z = x ⊗ K + B, term by term as the notes write it.
    tn::tensor<double, plane2> z_hand;
    z_hand(0, 0) =
        x(1, 1) * k(1, 1) + x(1, 2) * k(1, 2) + x(2, 1) * k(2, 1) + x(2, 2) * k(2, 2) + B;
    z_hand(0, 1) =
        x(1, 2) * k(1, 1) + x(1, 3) * k(1, 2) + x(2, 2) * k(2, 1) + x(2, 3) * k(2, 2) + B;
    z_hand(1, 0) =
        x(2, 1) * k(1, 1) + x(2, 2) * k(1, 2) + x(3, 1) * k(2, 1) + x(3, 2) * k(2, 2) + B;
    z_hand(1, 1) =
        x(2, 2) * k(1, 1) + x(2, 3) * k(1, 2) + x(3, 2) * k(2, 1) + x(3, 3) * k(2, 2) + B;
    print_plane<2, 2>("z = correlate(x, K) + B", z);
    print_plane<2, 2>(
        "z by the hand formulas (z11 = x11 k11 + x12 k12 + x21 k21 + x22 k22 + B, ...)", z_hand);
    report<2, 2>("z", "hand formula", z, z_hand);

    // dL/dk_mn = sum_ij dL/dz_ij * dz_ij/dk_mn.
    tn::tensor<double, plane2> dK_hand;
    dK_hand(0, 0) =
        dz(1, 1) * x(1, 1) + dz(1, 2) * x(1, 2) + dz(2, 1) * x(2, 1) + dz(2, 2) * x(2, 2);
    dK_hand(0, 1) =
        dz(1, 1) * x(1, 2) + dz(1, 2) * x(1, 3) + dz(2, 1) * x(2, 2) + dz(2, 2) * x(2, 3);
    dK_hand(1, 0) =
        dz(1, 1) * x(2, 1) + dz(1, 2) * x(2, 2) + dz(2, 1) * x(3, 1) + dz(2, 2) * x(3, 2);
    // Corrected: the notes write x21 in the first term; z11 contains x22 k22, so it is x22.
    dK_hand(1, 1) =
        dz(1, 1) * x(2, 2) + dz(1, 2) * x(2, 3) + dz(2, 1) * x(3, 2) + dz(2, 2) * x(3, 3);
    const double dk22_as_written =
        dz(1, 1) * x(2, 1) + dz(1, 2) * x(2, 3) + dz(2, 1) * x(3, 2) + dz(2, 2) * x(3, 3);
    print_plane<2, 2>("dL/dK = correlate(x, dL/dz)", dK);
    print_plane<2, 2>("dL/dK by the hand formulas (dL/dk22 with x22)", dK_hand);
    std::printf("note: dL/dk22 as the notes write it (x21 in the first term) = %g, not %g;\n"
                "      the notes' typo, see docs/derivations.md §2\n",
                dk22_as_written, dK(1, 1));
    report<2, 2>("dL/dK", "hand formula", dK, dK_hand);

    // dL/dB = sum_ij dL/dz_ij.
    const double dB_hand = dz(1, 1) + dz(1, 2) + dz(2, 1) + dz(2, 2);
    std::printf("dL/dB = sum(dL/dz) = %g; by hand dz11 + dz12 + dz21 + dz22 = %g\n", dB, dB_hand);
    const std::array<double, 1> dB_v{dB}, dB_hand_v{dB_hand};
    report<1, 1>(
        "dL/dB", "hand formula", [&](std::size_t, std::size_t) { return dB_v[0]; },
        [&](std::size_t, std::size_t) { return dB_hand_v[0]; });

    // dL/dx_mn = sum_ij dL/dz_ij * dz_ij/dx_mn: each x_mn meets the kernel entries that touch it.
    tn::tensor<double, plane3> dX_hand;
    dX_hand(0, 0) = dz(1, 1) * k(1, 1);
    dX_hand(0, 1) = dz(1, 1) * k(1, 2) + dz(1, 2) * k(1, 1);
    dX_hand(0, 2) = dz(1, 2) * k(1, 2);
    dX_hand(1, 0) = dz(1, 1) * k(2, 1) + dz(2, 1) * k(1, 1);
    dX_hand(1, 1) =
        dz(1, 1) * k(2, 2) + dz(1, 2) * k(2, 1) + dz(2, 1) * k(1, 2) + dz(2, 2) * k(1, 1);
    dX_hand(1, 2) = dz(1, 2) * k(2, 2) + dz(2, 2) * k(1, 2);
    dX_hand(2, 0) = dz(2, 1) * k(2, 1);
    dX_hand(2, 1) = dz(2, 1) * k(2, 2) + dz(2, 2) * k(2, 1);
    dX_hand(2, 2) = dz(2, 2) * k(2, 2);
    print_plane<4, 4>("padded dL/dz = zero_pad<1,1>(dL/dz)",
                      tn::tensor<double, tn::shape<4, 4>>(tn::zero_pad<1, 1>(dZ)));
    print_plane<2, 2>("rot180(K)", tn::tensor<double, plane2>(tn::rot180(K)));
    print_plane<3, 3>("dL/dx = correlate(zero_pad<1,1>(dL/dz), rot180(K))", dX);
    print_plane<3, 3>("dL/dx by the hand formulas (dL/dx11 = dz11 k11, ...)", dX_hand);
    report<3, 3>("dL/dx", "hand formula", dX, dX_hand);

    // The layer's kernel (what model runs) gives the same numbers: conv<2,2> on 1x3x3.
    using op = tn::ops::conv2d<2, 2, 1, tn::shape<1, 3, 3>>;
    const auto Bt = make<tn::shape<1>>({B});
    tn::tensor<double, op::output_shape> z_op;
    tn::tensor<double, op::weight_shape> dK_op;
    tn::tensor<double, op::bias_shape> dB_op;
    tn::tensor<double, op::input_shape> dX_op;
    const auto x_in = tn::reshape<op::input_shape>(X.view());
    const auto k_in = tn::reshape<op::weight_shape>(K.view());
    const auto dz_in = tn::reshape<op::output_shape>(dZ.view());
    op::forward(x_in, k_in, Bt.view(), z_op.view());
    op::backward(x_in, k_in, dz_in, dK_op.view(), dB_op.view(), dX_op.view());
    auto z_op_p = [&](std::size_t i, std::size_t j) { return z_op(0, i, j); };
    auto dK_op_p = [&](std::size_t i, std::size_t j) { return dK_op(0, 0, i, j); };
    auto dX_op_p = [&](std::size_t i, std::size_t j) { return dX_op(0, i, j); };
    auto dB_op_p = [&](std::size_t, std::size_t) { return dB_op(0); };
    report<2, 2>("ops::conv2d forward z", "hand formula", z_op_p, z_hand);
    report<2, 2>("ops::conv2d backward dL/dK", "hand formula", dK_op_p, dK_hand);
    report<1, 1>("ops::conv2d backward dL/dB", "hand formula", dB_op_p,
                 [&](std::size_t, std::size_t) { return dB_hand_v[0]; });
    report<3, 3>("ops::conv2d backward dL/dx", "hand formula", dX_op_p, dX_hand);
}

// ---- Part 2: the notes' pooling examples (docs/derivations.md §5, §6) ----------------------

void pooling_walkthrough() {
    std::printf("== Part 2: pooling C = [[1,2],[3,4]] with upstream gradient [2] ==\n\n");
    using in = tn::shape<1, 2, 2>;
    const auto C = make<in>({1, 2, 3, 4});
    const auto dP = make<tn::shape<1, 1, 1>>({2});

    tn::tensor<double, tn::shape<1, 1, 1>> P_max, P_avg;
    tn::tensor<double, in> dC_max, dC_avg;
    tn::ops::maxpool2d<2, in>::forward(C.view(), P_max.view());
    tn::ops::maxpool2d<2, in>::backward(C.view(), dP.view(), dC_max.view());
    tn::ops::avgpool2d<2, in>::forward(C.view(), P_avg.view());
    tn::ops::avgpool2d<2, in>::backward(dP.view(), dC_avg.view());

    // The notes' answers: max-pool P = [4], dL/dC = [[0,0],[0,2]]; avg-pool P = [2.5],
    // dL/dC = 1/4 * 2 everywhere.
    const auto dC_max_notes = make<plane2>({0, 0, 0, 2});
    const auto dC_avg_notes = make<plane2>({0.5, 0.5, 0.5, 0.5});
    std::printf("max-pool P = [%g] (notes: [4]), avg-pool P = [%g] (notes: [2.5])\n",
                P_max(0, 0, 0), P_avg(0, 0, 0));
    if (P_max(0, 0, 0) != 4.0 || P_avg(0, 0, 0) != 2.5) {
        std::printf("MISMATCH: pooled values differ from the notes\n");
        ++failures;
    }
    auto dmax = [&](std::size_t i, std::size_t j) { return dC_max(0, i, j); };
    auto davg = [&](std::size_t i, std::size_t j) { return dC_avg(0, i, j); };
    print_plane<2, 2>("max-pool dL/dC", dmax);
    report<2, 2>("max-pool dL/dC", "notes' answer", dmax, dC_max_notes);
    print_plane<2, 2>("avg-pool dL/dC", davg);
    report<2, 2>("avg-pool dL/dC", "notes' answer", davg, dC_avg_notes);
}

// ---- Part 3: the notes' whole network (docs/derivations.md §1-§5, §8) ----------------------

using net_model = tn::model<tn::dsl::seed_net, tn::dsl::seed_input, double>;

void network_walkthrough() {
    std::printf("== Part 3: the notes' network seed_net = seq<conv<2,2>, relu, maxpool<2>, "
                "softmax_ce> on 1x5x5 ==\n\n");
    std::printf("%s\n", tn::summary<tn::dsl::seed_net, tn::dsl::seed_input>().c_str());

    net_model m;
    // Parameters in PyTorch order: 0.weight [1][1][2][2], then 0.bias [1].
    const std::array<double, 5> theta{1.5, -0.5, 2.0, 0.75, 0.25};
    std::copy(theta.begin(), theta.end(), m.parameters().begin());
    for (const auto& e : net_model::parameter_entries()) {
        std::printf("parameter %s at offset %zu, dims", e.name.c_str(), e.offset);
        for (auto d : e.desc.dims)
            std::printf(" %zu", d);
        std::printf("\n");
    }

    net_model::input_type x;
    const std::array<double, 25> pixels{0.5,  -1.25, 2.0,   0.75,  -0.5,  //
                                        1.5,  3.0,   -0.75, 1.25,  0.25,  //
                                        -2.5, 0.25,  -1.0,  -1.5,  -0.75, //
                                        0.75, -0.25, -1.25, -0.5,  -1.0,  //
                                        2.5,  1.0,   -2.0,  -0.25, -1.5};
    std::copy(pixels.begin(), pixels.end(), x.begin());
    const std::size_t label = 2;

    const double loss = m.forward_backward(x, label);
    const auto& logits = m.forward(x);
    auto logit = [&](std::size_t i, std::size_t j) { return logits(0, i, j); };
    print_plane<2, 2>("logits (the pooled map, 4 classes in row-major order)", logit);
    std::printf("label = %zu, loss = %.12f\n", label, loss);
    const auto g = m.gradients();
    std::printf("gradients: dL/dK = [%.9f %.9f; %.9f %.9f], dL/dB = %.9f\n", g[0], g[1], g[2], g[3],
                g[4]);
    auto dx_model = [&](std::size_t i, std::size_t j) { return m.input_gradient()(0, i, j); };
    print_plane<5, 5>("dL/dx", dx_model);
    std::printf("\n");

    // The same gradient by the notes' chain rule, step by step.
    using p5 = tn::shape<5, 5>;
    using p4 = tn::shape<4, 4>;
    const auto X = tn::reshape<p5>(x.view());
    const auto K = make<plane2>({theta[0], theta[1], theta[2], theta[3]});
    const double B = theta[4];
    const tn::tensor<double, p4> Z(tn::correlate(X, K) + B); // §1
    tn::tensor<double, p4> Cmap;                             // §4: C = ReLU(Z)
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            Cmap(i, j) = Z(i, j) > 0 ? Z(i, j) : 0.0;
    tn::tensor<double, plane2> P; // §5: P = max over each 2x2 window
    std::array<std::array<std::pair<std::size_t, std::size_t>, 2>, 2> where{};
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 2; ++j) {
            where[i][j] = {2 * i, 2 * j};
            for (std::size_t a = 0; a < 2; ++a)
                for (std::size_t b = 0; b < 2; ++b)
                    if (Cmap(2 * i + a, 2 * j + b) > Cmap(where[i][j].first, where[i][j].second))
                        where[i][j] = {2 * i + a, 2 * j + b};
            P(i, j) = Cmap(where[i][j].first, where[i][j].second);
        }
    print_plane<4, 4>("Z = correlate(x, K) + B", Z);
    print_plane<4, 4>("C = ReLU(Z)", Cmap);
    report<2, 2>("the network's logit map", "notes' chain (conv, ReLU, max-pool)", logit, P);

    // §8: p_k = e^{f_k} / sum_j e^{f_j}; L = -log p_y; dL/df_k = p_k - 1 for k = y and +p_k for
    // k != y. The notes end the k != y case with -p_k: a sign lost in their last step (the bracket
    // [0 - e^{f_y} e^{f_k}] is negative). Their -p_k is printed for comparison; p_k is used.
    double total = 0;
    for (double f : P)
        total += std::exp(f);
    tn::tensor<double, plane2> dP, dP_as_written;
    for (std::size_t k = 0; k < 4; ++k) {
        const double p_k = std::exp(P[k]) / total;
        dP[k] = k == label ? p_k - 1 : p_k;
        dP_as_written[k] = k == label ? p_k - 1 : -p_k;
    }
    const double loss_hand = -std::log(std::exp(P[label]) / total);
    std::printf("loss by hand -log p_y = %.12f\n", loss_hand);
    if (!close(loss, loss_hand)) {
        std::printf("MISMATCH: loss %.17g, by hand %.17g\n", loss, loss_hand);
        ++failures;
    }
    print_plane<2, 2>("dL/df = p - onehot(y)", dP);
    print_plane<2, 2>("note: the notes' -p_k for k != y would give", dP_as_written);
    // §5: the max routes dL/dP to its arg-max; §4: ReLU passes it where Z > 0.
    tn::tensor<double, p4> dC, dZ;
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 2; ++j)
            dC(where[i][j].first, where[i][j].second) = dP(i, j);
    for (std::size_t k = 0; k < p4::size; ++k)
        dZ[k] = Z[k] > 0 ? dC[k] : 0.0;
    print_plane<4, 4>("dL/dC (max-pool routing to each window's arg-max)", dC);
    print_plane<4, 4>("dL/dZ = dL/dC masked by Z > 0", dZ);
    // §2, §3: dL/dK = x ⊗ dL/dZ, dL/dB = sum(dL/dZ), dL/dx = pad(dL/dZ) ⊗ rot180(K).
    const tn::tensor<double, plane2> dK(tn::correlate(X, dZ));
    const double dB = tn::sum(dZ);
    const tn::tensor<double, p5> dX(tn::correlate(tn::zero_pad<1, 1>(dZ), tn::rot180(K)));
    auto dK_model = [&](std::size_t i, std::size_t j) { return g[2 * i + j]; };
    report<2, 2>("the network's dL/dK", "notes' chain", dK_model, dK);
    report<1, 1>(
        "the network's dL/dB", "notes' chain", [&](std::size_t, std::size_t) { return g[4]; },
        [&](std::size_t, std::size_t) { return dB; });
    report<5, 5>("the network's dL/dx", "notes' chain", dx_model, dX);

    // PyTorch on the same network, parameters, input and label (double precision); produced by
    // examples/01_seed_walkthrough_torch.py: loss, dL/dK (row-major), dL/dB, then dL/dx.
    const std::array<double, 6> torch_loss_grads{0.55445823148185447,  -0.098997815529698524,
                                                 -0.40227584768787483, -0.43383880949975184,
                                                 0.76629623564332805,  -0.00040791235146375726};
    const std::array<double, 25> torch_dx{0.59215128759660418,
                                          -0.19738376253220141,
                                          0,
                                          0.045661804268027517,
                                          -0.015220601422675839,
                                          0.78953505012880565,
                                          0.29607564379830209,
                                          0,
                                          0.060882405690703356,
                                          0.022830902134013759,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          -0.63842496039182739,
                                          0.21280832013060913,
                                          0,
                                          0,
                                          0,
                                          -0.85123328052243652,
                                          -0.31921248019591369,
                                          0,
                                          0,
                                          0};
    auto ours = [&](std::size_t, std::size_t j) { return j == 0 ? loss : g[j - 1]; };
    report<1, 6>("the network's (loss, dL/dK, dL/dB) vector", "PyTorch reference", ours,
                 [&](std::size_t, std::size_t j) { return torch_loss_grads[j]; });
    report<5, 5>("the network's dL/dx", "PyTorch reference", dx_model,
                 [&](std::size_t i, std::size_t j) { return torch_dx[5 * i + j]; });

    // Independent of every formula: central differences of the loss in each parameter.
    const double h = 1e-6;
    bool fd_ok = true;
    for (std::size_t p = 0; p < theta.size(); ++p) {
        net_model probe;
        std::copy(theta.begin(), theta.end(), probe.parameters().begin());
        probe.parameters()[p] = theta[p] + h;
        const double up = probe.forward_backward(x, label);
        probe.parameters()[p] = theta[p] - h;
        const double down = probe.forward_backward(x, label);
        const double fd = (up - down) / (2 * h);
        std::printf("parameter %zu: backward %.9f, central difference %.9f\n", p, g[p], fd);
        if (!close(g[p], fd, 1e-7)) {
            std::printf("MISMATCH: parameter %zu gradient differs from the central difference\n",
                        p);
            fd_ok = false;
        }
    }
    if (fd_ok)
        std::printf("the network's gradients match central differences\n\n");
    else
        ++failures;
}

} // namespace

int main() {
    conv_walkthrough();
    pooling_walkthrough();
    network_walkthrough();
    if (failures != 0) {
        std::printf("MISMATCH: %d quantities differ from the hand formulas\n", failures);
        return 1;
    }
    std::printf("all hand formulas match\n");
    return 0;
}
