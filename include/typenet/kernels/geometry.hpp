#pragma once
// The plane geometry the conv kernels share (kernels/correlate_channels.hpp,
// kernels/correlate_outer.hpp): C input planes of H×W correlated with KH×KW kernels into F output
// planes of OH×OW, indexed flat over the input grid, and the row stride of a bank with the
// filters across the lanes.

#include "typenet/simd/blocking.hpp"
#include "typenet/simd/pack.hpp"

#include <cstddef>

namespace typenet::kernels {

/// The plane geometry of a multi-channel correlation: C input planes of H×W, kernels KH×KW,
/// F output planes of OH×OW.
///
/// The kernels index a plane flat. Output (i, j) at the flat position p = i·W + j of the *input*
/// grid reads input p + m·W + n at tap (m, n): one offset per tap, the same for every output, so
/// consecutive outputs of several rows fill one register even when a row is narrower than a pack
/// (8-wide maps in LeNet-5). The price is computing the W - OW positions per row that wrap
/// around (j >= OW), which are then not stored: `positions` runs up to the last real output.
template<std::size_t F_, std::size_t C_, std::size_t H_, std::size_t W_, std::size_t KH_,
         std::size_t KW_>
struct geometry {
    static constexpr std::size_t F = F_, C = C_, H = H_, W = W_, KH = KH_, KW = KW_;
    static constexpr std::size_t OH = H - KH + 1, OW = W - KW + 1;
    static constexpr std::size_t positions = (OH - 1) * W + OW;
};

template<class G, class T>
inline constexpr std::size_t filter_stride = simd::packs_for<T>(G::F) * simd::width<T>;

} // namespace typenet::kernels
