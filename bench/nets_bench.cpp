// Training and inference throughput of the main job's residual net (dsl/resnet.hpp,
// resnet_fmnist), the depthwise-separable net (dsl/separable.hpp) and the VGG-style net
// (dsl/vgg_small.hpp), float, on random Fashion-MNIST-sized inputs: the typenet side of
// bench/run_nets.sh, whose peers are bench/pytorch_nets.py and bench/onednn_nets.cpp
// (docs/performance.md, "Residual, depthwise-separable and VGG-style nets").
//
//   nets_bench [--quick] [--min-time S] [--reps N] [--nets resnet_fmnist,separable,vgg_small]
//              [--configs train-b32-t1,train-b128-t2,infer-b1-t1,...]
//
// Training: one step per call as the trainer runs it (data_parallel::accumulate over the batch in
// training mode, with the running statistics of batch_norm, then an Adam step), batch 8, 16, 32
// and 128 (each framework's best batch is what counts), 1 and 2 threads. Inference:
// data_parallel::forward in evaluation mode on one thread, batch 1 and 128. Each measurement warms
// up, then runs `reps` repetitions of at least `min-time` seconds and reports the median (as
// bench/lenet5_bench.cpp; --quick is CI's smoke run, numbers meaningless).
//
// Output: `result framework=typenet net=N kind=train|infer batch=B threads=T images_per_s=X
// best_images_per_s=Y cpu_per_wall=Z` lines, `flops net=N forward=F` (FLOPs per image of the
// forward pass: 2 x the multiply-adds of every conv and dense layer; a training step costs 3x
// that), `peak gflops=G` (one core's FP32 peak, bench/peak.hpp) and a `node net=N index=K
// path=P layer=L in=S out=S macs=M` line for every node that multiplies.

#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"
#include "typenet/dsl/vgg_small.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "peak.hpp"
#include "timing.hpp"

namespace tn = typenet;

namespace {

using T = float;
using input_shape = tn::shape<1, 28, 28>;

struct options {
    double min_time = 0.3;
    int reps = 5;
    bool quick = false;
    std::string nets = "resnet_fmnist,separable,vgg_small";
    /// Configurations to run, e.g. "train-b32-t1,infer-b1-t1" (bench/profile_nets.sh profiles
    /// one at a time); empty: all.
    std::string configs;

