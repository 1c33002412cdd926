// LeNet-5 (dsl/lenet5.hpp, float) throughput on random Fashion-MNIST-sized inputs (issue 4):
// training and inference images/s, a per-layer forward/backward profile, and the core's FP32
// peak measured in the same run with an FMA loop, so that throughput can be read as % of peak.
//
//   lenet5_bench [--quick] [--min-time S] [--layer-min-time S] [--reps N] [--max-threads T]
//
// Each measurement warms up, then runs `reps` timed repetitions of at least `min-time` seconds
// each and reports the median (the machine is shared: the median resists interruptions). The
// peak is the best repetition instead: an interruption can only lower it. --quick is for CI: a
// few iterations, numbers meaningless, output format the same.
//
// Output: a human-readable summary and markdown tables, plus one `result ...` / `layer ...` line
// of key=value pairs per measurement for bench/run.sh (bench/report.py) to aggregate.
//
// FLOPs per image are counted from the shapes (docs/performance.md): a conv or dense layer's
// forward pass costs MACs = (weight count) x (output positions per filter); backward costs 2x
// forward (dL/dW and dL/dx each take as many MACs as the forward); 1 MAC = 2 FLOPs. Bias, ReLU,
// pooling, softmax and the optimiser are element-wise and not counted.

#include "typenet/dsl/lenet5.hpp"
#include "typenet/model/data_parallel.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"

#include <boost/hana/at.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "peak.hpp"
#include "timing.hpp"

namespace tn = typenet;
namespace hana = boost::hana;

namespace {

using net = tn::dsl::lenet5;
using input_shape = tn::dsl::lenet5_input;
using T = float;
using model_t = tn::model<net, input_shape, T>;
using network_t = tn::network<net, input_shape>;
using workspace_t = tn::workspace<net, input_shape, T>;
using parallel_t = tn::data_parallel<net, input_shape, T>;
constexpr std::size_t P = model_t::parameter_count;
constexpr std::size_t classes = model_t::classes;

struct options {
    double min_time = 0.3;        // seconds per repetition
    double layer_min_time = 0.05; // the same for the per-layer profile's microsecond calls
    int reps = 5;
    std::size_t max_threads = 2;
    bool quick = false;
};

using tn::bench::clock_type;
using tn::bench::median;
using tn::bench::seconds_since;

/// Keeps a value alive so the optimiser cannot drop the computation that produced it.
volatile double sink = 0;

/// CPU seconds per wall second of the last time_calls(): about 2 when two threads really ran
/// in parallel, about 1 when the shared machine gave the benchmark only one core.
double last_cpu_per_wall = 0;

/// Every repetition's seconds per call of fn() (bench/timing.hpp).
template<class Fn>
std::vector<double> time_calls(const options& opt, Fn&& fn) {
    return tn::bench::time_calls(opt, fn, last_cpu_per_wall);
}

/// One core's FP32 peak in GFLOP/s: the best repetition (and the median, for the record).
std::pair<double, double> measure_peak(const options& opt) {
    return tn::bench::measure_peak(opt, last_cpu_per_wall);
}
using tn::bench::peak_chains;
using tn::bench::peak_isa;

// ---------------------------------------------------------------------------------------------
// FLOPs from the shapes.

/// Forward MACs of layer I: weight count x output positions per filter (0 without weights).
template<std::size_t I>
std::size_t forward_macs() {
    using layer = typename network_t::template layer<I>;
    using in = typename network_t::template shape_at<I>;
    using out = typename network_t::template shape_at<I + 1>;
    const auto descs = layer::template params<in>();
    std::size_t weights = 0, filters = 0;
    for (const auto& d : descs)
        (d.is_bias ? filters : weights) += d.size();
    return filters ? weights * (out::size / filters) : 0;
}

template<std::size_t... I>
std::size_t total_forward_macs(std::index_sequence<I...>) {
    return (forward_macs<I>() + ...);
}

const std::size_t lenet5_forward_macs =
    total_forward_macs(std::make_index_sequence<network_t::body_count>{});
const double forward_flops_per_image = 2.0 * double(lenet5_forward_macs);
const double training_flops_per_image = 3.0 * forward_flops_per_image;

// ---------------------------------------------------------------------------------------------
// Data: a pool of random images (uniform [0, 1), like scaled Fashion-MNIST pixels) and labels.

using sample_pool = tn::bench::sample_pool<T, input_shape, classes>;
using sample_at = tn::bench::sample_at<T, input_shape, classes>;

struct measurement {
    std::string kind; // train | infer
    std::size_t batch, threads;
    double images_per_s, best_images_per_s, peak_fraction, cpu_per_wall;
    // Training only: mean seconds per step in each phase (over every step, warm-up included).
    double accumulate_s = 0, adam_s = 0;
};

/// A training as examples/fashion_mnist.cpp runs it: per step the batch's summed gradient over
/// the workers, then an Adam step that scales it by 1/B. Parameters start from PyTorch's default
/// initialisation (`seed`); the batches run through the pool from sample `first`.
struct training_run {
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    tn::adam<T, P> optimizer{tn::adam_options{.lr = 1e-3}};
    parallel_t workers;
    std::vector<T> grad = std::vector<T>(P);
    std::size_t first;

