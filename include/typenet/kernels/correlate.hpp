#pragma once
// d (=|+=) a ⊗ k for one plane: the valid 2-D correlation of expr/correlate.hpp,
//   d(i, j) = sum_{m,n} a(i + m, j + n) k(m, n),   a: H×W, k: KH×KW, d: OH×OW.
// The single-plane conv forward z = x ⊗ K (§1) and weight gradient dL/dK = x ⊗ dL/dz (§2); the
// stacks of planes the conv layer uses have kernels/correlate_channels.hpp. Two loop orders,
// chosen by the output width:
// - rows at least 16 wide (a forward on large maps): each output row is accumulated in a local
//   array over the kernel taps, the output column innermost;
// - narrower rows (the weight gradient, whose "kernel" is the upstream gradient, and forwards on
//   small maps): each output is one dot product over all taps, row by row, into split
//   accumulators (kernels/partial_sums.hpp).

#include "typenet/kernels/partial_sums.hpp"

#include <cstddef>

namespace typenet::kernels {

template<std::size_t H, std::size_t W, std::size_t KH, std::size_t KW, bool Accumulate, class TD,
         class TA, class TK>
constexpr void correlate(TD* d, const TA* a, const TK* k) {
    constexpr std::size_t oh = H - KH + 1, ow = W - KW + 1;
    if constexpr (ow >= 16) {
        for (std::size_t i = 0; i < oh; ++i) {
            TD acc[ow];
            for (std::size_t j = 0; j < ow; ++j)
                acc[j] = Accumulate ? d[i * ow + j] : TD{};
            for (std::size_t m = 0; m < KH; ++m)
                for (std::size_t n = 0; n < KW; ++n) {
                    const TD kv = k[m * KW + n];
                    const auto* arow = a + (i + m) * W + n;
                    for (std::size_t j = 0; j < ow; ++j)
                        acc[j] += arow[j] * kv;
                }
            for (std::size_t j = 0; j < ow; ++j)
                d[i * ow + j] = acc[j];
        }
    } else {
        for (std::size_t i = 0; i < oh; ++i)
            for (std::size_t j = 0; j < ow; ++j) {
                TD acc[split_lanes] = {};
                for (std::size_t m = 0; m < KH; ++m)
                    split_accumulate<KW>(acc, a + (i + m) * W + j, k + m * KW);
                const TD v = lane_sum(acc);
                d[i * ow + j] = Accumulate ? d[i * ow + j] + v : v;
            }
    }
}

} // namespace typenet::kernels
