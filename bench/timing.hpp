#pragma once
// What the benchmarks (lenet5_bench.cpp, nets_bench.cpp) time with and run on: wall and process
// CPU clocks, repeated timed calls with a warm-up, the median, and a pool of random
// Fashion-MNIST-sized samples with data_parallel's sample accessor over it.

#include "typenet/tensor/tensor.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <random>
#include <utility>
#include <vector>

namespace typenet::bench {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// This process's CPU time (all threads) in seconds.
inline double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

/// Seconds per call of fn(): warm-up (about a fifth of opt.min_time, at least one call), then
/// opt.reps repetitions that each call fn() until opt.min_time has passed. Returns every
/// repetition's seconds per call; `cpu_per_wall` gets the process's CPU seconds per wall second
/// over the repetitions (about 2 when two threads really ran in parallel, about 1 when the shared
/// machine gave the benchmark only one core).
template<class Options, class Fn>
std::vector<double> time_calls(const Options& opt, Fn&& fn, double& cpu_per_wall) {
    const auto w0 = clock_type::now();
    do
        fn();
    while (seconds_since(w0) < opt.min_time / 5);
    std::vector<double> per_call;
    const auto wall0 = clock_type::now();
    const double cpu0 = process_cpu_seconds();
    for (int r = 0; r < opt.reps; ++r) {
        std::size_t calls = 0;
        const auto t0 = clock_type::now();
        double elapsed = 0;
        do {
            fn();
            ++calls;
        } while ((elapsed = seconds_since(t0)) < opt.min_time);
        per_call.push_back(elapsed / double(calls));
    }
    cpu_per_wall = (process_cpu_seconds() - cpu0) / seconds_since(wall0);
    return per_call;
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// 1024 random images (uniform [0, 1), like scaled Fashion-MNIST pixels) and labels in
/// [0, Classes), cycled through in batch order.
template<class T, class Shape, std::size_t Classes = 10>
struct sample_pool {
    static constexpr std::size_t count = 1024;
    std::vector<tensor<T, Shape>> images;
    std::vector<std::size_t> labels;
    explicit sample_pool(std::uint64_t seed)
        : images(count)
        , labels(count) {
        std::mt19937_64 rng(seed);
        std::uniform_real_distribution<T> pixel(0, 1);
        std::uniform_int_distribution<std::size_t> label(0, Classes - 1);
        for (std::size_t i = 0; i < count; ++i) {
            for (auto& v : images[i])
                v = pixel(rng);
            labels[i] = label(rng);
        }
    }
};

/// data_parallel's sample accessor: sample k of the batch starting at `first` in the pool.
template<class T, class Shape, std::size_t Classes = 10>
struct sample_at {
    using pool_type = sample_pool<T, Shape, Classes>;
    const pool_type* pool;
    std::size_t first;
    std::pair<tensor_view<const T, Shape>, std::size_t> operator()(std::size_t k) const {
        const std::size_t i = (first + k) % pool_type::count;
        return {pool->images[i].view(), pool->labels[i]};
    }
};

} // namespace typenet::bench
