#pragma once
// The sum of N values: the conv bias gradient dL/dB = sum(dL/dz) (docs/derivations.md §2) and
// every other sum(expression) with flat access (batch norm's per-channel moments and gradient
// sums, docs/derivations.md §11). Into `split_lanes` partial sums (kernels/partial_sums.hpp),
// which the compiler vectorises; a single running sum is one chain of dependent additions, bound
// by the adder's latency. Both the fast evaluator of sum(view) (expr/fast_kernels.hpp) and the
// generic one of sum(expression) (expr/evaluator.hpp) add in this order, so a sum has the same
// value whichever evaluates it.

#include "typenet/kernels/partial_sums.hpp"

#include <cstddef>

namespace typenet::kernels {

/// value(0) + ... + value(N-1), over `split_lanes` partial sums: value k goes to partial sum
/// k mod split_lanes, and the partial sums are added in lane order.
template<std::size_t N, class T, class Value>
constexpr T sum_of(Value&& value) {
    constexpr std::size_t full = N / split_lanes * split_lanes;
    T acc[split_lanes] = {};
    for (std::size_t j = 0; j < full; j += split_lanes)
        for (std::size_t l = 0; l < split_lanes; ++l)
            acc[l] += value(j + l);
    for (std::size_t j = full; j < N; ++j)
        acc[j - full] += value(j);
    return lane_sum(acc);
}

/// a[0] + ... + a[N-1], in sum_of's order.
template<std::size_t N, class T>
constexpr T sum(const T* a) {
    return sum_of<N, T>([a](std::size_t k) { return a[k]; });
}

} // namespace typenet::kernels
