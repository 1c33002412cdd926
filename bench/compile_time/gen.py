#!/usr/bin/env python3
"""Compile-time benchmark generator: gen.py KIND N [dp] > file.cpp

KIND dense: N x (dense<16>, relu) on shape<16>, then dense<10>, softmax_ce.
KIND conv:  N x (conv<3,3,filters<16>,padding<1>>, relu) on shape<16,8,8>, then
            global_avgpool, dense<10>, softmax_ce.
KIND resnet: a ResNet on shape<1,28,28>: a 3x3 stem (16 filters) with batch norm, three stages of
            N basic blocks (16, 32, 64 filters; the first block of stages 2 and 3 halves H and W
            with a 1x1 projection shortcut), every conv followed by batch_norm, global_avgpool,
            dense<10>, softmax_ce. N = 3 is ResNet-20's depth (19 convs and a dense layer); main
            trains a batch of 4 through model's batch API (batch norm in training mode).
With 'dp' main also trains through data_parallel::accumulate (chunk_workspace)."""
import sys

kind, n = sys.argv[1], int(sys.argv[2])
dp = len(sys.argv) > 3 and sys.argv[3] == "dp"
if kind == "dense":
    body = ", ".join(["dense<16>, relu"] * n) + ", dense<10>, softmax_ce"
    in_shape = "shape<16>"
elif kind == "conv":
    body = (", ".join(["conv<3, 3, filters<16>, padding<1>>, relu"] * n)
            + ", global_avgpool, dense<10>, softmax_ce")
    in_shape = "shape<16, 8, 8>"
else:
    def basic(f):
        return (f"seq<residual<seq<conv<3, 3, filters<{f}>, padding<1>>, batch_norm, relu, "
                f"conv<3, 3, filters<{f}>, padding<1>>, batch_norm>>, relu>")
    def down(f):
        return (f"seq<residual<seq<conv<3, 3, filters<{f}>, stride<2>, padding<1>>, batch_norm, "
                f"relu, conv<3, 3, filters<{f}>, padding<1>>, batch_norm>, "
                f"seq<conv<1, 1, filters<{f}>, stride<2>>, batch_norm>>, relu>")
    blocks = [basic(16)] * n + [down(32)] + [basic(32)] * (n - 1) + [down(64)] + [basic(64)] * (n - 1)
    body = ("conv<3, 3, filters<16>, padding<1>>, batch_norm, relu, " + ", ".join(blocks)
            + ", global_avgpool, dense<10>, softmax_ce")
    in_shape = "shape<1, 28, 28>"

print(f"""#include "typenet.hpp"
#include "typenet/model/data_parallel.hpp"
#include <cstdio>
#include <utility>
using namespace typenet;
using net = seq<{body}>;
using in = {in_shape};
int main() {{
    model<net, in> m;
    auto ps = m.parameters();
    for (std::size_t i = 0; i < ps.size(); ++i)
        ps[i] = 0.25f * float((i * 7919) % 13) / 13.0f - 0.1f;
    typename model<net, in>::input_type x{{}};
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = float(i % 5) * 0.2f;
    float s = m.forward(x).view()[0];""")
if kind == "resnet":
    print("""    std::vector<typename model<net, in>::input_type> xs4(4, x);
    std::vector<std::size_t> ys4{0, 1, 2, 3};
    s += m.forward_backward(std::span<const typename model<net, in>::input_type>(xs4),
                            std::span<const std::size_t>(ys4));""")
else:
    print("""    s += m.forward_backward(x, 1);""")
if dp:
    print("""    data_parallel<net, in> dp(2);
    std::vector<float> g(dp.parameter_count);
    tensor<float, in> xs{};
    auto sample = [&](std::size_t) { return std::pair{std::as_const(xs).view(), 1}; };
    const std::span<const float, model<net, in>::parameter_count> params(
        m.parameters().data(), m.parameter_count);""")
    if kind == "resnet":
        print("""    s += dp.accumulate(params, m.buffers(), pass_options<float>{}, 16, sample, g);""")
    else:
        print("""    s += dp.accumulate(params, 16, sample, g);""")
print("""    double gs = 0;
    for (float v : m.gradients())
        gs += v;
    std::printf("%.6g/%.6g\\n", double(s), gs);
}""")
