#pragma once
// Data augmentation: random transforms of one image, each written into a buffer the caller owns,
// composed left to right with `|`:
//
//   const auto augmentation = tn::train::random_crop{2} | tn::train::horizontal_flip{};
//   tn::train::augment(augmentation, data.image(i), buffer, {.seed = s, .epoch = e, .index = i});
//
// Every decision is a pure function of (seed, epoch, sample index, the transform's position in
// the composition): the transform at position q takes the four words
//   philox4x32({index mod 2^32, index / 2^32, epoch mod 2^32, epoch / 2^32}, seed_key(seed, 2 + q))
// (random/philox.hpp, train/seed_key.hpp), so an image is augmented the same way whichever thread
// handles it, in whatever batch, and in a resumed run. Nothing allocates.
//
// A transform is a class with `positions`, how many positions of a composition it takes (1 for
// a random transform, 0 for a fixed one, so identity leaves the others' decisions as they are),
// and `apply(in, out, key)` for tensor_view<const T, Shape> in and tensor_view<T, Shape> out,
// which may be the same memory (a composition applies all but its first transform in place) but
// must not overlap otherwise.
// tests/data/gen_train_streams.py computes the same decisions in Python.

#include "typenet/random/philox.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"
#include "typenet/tensor/tensor_view.hpp"
#include "typenet/train/seed_key.hpp"

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet::train {

/// Where a transform is applied: the run's seed, the epoch, the sample's index in its dataset, and
/// the transform's position in its augmentation (compositions set it; 0 for the first).
struct augment_key {
    std::uint64_t seed = 0;
    std::uint64_t epoch = 0;
    std::uint64_t index = 0;
    std::uint64_t position = 0;
};

/// The four random words of the transform at `key`.
constexpr philox4x32_counter augment_bits(const augment_key& key) noexcept {
    return philox4x32(
        {static_cast<std::uint32_t>(key.index), static_cast<std::uint32_t>(key.index >> 32),
         static_cast<std::uint32_t>(key.epoch), static_cast<std::uint32_t>(key.epoch >> 32)},
        seed_key(key.seed, augment_stream(key.position)));
}

/// A transform of images: a class with `positions` and `apply` (above).
template<class X>
concept image_transform = requires {
    { X::positions } -> std::convertible_to<std::size_t>;
};

namespace detail {

/// dst[0 .. n) = src[0 .. n) where the two may overlap (one row moved within an image).
template<class T>
void move_elements(const T* src, std::ptrdiff_t n, T* dst) {
    if (src == dst)
        return;
    if (std::less<>{}(dst, src))
        std::copy(src, src + n, dst);
    else
        std::copy_backward(src, src + n, dst + n);
}

} // namespace detail

/// The image as it is (copied unless in and out are the same memory). Takes no position.
struct identity {
    static constexpr std::size_t positions = 0;

    template<class T, class Shape>
    void apply(tensor_view<const T, Shape> in, tensor_view<T, Shape> out,
               const augment_key&) const noexcept {
        if (in.data() != out.data())
            std::copy(in.begin(), in.end(), out.begin());
    }
};

/// torchvision's RandomCrop((H, W), padding=p, fill=f) on a C×H×W image: the image padded by p
/// elements of value `fill` on every side, then the H×W window at offset (y, x) of that padded
/// image, y and x each uniform in [0, 2p]. So out(c, h, w) = in(c, h + y - p, w + x - p), `fill`
/// where that is outside the image: the picture moves by (p - y, p - x). Padding 0 is the
/// identity. The offsets are floor(word · (2p+1) / 2^32) of words 0 and 1, each within
/// (2p+1)·2^-32 of uniform. torchvision pads before ToTensor/Normalize, so for data loaded with
/// dataset_options{mean, stddev} its fill 0 is `fill = -mean / stddev` here.
class random_crop {
public:
    static constexpr std::size_t positions = 1;

    /// The window's top-left corner in the padded image, each coordinate in [0, 2·padding].
    struct offset_type {
        std::size_t y = 0;
        std::size_t x = 0;
        friend bool operator==(const offset_type&, const offset_type&) = default;
    };

    /// Throws std::invalid_argument when padding >= 2^31 (an offset is drawn from 32 bits).
    constexpr explicit random_crop(std::size_t padding, double fill = 0.0)
        : padding_(padding)
        , fill_(fill) {
        if (padding >= (std::size_t{1} << 31))
            throw std::invalid_argument("typenet::train::random_crop: padding must be below 2^31");
    }

    constexpr std::size_t padding() const noexcept { return padding_; }
    constexpr double fill() const noexcept { return fill_; }

    /// The window chosen at `key`.
    constexpr offset_type offset(const augment_key& key) const noexcept {
        const philox4x32_counter bits = augment_bits(key);
        const std::uint64_t range = 2 * std::uint64_t{padding_} + 1;
        return {static_cast<std::size_t>((bits[0] * range) >> 32),
                static_cast<std::size_t>((bits[1] * range) >> 32)};
    }

    template<class T, class Shape>
    void apply(tensor_view<const T, Shape> in, tensor_view<T, Shape> out,
               const augment_key& key) const {
        static_assert(Shape::rank == 3,
                      "typenet::train::random_crop: the image must be a shape<C, H, W>");
        constexpr std::ptrdiff_t C = std::ptrdiff_t(Shape::dims[0]);
        constexpr std::ptrdiff_t H = std::ptrdiff_t(Shape::dims[1]);
        constexpr std::ptrdiff_t W = std::ptrdiff_t(Shape::dims[2]);
        const offset_type o = offset(key);
        const auto p = std::ptrdiff_t(padding_);
        // out(h, w) = in(h + dy, w + dx)
        const std::ptrdiff_t dy = std::ptrdiff_t(o.y) - p, dx = std::ptrdiff_t(o.x) - p;
        // The columns of a row that come from the image: w + dx in [0, W).
        const std::ptrdiff_t w0 = std::clamp<std::ptrdiff_t>(-dx, 0, W);
        const std::ptrdiff_t w1 = std::clamp<std::ptrdiff_t>(W - dx, w0, W);
        const T value = static_cast<T>(fill_);
        for (std::ptrdiff_t c = 0; c < C; ++c) {
            const T* src = in.data() + c * H * W;
            T* dst = out.data() + c * H * W;
            // Rows in the order that reads each source row before it is written over when in
            // and out are the same memory: downwards when the rows come from below.
            for (std::ptrdiff_t step = 0; step < H; ++step) {
                const std::ptrdiff_t h = dy >= 0 ? step : H - 1 - step;
                const std::ptrdiff_t r = h + dy;
                T* row = dst + h * W;
                if (r < 0 || r >= H || w0 == w1) {
                    std::fill(row, row + W, value);
                    continue;
                }
                detail::move_elements(src + r * W + w0 + dx, w1 - w0, row + w0);
                std::fill(row, row + w0, value);
                std::fill(row + w1, row + W, value);
            }
        }
    }

private:
    std::size_t padding_;
    double fill_;
};

/// torchvision's RandomHorizontalFlip(p): the image mirrored left-right (out(c, h, w) =
/// in(c, h, W-1-w)) with probability p, else as it is. The flip happens when word 0 is below
/// floor(p·2^32), so the probability is exact for p = 0, 1/2, 1 (and any multiple of 2^-32).
class horizontal_flip {
public:
    static constexpr std::size_t positions = 1;

    /// Probability 1/2.
    constexpr horizontal_flip() noexcept = default;
    /// Throws std::invalid_argument unless 0 <= probability <= 1.
    constexpr explicit horizontal_flip(double probability)
        : threshold_(threshold_of(probability)) {}

    /// The probability of a flip: floor(p·2^32) / 2^32 for the p it was given.
    constexpr double probability() const noexcept { return double(threshold_) * 0x1p-32; }

    /// Whether the image at `key` is mirrored.
    constexpr bool flips(const augment_key& key) const noexcept {
        return augment_bits(key)[0] < threshold_;
    }

    template<class T, class Shape>
    void apply(tensor_view<const T, Shape> in, tensor_view<T, Shape> out,
               const augment_key& key) const {
        static_assert(Shape::rank == 3,
                      "typenet::train::horizontal_flip: the image must be a shape<C, H, W>");
        constexpr std::size_t W = Shape::dims[2];
        const bool in_place = in.data() == out.data();
        if (!flips(key)) {
            if (!in_place)
                std::copy(in.begin(), in.end(), out.begin());
            return;
        }
        for (std::size_t row = 0; row < Shape::size; row += W) {
            if (in_place)
                std::reverse(out.data() + row, out.data() + row + W);
            else
                std::reverse_copy(in.data() + row, in.data() + row + W, out.data() + row);
        }
    }

private:
    static constexpr std::uint64_t threshold_of(double p) {
        if (!(p >= 0.0 && p <= 1.0))
            throw std::invalid_argument(
                "typenet::train::horizontal_flip: the probability must be in [0, 1]");
        // p·2^32 is exact in double (a power-of-two scaling); the cast floors it.
        return static_cast<std::uint64_t>(p * 0x1p32);
    }
    std::uint64_t threshold_ = std::uint64_t{1} << 31;
};

/// `first`, then `second` on its result (in place); `second` takes the positions after
/// `first`'s.
template<image_transform First, image_transform Second>
struct composed {
    static constexpr std::size_t positions = First::positions + Second::positions;
    First first;
    Second second;

    template<class T, class Shape>
    void apply(tensor_view<const T, Shape> in, tensor_view<T, Shape> out,
               const augment_key& key) const {
        first.apply(in, out, key);
        augment_key next = key;
        next.position += First::positions;
        second.apply(tensor_view<const T, Shape>(out), out, next);
    }
};

/// `a | b`: a, then b.
template<image_transform First, image_transform Second>
constexpr composed<First, Second> operator|(First a, Second b) {
    return {std::move(a), std::move(b)};
}

/// Applies `augmentation` to the image `in` at `key`, writing the result to `out` (which may be
/// the memory of `in`, but must not overlap it otherwise).
template<image_transform Augmentation, class T, class Shape>
void augment(const Augmentation& augmentation, std::type_identity_t<tensor_view<const T, Shape>> in,
             tensor_view<T, Shape> out, const augment_key& key) {
    augmentation.apply(in, out, key);
}
template<image_transform Augmentation, class T, class Shape>
void augment(const Augmentation& augmentation, std::type_identity_t<tensor_view<const T, Shape>> in,
             tensor<T, Shape>& out, const augment_key& key) {
    augmentation.apply(in, out.view(), key);
}

/// A transform as text, for logs and a checkpoint's settings (train/checkpoint.hpp): a resumed run
/// must augment as the interrupted one did. "random_crop(2) | horizontal_flip(0.5)". A transform
/// of the user's says what it is with a describe() member; without one it is "custom".
inline std::string describe(const identity&) {
    return "identity";
}
inline std::string describe(const random_crop& r) {
    char b[64];
    std::snprintf(b, sizeof b, "random_crop(%zu, fill %g)", r.padding(), r.fill());
    return b;
}
inline std::string describe(const horizontal_flip& f) {
    char b[48];
    std::snprintf(b, sizeof b, "horizontal_flip(%g)", f.probability());
    return b;
}
template<image_transform First, image_transform Second>
std::string describe(const composed<First, Second>& c) {
    return describe(c.first) + " | " + describe(c.second);
}
template<image_transform X>
std::string describe(const X& x) {
    if constexpr (requires { std::string(x.describe()); })
        return std::string(x.describe());
    else
        return "custom";
}

} // namespace typenet::train