    bool runs(const char* kind, std::size_t batch, std::size_t threads) const {
        if (configs.empty())
            return true;
        const std::string name =
            std::string(kind) + "-b" + std::to_string(batch) + "-t" + std::to_string(threads);
        return ("," + configs + ",").find("," + name + ",") != std::string::npos;
    }
};

using tn::bench::median;
using tn::bench::time_calls;
using pool_type = tn::bench::sample_pool<T, input_shape>;
using sample_at = tn::bench::sample_at<T, input_shape>;

void report(const char* net, const char* kind, std::size_t batch, std::size_t threads,
            const std::vector<double>& per_call, double cpu_per_wall) {
    std::printf("result framework=typenet net=%s kind=%s batch=%zu threads=%zu images_per_s=%.3f "
                "best_images_per_s=%.3f cpu_per_wall=%.3f\n",
                net, kind, batch, threads, double(batch) / median(per_call),
                double(batch) / *std::min_element(per_call.begin(), per_call.end()), cpu_per_wall);
    std::fflush(stdout);
}

/// Forward FLOPs per image: 2 x the multiply-adds of every conv and dense node
/// (compose/figures.hpp).
template<class Net>
double forward_flops() {
    return 2 * double(tn::network_figures<Net, input_shape, T>::macs);
}

std::string shape_text(const tn::shape_figure& s) {
    std::string text;
    for (std::size_t d = 0; d < s.rank; ++d)
        text += (d ? "x" : "") + std::to_string(s.dims[d]);
    return text;
}

/// One `node` line per node that multiplies (bench/profile_nets.py matches kernels to them).
template<class Net>
void print_nodes(const char* name) {
    using figures = tn::layer_figures<Net, input_shape, T>;
    for (std::size_t k = 0; k < figures::size; ++k) {
        const tn::layer_figure& f = figures::value[k];
        if (f.macs > 0)
            std::printf("node net=%s index=%zu path=%s layer=%s in=%s out=%s macs=%zu\n", name, k,
                        figures::path(k).c_str(), figures::name(k).c_str(),
                        shape_text(f.input).c_str(), shape_text(f.output).c_str(), f.macs);
    }
}

template<class Net>
void bench_net(const char* name, const options& opt, const pool_type& pool) {
    using model_t = tn::model<Net, input_shape, T>;
    constexpr std::size_t P = model_t::parameter_count;
    std::printf("flops net=%s forward=%.0f parameters=%zu\n", name, forward_flops<Net>(), P);
    print_nodes<Net>(name);
    for (std::size_t threads : {1, 2})
        for (std::size_t batch : {8, 16, 32, 128}) {
            if (!opt.runs("train", batch, threads))
                continue;
            auto m = std::make_unique<model_t>();
            tn::init_parameters(*m, tn::init_scheme::pytorch_default, 1);
            tn::adam<T, P> optimizer{tn::adam_options{.lr = 1e-3}};
            tn::data_parallel<Net, input_shape, T> workers(threads);
            std::vector<T> grad(P);
            std::size_t first = 0;
            const std::span<const T, P> params(m->parameters().data(), P);
            tn::pass_options<T> pass;
            double cpu = 0;
            const auto per_call = time_calls(
                opt,
                [&] {
                    workers.accumulate(params, m->buffers(), pass, batch, sample_at{&pool, first},
                                       grad);
                    optimizer.step(m->parameters(), grad, T(1) / T(batch));
                    for (auto& c : m->batch_counters())
                        ++c;
                    ++pass.step;
                    first = (first + batch) % pool_type::count;
                },
                cpu);
            report(name, "train", batch, threads, per_call, cpu);
        }
    for (std::size_t batch : {1, 128}) {
        if (!opt.runs("infer", batch, 1))
            continue;
        auto m = std::make_unique<model_t>();
        tn::init_parameters(*m, tn::init_scheme::pytorch_default, 1);
        tn::data_parallel<Net, input_shape, T> workers(1);
        const std::span<const T, P> params(m->parameters().data(), P);
        std::size_t first = 0, checksum = 0;
        tn::pass_options<T> pass;
        pass.training = false;
        double cpu = 0;
        const auto per_call = time_calls(
            opt,
            [&] {
                workers.forward(params, m->buffers(), pass, batch, sample_at{&pool, first},
                                [&](std::size_t, const auto& logits) {
                                    checksum +=
                                        std::size_t(std::max_element(logits.begin(), logits.end()) -
                                                    logits.begin());
                                });
                first = (first + batch) % pool_type::count;
            },
            cpu);
        report(name, "infer", batch, 1, per_call, cpu);
        if (checksum == std::size_t(-1))
            std::printf("\n"); // keeps the predictions observable
    }
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--quick") {
            opt.quick = true;
        } else if (a == "--min-time" && has_value) {
            opt.min_time = std::strtod(argv[++i], nullptr);
        } else if (a == "--reps" && has_value) {
            opt.reps = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--nets" && has_value) {
            opt.nets = argv[++i];
        } else if (a == "--configs" && has_value) {
            opt.configs = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: %s [--quick] [--min-time S] [--reps N] [--nets LIST] "
                         "[--configs train-b32-t1,...]\n",
                         argv[0]);
            return 2;
        }
    }
    if (opt.quick)
        opt.min_time = 0.002, opt.reps = 1;
    const pool_type pool(42);
    double peak_cpu = 0;
    const auto [peak, peak_median] = tn::bench::measure_peak(opt, peak_cpu);
    std::printf("peak gflops=%.3f median_gflops=%.3f isa=%s\n", peak, peak_median,
                tn::bench::peak_isa);
    if (opt.nets.find("resnet_fmnist") != std::string::npos)
        bench_net<tn::dsl::resnet_fmnist>("resnet_fmnist", opt, pool);
    if (opt.nets.find("separable") != std::string::npos)
        bench_net<tn::dsl::separable>("separable", opt, pool);
    if (opt.nets.find("vgg_small") != std::string::npos)
        bench_net<tn::dsl::vgg_small>("vgg_small", opt, pool);
    return 0;
}
