#pragma once
// dropout<std::ratio<N, D>, Shape>: PyTorch's nn.Dropout(p) with p = N/D (docs/derivations.md
// §12). In training each element is dropped (set to 0) with probability p and the others are
// scaled by 1/(1-p), so that E[y] = x; in evaluation it is the identity:
//   y = m ⊙ x / (1-p),   dL/dx = m ⊙ dL/dy / (1-p),   m_e = [element e is kept]
// No mask is stored. m_e is a pure function of the dropout_key (seed, step, layer, sample) and
// of e, drawn from Philox4x32-10 (random/philox.hpp), so the backward pass recomputes the mask
// the forward pass used, and it does not matter which thread runs which sample of a batch.

#include "typenet/random/philox.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <type_traits>

namespace typenet::ops {

/// Where a mask is used: everything the mask depends on besides the element's flat index.
struct dropout_key {
    std::uint64_t seed = 0;   ///< the run's seed
    std::uint64_t step = 0;   ///< the training pass (how many came before it)
    std::uint32_t layer = 0;  ///< the leaf layer's position in the network: two layers, two masks
    std::uint64_t sample = 0; ///< the sample's index in the batch
};

// The key mapping. Philox key = seed (low word first). Counter, for the group of four elements
// 4g .. 4g+3 (one Philox call gives four words, element e uses word e mod 4 of group e / 4):
//   c0 = g,  c1 = sample,  c2 = step mod 2^32,  c3 = layer · 2^16 + (step / 2^32) mod 2^16
// Different (seed, step, layer, sample, group) give different Philox inputs, hence independent
// words, as long as step < 2^48, layer < 2^16, sample < 2^32 and the group < 2^32 (at most 2^34
// elements, which dropout checks from its shape); beyond, the higher bits are not used.
// tests/data/philox.py computes the same mapping in Python.

/// The Philox key of a dropout key: its seed.
constexpr philox4x32_key dropout_philox_key(const dropout_key& k) noexcept {
    return {static_cast<std::uint32_t>(k.seed), static_cast<std::uint32_t>(k.seed >> 32)};
}

/// The Philox counter of element group `group` (elements 4·group .. 4·group + 3).
constexpr philox4x32_counter dropout_counter(const dropout_key& k, std::uint64_t group) noexcept {
    const std::uint32_t step_high = static_cast<std::uint32_t>(k.step >> 32) & 0xFFFFu;
    return {static_cast<std::uint32_t>(group), static_cast<std::uint32_t>(k.sample),
            static_cast<std::uint32_t>(k.step), (k.layer << 16) | step_high};
}

/// The 32 random bits of one element.
constexpr std::uint32_t dropout_bits(const dropout_key& k, std::uint64_t element) noexcept {
    return philox4x32(dropout_counter(k, element / 4), dropout_philox_key(k))[element % 4];
}

namespace detail {

/// The drop probability of a dropout: valid for a std::ratio in [0, 1); num and den reduced (as
/// std::ratio keeps them), 0 and 1 when invalid so that nothing else fails after the message.
template<class Ratio>
struct dropout_probability {
    static constexpr bool valid = false;
    static constexpr std::uint64_t num = 0, den = 1;
};
template<std::intmax_t N, std::intmax_t D>
struct dropout_probability<std::ratio<N, D>> {
    using r = std::ratio<N, D>;
    static constexpr bool valid = r::num >= 0 && r::num < r::den;
    static constexpr std::uint64_t num = valid ? static_cast<std::uint64_t>(r::num) : 0;
    static constexpr std::uint64_t den = valid ? static_cast<std::uint64_t>(r::den) : 1;
};

} // namespace detail

template<class Ratio, class Shape>
struct dropout {
    using probability = detail::dropout_probability<Ratio>;
    static_assert(probability::valid,
                  "typenet::dropout: the drop probability N/D must be in [0, 1), given as "
                  "std::ratio<N, D>, e.g. dropout<std::ratio<1, 2>, Shape> for 0.5");
    // The counter's element word counts groups of four.
    static_assert(Shape::size <= (std::uint64_t{1} << 34),
                  "typenet::dropout: at most 2^34 elements per sample");

    using output_shape = Shape;
    using key_type = dropout_key;

    /// Element e is dropped when its 32 random bits are below this: probability threshold / 2^32,
    /// p rounded down to a multiple of 2^-32 (exact for p = 0, 1/2, 1/4, ...).
    static constexpr std::uint32_t threshold =
        probability_threshold(probability::num, probability::den);

    /// 1/(1-p) = D / (D - N): one division in T, so correctly rounded (2 for p = 1/2).
    template<class T>
    static constexpr T scale = T(probability::den) / T(probability::den - probability::num);

    /// Is element `element` kept under key k?
    static constexpr bool keep(const dropout_key& k, std::size_t element) noexcept {
        if constexpr (probability::num == 0)
            return true;
        else
            return dropout_bits(k, element) >= threshold;
    }

    /// Training: y = x / (1-p) where kept, 0 where dropped (also for an infinite or NaN x, where
    /// PyTorch's x · 0 would give NaN). y may be x itself.
    template<class T>
    static void forward(const dropout_key& k, tensor_view<const T, Shape> x,
                        tensor_view<T, Shape> y) {
        masked_scale(k, x, y);
    }

    /// Training: dL/dx = dL/dy / (1-p) where kept, 0 where dropped: the same mask, recomputed
    /// from the same key. dx may be dy itself.
    template<class T>
    static void backward(const dropout_key& k, tensor_view<const T, Shape> dy,
                         tensor_view<T, Shape> dx) {
        masked_scale(k, dy, dx);
    }

    /// Evaluation: the identity, y = x.
    template<class T>
    static void forward_eval(tensor_view<const T, Shape> x, tensor_view<T, Shape> y) {
        std::copy(x.begin(), x.end(), y.begin());
    }

    /// Evaluation: the identity, dL/dx = dL/dy.
    template<class T>
    static void backward_eval(tensor_view<const T, Shape> dy, tensor_view<T, Shape> dx) {
        std::copy(dy.begin(), dy.end(), dx.begin());
    }

private:
    /// out_e = keep(e) ? in_e · scale : 0, one Philox call per four elements.
    template<class T>
    static void masked_scale(const dropout_key& k, tensor_view<const T, Shape> in,
                             tensor_view<T, Shape> out) {
        constexpr std::size_t n = Shape::size;
        if constexpr (probability::num == 0) {
            // p = 0: every element kept, scale 1; skip the generator.
            std::copy(in.begin(), in.end(), out.begin());
        } else {
            constexpr T s = scale<T>;
            const philox4x32_key pk = dropout_philox_key(k);
            for (std::size_t first = 0; first < n; first += 4) {
                const philox4x32_counter bits = philox4x32(dropout_counter(k, first / 4), pk);
                const std::size_t count = std::min<std::size_t>(4, n - first);
                for (std::size_t j = 0; j < count; ++j)
                    out[first + j] = bits[j] >= threshold ? in[first + j] * s : T{};
            }
        }
    }
};

} // namespace typenet::ops
