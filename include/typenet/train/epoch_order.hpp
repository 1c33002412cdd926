#pragma once
// The order in which an epoch visits a training set, and its batches.
//
// The order of epoch e is a pure function of (n, seed, e): a Fisher–Yates shuffle (Durstenfeld's
// form: for i = n-1 down to 1, swap element i with a uniform j in [0, i]) driven by Philox4x32-10
// (random/philox.hpp) keyed with the seed's epoch_order_stream (train/seed_key.hpp) and counting
// blocks within the epoch:
//   block b = philox4x32({b mod 2^32, b / 2^32, e mod 2^32, e / 2^32}, key),
//   the stream's 64-bit words: w_2b = word0 + 2^32·word1, w_2b+1 = word2 + 2^32·word3.
// j is drawn exactly uniformly by rejection: words below 2^64 mod (i+1) are skipped and the next
// one is reduced mod (i+1). So a run resumed at epoch e sees the order an uninterrupted run sees,
// with no generator state to save, and the order is the same under every standard library
// (std::shuffle and std::uniform_int_distribution are not specified to that level).
// tests/data/gen_train_streams.py computes the same orders in Python.

#include "typenet/random/philox.hpp"
#include "typenet/train/seed_key.hpp"

#include <range/v3/view/chunk.hpp>
#include <range/v3/view/transform.hpp>

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace typenet::train {

namespace detail {

/// The 64-bit words of one epoch's stream, in order.
class epoch_stream {
public:
    constexpr epoch_stream(std::uint64_t seed, std::uint64_t epoch) noexcept
        : key_(seed_key(seed, epoch_order_stream))
        , epoch_(epoch) {}

    constexpr std::uint64_t next() noexcept {
        if (word_ % 2 == 0) {
            const std::uint64_t b = word_ / 2;
            block_ = philox4x32({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32),
                                 static_cast<std::uint32_t>(epoch_),
                                 static_cast<std::uint32_t>(epoch_ >> 32)},
                                key_);
        }
        const std::size_t half = 2 * (word_++ % 2);
        return std::uint64_t{block_[half]} | std::uint64_t{block_[half + 1]} << 32;
    }

    /// A uniform integer in [0, range), range >= 1, exactly: the words below 2^64 mod range are
    /// skipped, leaving a multiple of range equally likely words.
    constexpr std::uint64_t below(std::uint64_t range) noexcept {
        const std::uint64_t skip = (0 - range) % range; // 2^64 mod range
        for (;;)
            if (const std::uint64_t w = next(); w >= skip)
                return w % range;
    }

private:
    philox4x32_key key_;
    std::uint64_t epoch_;
    std::uint64_t word_ = 0;
    philox4x32_counter block_{};
};

} // namespace detail

/// Writes the order of `epoch` over order.size() samples into `order`: a permutation of
/// 0 .. order.size()-1. Allocates nothing.
constexpr void fill_epoch_order(std::span<std::size_t> order, std::uint64_t seed,
                                std::uint64_t epoch) noexcept {
    std::iota(order.begin(), order.end(), std::size_t{0});
    detail::epoch_stream stream(seed, epoch);
    for (std::size_t i = order.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(stream.below(i));
        std::swap(order[i - 1], order[j]);
    }
}

/// The order of `epoch` over `n` samples: a permutation of 0 .. n-1.
inline std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t seed,
                                            std::uint64_t epoch) {
    std::vector<std::size_t> order(n);
    fill_epoch_order(order, seed, epoch);
    return order;
}

/// The batches of an order: consecutive std::span<const std::size_t> of batch_size indices, the
/// last one shorter when batch_size does not divide order.size() (none for an empty order). A
/// random-access, sized range of views into `order`, which must outlive it. Throws
/// std::invalid_argument when batch_size is 0.
inline auto batches(std::span<const std::size_t> order, std::size_t batch_size) {
    if (batch_size == 0)
        throw std::invalid_argument("typenet::train::batches: batch_size must be positive");
    return order | ranges::views::chunk(batch_size) | ranges::views::transform([](auto chunk) {
               return std::span<const std::size_t>(chunk.begin(), chunk.end());
           });
}
/// The batches would refer to a vector that dies at the end of the call's full-expression.
void batches(std::vector<std::size_t>&&, std::size_t) = delete;

} // namespace typenet::train
