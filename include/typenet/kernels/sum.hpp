#pragma once
// sum(a) of N contiguous values: the conv bias gradient dL/dB = sum(dL/dz) (docs/derivations.md
// §2), for expr/fast_kernels.hpp's evaluator of sum(view). Into `split_lanes` partial sums
// (kernels/partial_sums.hpp), which the compiler vectorises; the generic evaluation is one chain
// of dependent additions, bound by the adder's latency.

#include "typenet/kernels/partial_sums.hpp"

#include <cstddef>

namespace typenet::kernels {

/// a[0] + ... + a[N-1], over `split_lanes` partial sums.
template<std::size_t N, class T>
constexpr T sum(const T* a) {
    constexpr std::size_t full = N / split_lanes * split_lanes;
    T acc[split_lanes] = {};
    for (std::size_t j = 0; j < full; j += split_lanes)
        for (std::size_t l = 0; l < split_lanes; ++l)
            acc[l] += a[j + l];
    for (std::size_t j = full; j < N; ++j)
        acc[j - full] += a[j];
    return lane_sum(acc);
}

} // namespace typenet::kernels
