#pragma once
// Output extents of valid cross-correlation and of non-overlapping pooling.

#include <cstddef>

namespace typenet {

/// Valid cross-correlation (the design notes' ⊗): an N-wide input and a K-wide kernel give
/// N - K + 1 outputs. Only meaningful when K <= N; the layers check that first.
constexpr std::size_t valid_extent(std::size_t n, std::size_t k) { return n - k + 1; }

/// Zero padding by P on both sides of an N-wide plane.
constexpr std::size_t padded_extent(std::size_t n, std::size_t p) { return n + 2 * p; }

/// A P-wide window with stride P over N inputs; the layers require P to divide N.
constexpr std::size_t pooled_extent(std::size_t n, std::size_t p) { return n / p; }

} // namespace typenet
