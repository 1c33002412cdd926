// Training and inference throughput of the depthwise-separable net (dsl/separable.hpp) and the
// VGG-style net (dsl/vgg_small.hpp), float, on random Fashion-MNIST-sized inputs: the typenet
// side of bench/run_nets.sh, whose PyTorch side is bench/pytorch_nets.py (docs/performance.md,
// "Depthwise-separable and VGG-style nets").
//
//   nets_bench [--quick] [--min-time S] [--reps N] [--nets separable,vgg_small]
//
// Training: one step per call as the trainer runs it (data_parallel::accumulate over the batch,
// then an Adam step), batch 32 and 128, 1 and 2 threads. Inference: data_parallel::predict on one
// thread, batch 1 and 128. Each measurement warms up, then runs `reps` repetitions of at least
// `min-time` seconds and reports the median (as bench/lenet5_bench.cpp; --quick is CI's smoke
// run, numbers meaningless).
//
// Output: `result framework=typenet net=N kind=train|infer batch=B threads=T images_per_s=X
// best_images_per_s=Y cpu_per_wall=Z` lines, and `flops net=N forward=F` (FLOPs per image of the
// forward pass: 2 x weight count x output positions for every conv and dense layer; a training
// step costs 3x that).

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

#include "timing.hpp"

namespace tn = typenet;

namespace {

using T = float;
using input_shape = tn::shape<1, 28, 28>;

struct options {
    double min_time = 0.3;
    int reps = 5;
    bool quick = false;
    std::string nets = "separable,vgg_small";
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

/// Forward FLOPs per image: 2 x weights x output positions of every layer with a weight.
template<class Net>
double forward_flops() {
    using net = tn::network<Net, input_shape>;
    double flops = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using out = typename net::template shape_at<I + 1>;
                const double positions = out::rank == 3 ? double(out::size / tn::dim_v<out, 0>) : 1;
                for (const auto& d :
                     net::template layer<I>::template params<typename net::template shape_at<I>>())
                    if (!d.is_bias)
                        flops += 2 * double(d.size()) * positions;
            }(),
            ...);
    }
    (std::make_index_sequence<net::body_count>{});
    return flops;
}

template<class Net>
void bench_net(const char* name, const options& opt, const pool_type& pool) {
    using model_t = tn::model<Net, input_shape, T>;
    constexpr std::size_t P = model_t::parameter_count;
    std::printf("flops net=%s forward=%.0f parameters=%zu\n", name, forward_flops<Net>(), P);
    for (std::size_t threads : {1, 2})
        for (std::size_t batch : {32, 128}) {
            auto m = std::make_unique<model_t>();
            tn::init_parameters(*m, tn::init_scheme::pytorch_default, 1);
            tn::adam<T, P> optimizer{tn::adam_options{.lr = 1e-3}};
            tn::data_parallel<Net, input_shape, T> workers(threads);
            std::vector<T> grad(P);
            std::size_t first = 0;
            const std::span<const T, P> params(m->parameters().data(), P);
            double cpu = 0;
            const auto per_call = time_calls(
                opt,
                [&] {
                    workers.accumulate(params, batch, sample_at{&pool, first}, grad);
                    optimizer.step(m->parameters(), grad, T(1) / T(batch));
                    first = (first + batch) % pool_type::count;
                },
                cpu);
            report(name, "train", batch, threads, per_call, cpu);
        }
    for (std::size_t batch : {1, 128}) {
        auto m = std::make_unique<model_t>();
        tn::init_parameters(*m, tn::init_scheme::pytorch_default, 1);
        tn::data_parallel<Net, input_shape, T> workers(1);
        const std::span<const T, P> params(m->parameters().data(), P);
        std::size_t first = 0, checksum = 0;
        double cpu = 0;
        const auto per_call = time_calls(
            opt,
            [&] {
                workers.predict(
                    params, batch, sample_at{&pool, first}, [&](std::size_t, const auto& logits) {
                        checksum += std::size_t(std::max_element(logits.begin(), logits.end()) -
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
        } else {
            std::fprintf(stderr, "usage: %s [--quick] [--min-time S] [--reps N] [--nets LIST]\n",
                         argv[0]);
            return 2;
        }
    }
    if (opt.quick)
        opt.min_time = 0.002, opt.reps = 1;
    const pool_type pool(42);
    if (opt.nets.find("separable") != std::string::npos)
        bench_net<tn::dsl::separable>("separable", opt, pool);
    if (opt.nets.find("vgg_small") != std::string::npos)
        bench_net<tn::dsl::vgg_small>("vgg_small", opt, pool);
    return 0;
}
