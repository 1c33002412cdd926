#pragma once
// One core's FP32 peak, measured: independent FMA chains, enough of them to cover the FMA latency
// times the number of FMA pipes (Zen 4/5 and Intel: 4-cycle latency, 2 pipes -> at least 8
// chains; 16 leaves slack), timed like everything else (timing.hpp). The benchmarks report their
// throughput as a share of it (lenet5_bench.cpp, nets_bench.cpp). The result goes to a volatile
// sink inside the loop's function: a pure function's call would be hoisted out of the timing loop
// (g++ did exactly that).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <immintrin.h>
#include <utility>
#include <vector>

#include "timing.hpp"

namespace typenet::bench {

inline volatile double peak_sink = 0;

#if defined(__AVX512F__)
inline constexpr const char* peak_isa = "AVX-512";
inline constexpr int peak_lanes = 16;
inline constexpr int peak_chains = 16;
[[gnu::noinline]] inline void fma_loop(std::size_t iterations) {
    __m512 acc[peak_chains];
    for (int c = 0; c < peak_chains; ++c)
        acc[c] = _mm512_set1_ps(float(c));
    const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-6f);
    for (std::size_t i = 0; i < iterations; ++i)
        for (int c = 0; c < peak_chains; ++c)
            acc[c] = _mm512_fmadd_ps(acc[c], m, a);
    __m512 s = acc[0];
    for (int c = 1; c < peak_chains; ++c)
        s = _mm512_add_ps(s, acc[c]);
    // A store, not _mm512_reduce_add_ps: g++ 12 warns (-Werror) inside that intrinsic.
    alignas(64) float out[16];
    _mm512_store_ps(out, s);
    double total = 0;
    for (float v : out)
        total += v;
    peak_sink = peak_sink + total;
}
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr const char* peak_isa = "AVX2";
inline constexpr int peak_lanes = 8;
inline constexpr int peak_chains = 12; // 16 ymm registers: 12 chains + 2 constants
[[gnu::noinline]] inline void fma_loop(std::size_t iterations) {
    __m256 acc[peak_chains];
    for (int c = 0; c < peak_chains; ++c)
        acc[c] = _mm256_set1_ps(float(c));
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-6f);
    for (std::size_t i = 0; i < iterations; ++i)
        for (int c = 0; c < peak_chains; ++c)
            acc[c] = _mm256_fmadd_ps(acc[c], m, a);
    alignas(32) float out[8];
    __m256 s = acc[0];
    for (int c = 1; c < peak_chains; ++c)
        s = _mm256_add_ps(s, acc[c]);
    _mm256_store_ps(out, s);
    double total = 0;
    for (float v : out)
        total += v;
    peak_sink = peak_sink + total;
}
#else
inline constexpr const char* peak_isa = "scalar";
inline constexpr int peak_lanes = 1;
inline constexpr int peak_chains = 8;
[[gnu::noinline]] inline void fma_loop(std::size_t iterations) {
    float acc[peak_chains];
    for (int c = 0; c < peak_chains; ++c)
        acc[c] = float(c);
    for (std::size_t i = 0; i < iterations; ++i)
        for (int c = 0; c < peak_chains; ++c)
            acc[c] = std::fma(acc[c], 0.999999f, 1e-6f);
    double total = 0;
    for (float v : acc)
        total += v;
    peak_sink = peak_sink + total;
}
#endif

/// One core's FP32 peak in GFLOP/s: the best repetition (an interruption can only lower it) and
/// the median, for the record.
template<class Options>
std::pair<double, double> measure_peak(const Options& opt, double& cpu_per_wall) {
    constexpr std::size_t iterations = 1 << 16;
    const auto per_call = time_calls(
        opt, [] { fma_loop(iterations); }, cpu_per_wall);
    const double flops = double(iterations) * peak_chains * peak_lanes * 2;
    const double best = *std::min_element(per_call.begin(), per_call.end());
    return {flops / best / 1e9, flops / median(per_call) / 1e9};
}

} // namespace typenet::bench