    training_run(std::size_t threads, std::uint64_t seed, std::size_t first_sample)
        : workers(threads)
        , first(first_sample) {
        tn::init_parameters(*m, tn::init_scheme::pytorch_default, seed);
    }

    /// One step; returns the batch's summed loss and adds the seconds spent in accumulate and
    /// in the Adam step to the two counters.
    T step(const sample_pool& pool, std::size_t batch, double& accumulate_s, double& adam_s) {
        const std::span<const T, P> params(m->parameters().data(), P);
        const auto t0 = clock_type::now();
        const T loss = workers.accumulate(params, batch, sample_at{&pool, first}, grad);
        const auto t1 = clock_type::now();
        optimizer.step(m->parameters(), grad, T(1) / T(batch));
        const auto t2 = clock_type::now();
        accumulate_s += std::chrono::duration<double>(t1 - t0).count();
        adam_s += std::chrono::duration<double>(t2 - t1).count();
        first = (first + batch) % sample_pool::count;
        return loss;
    }
};

/// One training step per call.
measurement bench_training(const options& opt, const sample_pool& pool, std::size_t batch,
                           std::size_t threads, double peak) {
    training_run run(threads, 1, 0);
    std::size_t steps = 0;
    double loss_sum = 0;
    // Phase times are taken inside real training (three clock reads per step, negligible next
    // to a step): Adam's cost depends on its state (e.g. denormal moments), so timing it on
    // made-up gradients would not tell what training pays.
    double accumulate_s = 0, adam_s = 0;
    const auto per_call = time_calls(opt, [&] {
        loss_sum += double(run.step(pool, batch, accumulate_s, adam_s));
        ++steps;
    });
    if (!std::isfinite(loss_sum))
        std::printf("warning: training loss is not finite (%g)\n", loss_sum);
    const double cpu_per_wall = last_cpu_per_wall;
    sink = sink + loss_sum;
    const double ips = double(batch) / median(per_call);
    const double best = double(batch) / *std::min_element(per_call.begin(), per_call.end());
    const double n = double(steps);
    return {"train",      batch,
            threads,      ips,
            best,         ips * training_flops_per_image / (peak * 1e9 * double(threads)),
            cpu_per_wall, accumulate_s / n,
            adam_s / n};
}

/// The machine's own two-core scaling, as a control for the 2-thread rows: two independent
/// one-thread trainings (each its own model, optimiser and data_parallel(1), batch B) run at the
/// same time on two threads for the same wall-clock window. Nothing is shared, so whatever makes
/// their combined images/s less than twice one training's (both cores' clocks, shared caches and
/// memory, another tenant on the second core) also limits data_parallel(2). Returns the combined
/// images/s; the median of opt.reps windows.
double bench_independent_pair(const options& opt, const sample_pool& pool, std::size_t batch) {
    std::vector<double> per_window;
    for (int rep = 0; rep < std::max(1, opt.reps); ++rep) {
        double rate[2] = {0, 0}; // images/s of each training over its own window
        std::latch start(2);
        const auto one = [&](std::size_t t) {
            // Different parameters and samples in the two trainings.
            training_run run(1, 1 + t, 512 * t);
            double accumulate_s = 0, adam_s = 0; // not reported here
            const auto step = [&] { run.step(pool, batch, accumulate_s, adam_s); };
            for (int w = 0; w < 3; ++w) // warm-up
                step();
            start.arrive_and_wait();
            const auto t0 = clock_type::now();
            std::size_t images = 0;
            double elapsed = 0;
            do {
                step();
                images += batch;
            } while ((elapsed = seconds_since(t0)) < opt.min_time);
            rate[t] = double(images) / elapsed;
        };
        std::thread second(one, std::size_t{1});
        one(0);
        second.join();
        // The windows start together and last min_time plus at most one step.
        per_window.push_back(rate[0] + rate[1]);
    }
    return median(per_window);
}

/// Inference: batch 1 is workspace::forward on one image; larger batches go through
/// data_parallel::predict (as the trainer's evaluation does), keeping the arg-max.
measurement bench_inference(const options& opt, const sample_pool& pool, std::size_t batch,
                            std::size_t threads, double peak) {
    auto m = std::make_unique<model_t>();
    tn::init_parameters(*m, tn::init_scheme::pytorch_default, 1);
    const std::span<const T, P> params(m->parameters().data(), P);
    std::size_t first = 0, argmax_sum = 0;
    std::vector<double> per_call;
    if (batch == 1 && threads == 1) {
        auto ws = std::make_unique<workspace_t>();
        per_call = time_calls(opt, [&] {
            const auto& logits = ws->forward(params, pool.images[first].view());
            const T* f = logits.data();
            argmax_sum += std::size_t(std::max_element(f, f + classes) - f);
            first = (first + 1) % sample_pool::count;
        });
    } else {
        parallel_t workers(threads);
        std::vector<std::size_t> predicted(batch);
        per_call = time_calls(opt, [&] {
            workers.predict(params, batch, sample_at{&pool, first},
                            [&](std::size_t k, const model_t::output_type& logits) {
                                const T* f = logits.data();
                                predicted[k] = std::size_t(std::max_element(f, f + classes) - f);
                            });
            for (auto p : predicted)
                argmax_sum += p;
            first = (first + batch) % sample_pool::count;
        });
    }
    const double cpu_per_wall = last_cpu_per_wall;
    sink = sink + double(argmax_sum);
    const double ips = double(batch) / median(per_call);
    const double best = double(batch) / *std::min_element(per_call.begin(), per_call.end());
    return {"infer",     batch, threads,
            ips,         best,  ips * forward_flops_per_image / (peak * 1e9 * double(threads)),
            cpu_per_wall};
}

// ---------------------------------------------------------------------------------------------
// Per-layer profile: each body layer's static forward/backward (what network::forward/backward
// call) on one sample, with activations and gradients produced by a real pass so that ReLU and
// max-pool masks are realistic.

struct layer_time {
    std::size_t index;
    std::string name, in_shape, out_shape;
    std::size_t macs;
    double forward_s, backward_s;
    // backward_params (parameter gradients only, no dL/dx) where the layer has it; else < 0.
    double backward_params_s = -1;
    /// What training runs: network::backward<false> (data_parallel, skip_input_gradient) calls
    /// backward_params for the first layer, backward everywhere else.
    double training_backward_s() const {
        return index == 0 && backward_params_s >= 0 ? backward_params_s : backward_s;
    }
};

struct layer_state {
    network_t::activations<T> acts{};
    network_t::activations<T> grads{};
    std::vector<T> params = std::vector<T>(P);
    std::vector<T> dparams = std::vector<T>(P);
};

template<class S>
tn::tensor_view<const T, S> cview(const tn::tensor<T, S>& t) {
    return t.view();
}

template<std::size_t I>
layer_time profile_layer(const options& opt, layer_state& s) {
    using layer = typename network_t::template layer<I>;
    using in = typename network_t::template shape_at<I>;
    using out = typename network_t::template shape_at<I + 1>;
    const T* p = s.params.data() + network_t::offsets[I];
    T* g = s.dparams.data() + network_t::offsets[I];
    auto& x = hana::at_c<I>(s.acts);
    auto& y = hana::at_c<I + 1>(s.acts);
    auto& dx = hana::at_c<I>(s.grads);
    auto& dy = hana::at_c<I + 1>(s.grads);
    const auto fwd = time_calls(opt, [&] {
        layer::template forward<in>(p, cview(x), y.view());
        sink = sink + double(y.data()[0]);
    });
    const auto bwd = time_calls(opt, [&] {
        layer::template backward<in>(p, cview(x), cview(y), cview(dy), dx.view(), g);
        sink = sink + double(dx.data()[0]);
    });
    layer_time t{
        I,           layer::name(), tn::to_string<in>(), tn::to_string<out>(), forward_macs<I>(),
        median(fwd), median(bwd)};
    if constexpr (requires { &layer::template backward_params<in, T>; })
        t.backward_params_s = median(time_calls(opt, [&] {
            layer::template backward_params<in>(p, cview(x), cview(y), cview(dy), g);
            sink = sink + double(g[0]);
        }));
    return t;
}

template<std::size_t... I>
std::vector<layer_time> profile_layers(const options& opt, layer_state& s,
                                       std::index_sequence<I...>) {
    std::vector<layer_time> out;
    (out.push_back(profile_layer<I>(opt, s)), ...);
    return out;
}

/// Per-layer times, then the per-sample and per-batch steps around the layers.
void profile(const options& training_opt, const sample_pool& pool) {
    options opt = training_opt;
    opt.min_time = opt.layer_min_time;
    auto s = std::make_unique<layer_state>();
    tn::init_parameters<net, input_shape>(std::span<T, P>(s->params.data(), P),
                                          tn::init_scheme::pytorch_default, 1);
    hana::at_c<0>(s->acts).view() = pool.images[0].view();
    network_t::forward(s->params.data(), s->acts);
    using loss = network_t::layer<network_t::layer_count - 1>;
    using logits_shape = network_t::output_shape;
    loss::op<logits_shape>::forward_backward(cview(hana::at_c<network_t::body_count>(s->acts)),
                                             pool.labels[0],
                                             hana::at_c<network_t::body_count>(s->grads).view());
    network_t::backward(s->params.data(), s->acts, s->grads, s->dparams.data());

    const auto layers = profile_layers(opt, *s, std::make_index_sequence<network_t::body_count>{});

    const auto loss_time = median(time_calls(opt, [&] {
        sink = sink + double(loss::op<logits_shape>::forward_backward(
                          cview(hana::at_c<network_t::body_count>(s->acts)), pool.labels[0],
                          hana::at_c<network_t::body_count>(s->grads).view()));
    }));
    auto ws = std::make_unique<workspace_t>();
    const std::span<const T, P> params(s->params.data(), P);
    std::size_t k = 0;
    const auto sample_time = median(time_calls(opt, [&] {
        sink = sink + double(ws->forward_backward(params, pool.images[k].view(), pool.labels[k],
                                                  tn::skip_input_gradient));
        k = (k + 1) % sample_pool::count;
    }));

    std::printf("\nPer-layer profile (one sample, 1 thread, median of %d reps)\n\n", opt.reps);
    std::printf("| layer | in -> out | forward us | backward us | backward, params only us | "
                "forward GFLOP/s | backward GFLOP/s | share of a training sample |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    double layer_sum = 0;
    for (const auto& l : layers)
        layer_sum += l.forward_s + l.training_backward_s();
    layer_sum += loss_time;
    for (const auto& l : layers) {
        char fg[32] = "-", bg[32] = "-", bp[32] = "-";
        if (l.macs) {
            std::snprintf(fg, sizeof fg, "%.2f", 2.0 * double(l.macs) / l.forward_s / 1e9);
            std::snprintf(bg, sizeof bg, "%.2f", 4.0 * double(l.macs) / l.backward_s / 1e9);
        }
        if (l.backward_params_s >= 0)
            std::snprintf(bp, sizeof bp, "%.3f", l.backward_params_s * 1e6);
        std::printf("| %zu %s | %s -> %s | %.3f | %.3f | %s | %s | %s | %.1f %% |\n", l.index,
                    l.name.c_str(), l.in_shape.c_str(), l.out_shape.c_str(), l.forward_s * 1e6,
                    l.backward_s * 1e6, bp, fg, bg,
                    100 * (l.forward_s + l.training_backward_s()) / layer_sum);
    }
    std::printf("| %zu softmax_ce | %s | %.3f (fwd+bwd) | | | | | %.1f %% |\n",
                network_t::layer_count - 1, tn::to_string<logits_shape>().c_str(), loss_time * 1e6,
                100 * loss_time / layer_sum);
    std::printf("\nA training sample runs every forward, the backward of layers 1.. and the "
                "params-only backward of layer 0 (data_parallel passes skip_input_gradient).\n"
                "sum of those: %.3f us; workspace::forward_backward(..., skip_input_gradient): "
                "%.3f us per sample\n",
                layer_sum * 1e6, sample_time * 1e6);

    for (const auto& l : layers) {
        std::printf("layer index=%zu name=%s in=%s out=%s forward_us=%.4f backward_us=%.4f "
                    "macs=%zu",
                    l.index, l.name.c_str(), l.in_shape.c_str(), l.out_shape.c_str(),
                    l.forward_s * 1e6, l.backward_s * 1e6, l.macs);
        if (l.backward_params_s >= 0)
            std::printf(" backward_params_us=%.4f", l.backward_params_s * 1e6);
        std::printf("\n");
    }
    std::printf("layer index=%zu name=softmax_ce in=%s out=loss forward_us=%.4f backward_us=0 "
                "macs=0\n",
                network_t::layer_count - 1, tn::to_string<logits_shape>().c_str(), loss_time * 1e6);
    std::printf("step name=forward_backward_sample us=%.4f\n", sample_time * 1e6);
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--quick] [--min-time S] [--layer-min-time S] [--reps N] "
                 "[--max-threads T]\n"
                 "  --quick        a few iterations per measurement (CI smoke run)\n"
                 "  --min-time S   seconds per timed repetition (default 0.3)\n"
                 "  --layer-min-time S  the same for the per-layer profile (default 0.05)\n"
                 "  --reps N       timed repetitions per measurement, median reported (default 5)\n"
                 "  --max-threads  largest training thread count (default 2)\n",
                 argv0);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--quick") {
            opt.quick = true;
            opt.min_time = 0.002;
            opt.layer_min_time = 0.0005;
            opt.reps = 1;
        } else if (a == "--min-time" && has_value) {
            opt.min_time = std::atof(argv[++i]);
        } else if (a == "--layer-min-time" && has_value) {
            opt.layer_min_time = std::atof(argv[++i]);
        } else if (a == "--reps" && has_value) {
            opt.reps = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--max-threads" && has_value) {
            opt.max_threads = std::max<std::size_t>(1, std::strtoul(argv[++i], nullptr, 10));
        } else {
            return usage(argv[0]);
        }
    }

    std::printf("typenet LeNet-5 benchmark: float, %zu parameters, %d rep(s) of >= %g s per "
                "measurement, median reported%s\n",
                P, opt.reps, opt.min_time, opt.quick ? " (--quick: numbers not meaningful)" : "");
    const auto [peak, peak_median] = measure_peak(opt);
    std::printf("core FP32 peak: %.1f GFLOP/s (%s FMA loop, %d independent accumulators; best "
                "rep; median %.1f)\n",
                peak, peak_isa, peak_chains, peak_median);
    std::printf("LeNet-5 FLOPs per image: forward %.0f (%zu MACs x 2), training %.0f (3 x "
                "forward)\n",
                forward_flops_per_image, lenet5_forward_macs, training_flops_per_image);

    const sample_pool pool(42);
    std::vector<measurement> results;
    for (std::size_t threads = 1; threads <= opt.max_threads; ++threads)
        for (std::size_t batch : {1, 32, 128})
            results.push_back(bench_training(opt, pool, batch, threads, peak));
    // Right after the 2-thread rows, so that it sees the same machine state.
    const double pair_images_per_s =
        opt.max_threads >= 2 ? bench_independent_pair(opt, pool, 128) : 0.0;
    for (std::size_t batch : {1, 128})
        results.push_back(bench_inference(opt, pool, batch, 1, peak));

    std::printf("\n| config | typenet img/s | us/batch | %% of peak | CPU s per wall s |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    for (const auto& r : results)
        std::printf("| %s b=%zu t=%zu | %.0f | %.1f | %.1f %% | %.2f |\n", r.kind.c_str(), r.batch,
                    r.threads, r.images_per_s, 1e6 * double(r.batch) / r.images_per_s,
                    100 * r.peak_fraction, r.cpu_per_wall);

    if (pair_images_per_s > 0)
        std::printf("\nControl: two independent one-thread trainings at once (b=128): %.0f "
                    "images/s together\n",
                    pair_images_per_s);

    std::printf("\nTraining step phases (mean us per step)\n\n");
    std::printf("| config | data_parallel::accumulate | adam::step with 1/B (%zu parameters) |\n",
                P);
    std::printf("|---|---:|---:|\n");
    for (const auto& r : results)
        if (r.kind == "train")
            std::printf("| train b=%zu t=%zu | %.1f | %.1f |\n", r.batch, r.threads,
                        1e6 * r.accumulate_s, 1e6 * r.adam_s);

    profile(opt, pool);

    std::printf("result kind=peak gflops=%.3f median_gflops=%.3f isa=%s\n", peak, peak_median,
                peak_isa);
    std::printf("result kind=flops forward=%.0f training=%.0f\n", forward_flops_per_image,
                training_flops_per_image);
    if (pair_images_per_s > 0)
        std::printf("result kind=train_pair batch=128 threads=2 images_per_s=%.3f\n",
                    pair_images_per_s);
    for (const auto& r : results) {
        std::printf("result kind=%s batch=%zu threads=%zu images_per_s=%.3f "
                    "best_images_per_s=%.3f cpu_per_wall=%.3f",
                    r.kind.c_str(), r.batch, r.threads, r.images_per_s, r.best_images_per_s,
                    r.cpu_per_wall);
        if (r.kind == "train")
            std::printf(" accumulate_us=%.3f adam_us=%.3f", 1e6 * r.accumulate_s, 1e6 * r.adam_s);
        std::printf("\n");
    }
    return 0;
}
