#pragma once
// Output extents of cross-correlation (valid, strided, padded), of zero dilation and of pooling.

#include <cstddef>

namespace typenet {

/// Valid cross-correlation (the design notes' ⊗): an N-wide input and a K-wide kernel give
/// N - K + 1 outputs. Only meaningful when K <= N; the layers check that first.
constexpr std::size_t valid_extent(std::size_t n, std::size_t k) {
    return n - k + 1;
}

/// Zero padding by P on both sides of an N-wide plane.
constexpr std::size_t padded_extent(std::size_t n, std::size_t p) {
    return n + 2 * p;
}

/// A P-wide window with stride P over N inputs; the layers require P to divide N.
constexpr std::size_t pooled_extent(std::size_t n, std::size_t p) {
    return n / p;
}

/// Every S-th of N elements, starting with the first: ⌊(N - 1)/S⌋ + 1 (N >= 1, S >= 1).
constexpr std::size_t subsampled_extent(std::size_t n, std::size_t s) {
    return (n - 1) / s + 1;
}

/// N elements with S - 1 zeros between neighbours: (N - 1)·S + 1 (N >= 1, S >= 1).
constexpr std::size_t dilated_extent(std::size_t n, std::size_t s) {
    return (n - 1) * s + 1;
}

/// A K-wide window at stride S over N inputs padded by P on both sides, PyTorch's floor mode
/// (nn.Conv2d, nn.MaxPool2d): ⌊(N + 2P - K)/S⌋ + 1. 0 when no window fits or S is 0, so that
/// asking about a wrong layer never divides by zero; the layers check both first.
constexpr std::size_t strided_extent(std::size_t n, std::size_t k, std::size_t s, std::size_t p) {
    return s == 0 || k > n + 2 * p ? 0 : (n + 2 * p - k) / s + 1;
}

} // namespace typenet
