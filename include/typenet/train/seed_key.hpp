#pragma once
// The Philox keys a training run derives from its one seed. The run's seed drives several
// independent random choices (the order of each epoch, each augmentation transform); each is a
// numbered stream with a key of its own, so that, for instance, adding a transform to an
// augmentation changes neither the epoch order nor the earlier transforms' decisions.
//
// Stream u's key is the u-th output (u >= 1) of splitmix64 seeded with the seed (Steele, Lea and
// Flood, "Fast splittable pseudorandom number generators", OOPSLA'14): the finalizer of
// seed + u·0x9E3779B97F4A7C15 (mod 2^64), low word first. The finalizer is a bijection, so the
// streams of one seed have distinct keys. Dropout keys Philox with the seed itself
// (ops/dropout.hpp); a stream's key equals it only by a 2^-64 coincidence.
// tests/data/gen_train_streams.py computes the same keys in Python.

#include "typenet/random/philox.hpp"

#include <cstdint>

namespace typenet::train {

/// The streams of a seed: 1 the epoch orders (train/epoch_order.hpp), 2 + q the transform at
/// position q of an augmentation (train/augment.hpp).
inline constexpr std::uint64_t epoch_order_stream = 1;
constexpr std::uint64_t augment_stream(std::uint64_t position) noexcept {
    return 2 + position;
}

/// splitmix64's output function: a bijection of 64-bit words that mixes every input bit into
/// every output bit.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// The Philox key of stream `stream` of `seed`.
constexpr philox4x32_key seed_key(std::uint64_t seed, std::uint64_t stream) noexcept {
    const std::uint64_t k = splitmix64_mix(seed + stream * 0x9E3779B97F4A7C15ull);
    return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

} // namespace typenet::train
