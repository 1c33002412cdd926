#pragma once
// Split accumulators: a reduction spread over `split_lanes` independent partial sums, added at the
// end. A single scalar sum is a chain of dependent additions that the compiler may not reorder (and
// so not vectorise) without -ffast-math; independent partial sums it vectorises as they are. Used
// by kernels/sum.hpp and kernels/correlate.hpp.

#include <cstddef>

namespace typenet::kernels {

/// Partial sums: one AVX-512 register of floats.
inline constexpr std::size_t split_lanes = 16;

/// acc[l] += a[j] * b[j] for j < N, j = l (mod split_lanes).
template<std::size_t N, class T, class A, class B>
constexpr void split_accumulate(T (&acc)[split_lanes], const A* a, const B* b) {
    constexpr std::size_t full = N / split_lanes * split_lanes;
    for (std::size_t j = 0; j < full; j += split_lanes)
        for (std::size_t l = 0; l < split_lanes; ++l)
            acc[l] += a[j + l] * b[j + l];
    for (std::size_t j = full; j < N; ++j)
        acc[j - full] += a[j] * b[j];
}

/// The sum of the partial sums, in lane order.
template<class T>
constexpr T lane_sum(const T (&acc)[split_lanes]) {
    T total{};
    for (std::size_t l = 0; l < split_lanes; ++l)
        total += acc[l];
    return total;
}

} // namespace typenet::kernels
