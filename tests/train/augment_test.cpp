// The transforms of train/augment.hpp against direct loops: random_crop is the image shifted by
// an offset in [-p, p]² with the fill around it, every offset about equally often; horizontal_flip
// mirrors about half the images; a composition applies its transforms in order, each at its own
// position; decisions depend on (seed, epoch, index, position) alone and equal those of
// tests/data/gen_train_streams.py; in place equals out of place; nothing allocates.
#define BOOST_TEST_MODULE augment
#include "typenet/io/idx.hpp"
#include "typenet/train/augment.hpp"

#include <boost/test/unit_test.hpp>

#include <range/v3/algorithm/count.hpp>
#include <range/v3/algorithm/equal.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../data/train_streams_reference.hpp"
#include "../optim/count_new.hpp"
#include "../support/check.hpp"

namespace tn = typenet;
namespace tt = typenet::train;
namespace ref = typenet::test::ref::train_streams;
using typenet::test::allocations;

namespace {
// Two channels and unequal extents, so a transposed or channel-mixing loop shows.
using img_shape = tn::shape<2, 7, 9>;
using image = tn::tensor<float, img_shape>;
constexpr std::ptrdiff_t C = 2, H = 7, W = 9;

/// Every value positive and distinct, so a fill of 0 and every shift are told apart.
image distinct_image(std::uint64_t seed) {
    image x;
    tn::test::fill_uniform(x, seed, 0.5, 1.0);
    return x;
}

/// out(c, h, w) = in(c, h + dy, w + dx), `fill` outside: the direct loop.
image shifted(const image& in, std::ptrdiff_t dy, std::ptrdiff_t dx, float fill = 0.0f) {
    image out;
    for (std::ptrdiff_t c = 0; c < C; ++c)
        for (std::ptrdiff_t h = 0; h < H; ++h)
            for (std::ptrdiff_t w = 0; w < W; ++w) {
                const std::ptrdiff_t r = h + dy, s = w + dx;
                out(c, h, w) = r >= 0 && r < H && s >= 0 && s < W ? in(c, r, s) : fill;
            }
    return out;
}

image mirrored(const image& in) {
    image out;
    for (std::ptrdiff_t c = 0; c < C; ++c)
        for (std::ptrdiff_t h = 0; h < H; ++h)
            for (std::ptrdiff_t w = 0; w < W; ++w)
                out(c, h, w) = in(c, h, W - 1 - w);
    return out;
}

template<class A>
image applied(const A& a, const image& in, const tt::augment_key& key) {
    image out;
    tt::augment(a, in.view(), out, key);
    return out;
}

/// The same transform applied in place (in and out the same memory).
template<class A>
image applied_in_place(const A& a, const image& in, const tt::augment_key& key) {
    image out = in;
    tt::augment(a, std::as_const(out).view(), out.view(), key);
    return out;
}

tt::augment_key key_of(std::uint64_t index, std::uint64_t seed = 42, std::uint64_t epoch = 1) {
    return {.seed = seed, .epoch = epoch, .index = index};
}
} // namespace

BOOST_AUTO_TEST_SUITE(identity)

BOOST_AUTO_TEST_CASE(copies_the_image_and_takes_no_position) {
    static_assert(tt::identity::positions == 0);
    const image x = distinct_image(1);
    BOOST_TEST(applied(tt::identity{}, x, key_of(3)) == x);
    BOOST_TEST(applied_in_place(tt::identity{}, x, key_of(3)) == x);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_crop)

BOOST_AUTO_TEST_CASE(padding_zero_is_the_identity) {
    const tt::random_crop crop{0};
    const image x = distinct_image(2);
    for (std::uint64_t i = 0; i < 200; ++i) {
        BOOST_TEST((crop.offset(key_of(i)) == tt::random_crop::offset_type{0, 0}));
        BOOST_TEST(applied(crop, x, key_of(i)) == x);
    }
}

BOOST_AUTO_TEST_CASE(output_is_the_input_shifted_by_one_offset_with_zero_fill) {
    // For each index, the shifts (dy, dx) in [-p, p]² whose direct loop gives the output: exactly
    // one, and it is (y - p, x - p) for the window (y, x) that offset() reports. Padding larger
    // than the image (p = 10 > 7, 9) leaves some outputs all fill.
    for (std::size_t p : {1u, 2u, 3u, 10u}) {
        const tt::random_crop crop{p};
        const auto P = std::ptrdiff_t(p);
        std::set<std::pair<std::ptrdiff_t, std::ptrdiff_t>> found_offsets;
        for (std::uint64_t i = 0; i < 300; ++i) {
            const image x = distinct_image(100 + i);
            const image y = applied(crop, x, key_of(i));
            std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>> matches;
            for (std::ptrdiff_t dy = -P; dy <= P; ++dy)
                for (std::ptrdiff_t dx = -P; dx <= P; ++dx)
                    if (shifted(x, dy, dx) == y)
                        matches.emplace_back(dy, dx);
            const auto o = crop.offset(key_of(i));
            const std::pair<std::ptrdiff_t, std::ptrdiff_t> reported{std::ptrdiff_t(o.y) - P,
                                                                     std::ptrdiff_t(o.x) - P};
            // A shift of a whole extent or more leaves only fill, whatever the shift.
            const bool all_fill = std::abs(reported.first) >= H || std::abs(reported.second) >= W;
            BOOST_TEST_CONTEXT("p=" << p << " index " << i) {
                BOOST_TEST(o.y <= 2 * p);
                BOOST_TEST(o.x <= 2 * p);
                if (all_fill) {
                    BOOST_TEST(ranges::count(y, 0.0f) == long(img_shape::size));
                } else {
                    BOOST_TEST_REQUIRE(matches.size() == 1u);
                    BOOST_TEST((matches[0] == reported));
                }
                BOOST_TEST(applied_in_place(crop, x, key_of(i)) == y);
            }
            found_offsets.insert(reported);
        }
        if (p <= 3) // (2p+1)² <= 49 offsets in 300 draws: each seen
            BOOST_TEST(found_offsets.size() == (2 * p + 1) * (2 * p + 1), "p=" << p);
    }
}

BOOST_AUTO_TEST_CASE(offsets_are_uniform_over_the_window) {
    // p = 2: 25 offsets over 10,000 indices, each about 400 times (deviation ≈ 19.6); y and x
    // independent. Each output is checked against the direct loop at its reported offset.
    const tt::random_crop crop{2};
    const image x = distinct_image(7);
    std::vector<std::size_t> count(25);
    for (std::uint64_t i = 0; i < 10000; ++i) {
        const auto o = crop.offset(key_of(i, 2024, 5));
        ++count[o.y * 5 + o.x];
        if (i % 10 == 0)
            BOOST_TEST(applied(crop, x, key_of(i, 2024, 5)) ==
                       shifted(x, std::ptrdiff_t(o.y) - 2, std::ptrdiff_t(o.x) - 2));
    }
    for (std::size_t k = 0; k < 25; ++k)
        BOOST_TEST(std::abs(double(count[k]) - 400.0) < 5 * 19.6, "offset " << k);
}

BOOST_AUTO_TEST_CASE(fill_value_around_the_image) {
    // For data normalised by load_dataset, torchvision's fill 0 is -mean/stddev.
    const tt::random_crop crop{3, -0.5};
    BOOST_TEST(crop.padding() == 3u);
    BOOST_TEST(crop.fill() == -0.5);
    const image x = distinct_image(8);
    std::size_t shifted_images = 0;
    for (std::uint64_t i = 0; i < 100; ++i) {
        const auto o = crop.offset(key_of(i));
        const std::ptrdiff_t dy = std::ptrdiff_t(o.y) - 3, dx = std::ptrdiff_t(o.x) - 3;
        BOOST_TEST(applied(crop, x, key_of(i)) == shifted(x, dy, dx, -0.5f));
        shifted_images += dy != 0 || dx != 0;
    }
    BOOST_TEST(shifted_images > 90u);
}

BOOST_AUTO_TEST_CASE(offsets_match_python) {
    for (const auto& c : ref::crop_cases) {
        const auto o = tt::random_crop{c.padding}.offset(
            {.seed = c.seed, .epoch = c.epoch, .index = c.index, .position = c.position});
        BOOST_TEST(o.y == c.y, "seed " << c.seed << " index " << c.index);
        BOOST_TEST(o.x == c.x, "seed " << c.seed << " index " << c.index);
    }
}

BOOST_AUTO_TEST_CASE(huge_padding_is_refused) {
    BOOST_CHECK_THROW(tt::random_crop{std::size_t{1} << 31}, std::invalid_argument);
    BOOST_CHECK_NO_THROW(tt::random_crop{(std::size_t{1} << 31) - 1});
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist_image) {
    // torchvision's RandomCrop(28, padding=2) on a Fashion-MNIST image: the garment (values in
    // [0, 1], black background) moves by at most 2 pixels and keeps its pixels, the border zero.
    const std::filesystem::path dir = TYPENET_FASHION_MNIST_DIR;
    if (!std::filesystem::exists(dir / "t10k-labels-idx1-ubyte.gz")) {
        BOOST_TEST_MESSAGE("dataset-fashion-mnist not installed: skipped");
        return;
    }
    using fm = tn::shape<1, 28, 28>;
    const auto data = tn::load_dataset<fm>(dir / "t10k-images-idx3-ubyte.gz",
                                           dir / "t10k-labels-idx1-ubyte.gz", 10, {.limit = 20});
    const tt::random_crop crop{2};
    for (std::size_t i = 0; i < data.size(); ++i) {
        tn::tensor<float, fm> out;
        tt::augment(crop, data.image(i), out, key_of(i));
        const auto o = crop.offset(key_of(i));
        const std::ptrdiff_t dy = std::ptrdiff_t(o.y) - 2, dx = std::ptrdiff_t(o.x) - 2;
        for (std::ptrdiff_t h = 0; h < 28; ++h)
            for (std::ptrdiff_t w = 0; w < 28; ++w) {
                const std::ptrdiff_t r = h + dy, s = w + dx;
                const float expected =
                    r >= 0 && r < 28 && s >= 0 && s < 28 ? data.image(i)(0, r, s) : 0.0f;
                if (out(0, h, w) != expected)
                    BOOST_ERROR("image " << i << " (" << h << ", " << w << ")");
            }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(horizontal_flip)

BOOST_AUTO_TEST_CASE(mirrors_about_half_the_images) {
    // 10,000 indices at p = 1/2: about 5,000 flips (deviation 50). Each output is the image or
    // its mirror, as flips() says.
    const tt::horizontal_flip flip{};
    BOOST_TEST(flip.probability() == 0.5);
    const image x = distinct_image(9);
    const image m = mirrored(x);
    std::size_t flipped = 0;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        const bool f = flip.flips(key_of(i));
        flipped += f;
        if (i % 10 == 0) {
            const image y = applied(flip, x, key_of(i));
            BOOST_TEST(y == (f ? m : x), "index " << i);
            BOOST_TEST(applied_in_place(flip, x, key_of(i)) == y, "index " << i);
        }
    }
    BOOST_TEST(std::abs(double(flipped) - 5000.0) < 5 * 50.0);
}

BOOST_AUTO_TEST_CASE(probability_is_configurable) {
    const image x = distinct_image(10);
    const image m = mirrored(x);
    const tt::horizontal_flip always{1.0}, never{0.0}, rarely{0.1};
    BOOST_TEST(always.probability() == 1.0);
    BOOST_TEST(never.probability() == 0.0);
    // floor(0.1 · 2^32) / 2^32, within 2^-32 of 0.1.
    BOOST_TEST(std::abs(rarely.probability() - 0.1) < 0x1p-32);
    std::size_t rare = 0;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        if (i % 50 == 0) {
            BOOST_TEST(applied(always, x, key_of(i)) == m);
            BOOST_TEST(applied(never, x, key_of(i)) == x);
        }
        rare += rarely.flips(key_of(i));
    }
    // About 1,000 (deviation 30).
    BOOST_TEST(std::abs(double(rare) - 1000.0) < 5 * 30.0);
    for (double bad : {-0.1, 1.1, std::numeric_limits<double>::quiet_NaN()})
        BOOST_CHECK_THROW(tt::horizontal_flip{bad}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(flipping_twice_is_the_identity) {
    const auto twice = tt::horizontal_flip{1.0} | tt::horizontal_flip{1.0};
    static_assert(decltype(twice)::positions == 2);
    const image x = distinct_image(11);
    for (std::uint64_t i = 0; i < 20; ++i)
        BOOST_TEST(applied(twice, x, key_of(i)) == x);
}

BOOST_AUTO_TEST_CASE(decisions_match_python) {
    for (const auto& c : ref::flip_cases) {
        const tt::horizontal_flip flip{c.probability};
        std::string got;
        for (std::uint64_t i = 0; i < c.count; ++i)
            got +=
                flip.flips({.seed = c.seed, .epoch = c.epoch, .index = i, .position = c.position})
                    ? '1'
                    : '0';
        BOOST_TEST(got == c.flips, c.name);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(composition)

BOOST_AUTO_TEST_CASE(applies_the_transforms_in_order_at_successive_positions) {
    const tt::random_crop crop{2};
    const tt::horizontal_flip flip{};
    const auto crop_then_flip = crop | flip;
    const auto flip_then_crop = flip | crop;
    static_assert(decltype(crop_then_flip)::positions == 2);
    const image x = distinct_image(12);
    std::size_t order_mattered = 0;
    for (std::uint64_t i = 0; i < 500; ++i) {
        tt::augment_key k0 = key_of(i), k1 = key_of(i);
        k1.position = 1;
        // By hand: the first transform at position 0, the second on its result at position 1.
        const image a = applied(flip, applied(crop, x, k0), k1);
        const image b = applied(crop, applied(flip, x, k0), k1);
        BOOST_TEST(applied(crop_then_flip, x, key_of(i)) == a, "index " << i);
        BOOST_TEST(applied(flip_then_crop, x, key_of(i)) == b, "index " << i);
        order_mattered += a != b;
    }
    BOOST_TEST(order_mattered > 400u);
}

BOOST_AUTO_TEST_CASE(three_transforms_take_three_positions) {
    const auto three = tt::random_crop{1} | tt::horizontal_flip{} | tt::random_crop{3};
    static_assert(decltype(three)::positions == 3);
    const image x = distinct_image(13);
    for (std::uint64_t i = 0; i < 100; ++i) {
        tt::augment_key k = key_of(i);
        image by_hand = applied(tt::random_crop{1}, x, k);
        k.position = 1;
        by_hand = applied(tt::horizontal_flip{}, by_hand, k);
        k.position = 2;
        by_hand = applied(tt::random_crop{3}, by_hand, k);
        BOOST_TEST(applied(three, x, key_of(i)) == by_hand, "index " << i);
    }
}

BOOST_AUTO_TEST_CASE(identity_is_neutral) {
    const tt::horizontal_flip flip{};
    const image x = distinct_image(14);
    for (std::uint64_t i = 0; i < 100; ++i) {
        const image y = applied(flip | tt::random_crop{2}, x, key_of(i));
        BOOST_TEST(applied(tt::identity{} | flip | tt::random_crop{2}, x, key_of(i)) == y);
        BOOST_TEST(applied(flip | tt::identity{} | tt::random_crop{2}, x, key_of(i)) == y);
        BOOST_TEST(applied(flip | tt::random_crop{2} | tt::identity{}, x, key_of(i)) == y);
    }
}

namespace {
/// A transform of the user's: fixed (no position), any shape.
struct negate {
    static constexpr std::size_t positions = 0;
    template<class T, class Shape>
    void apply(tn::tensor_view<const T, Shape> in, tn::tensor_view<T, Shape> out,
               const tt::augment_key&) const {
        for (std::size_t e = 0; e < Shape::size; ++e)
            out[e] = -in[e];
    }
};
static_assert(tt::image_transform<negate>);
static_assert(!tt::image_transform<int>);
} // namespace

BOOST_AUTO_TEST_CASE(a_users_transform_composes) {
    const image x = distinct_image(15);
    image minus_x;
    for (std::size_t e = 0; e < img_shape::size; ++e)
        minus_x[e] = -x[e];
    const auto a = negate{} | tt::horizontal_flip{1.0};
    const auto b = tt::horizontal_flip{1.0} | negate{};
    BOOST_TEST(applied(a, x, key_of(0)) == mirrored(minus_x));
    BOOST_TEST(applied(b, x, key_of(0)) == mirrored(minus_x));
    // Taking no position, it leaves the crop's decisions as they are (and commutes with it).
    for (std::uint64_t i = 0; i < 50; ++i)
        BOOST_TEST(applied(negate{} | tt::random_crop{2}, x, key_of(i)) ==
                   applied(tt::random_crop{2} | negate{}, x, key_of(i)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decisions)

BOOST_AUTO_TEST_CASE(depend_on_seed_epoch_index_and_position_only) {
    const auto a = tt::random_crop{2} | tt::horizontal_flip{};
    const image x = distinct_image(15);
    std::size_t other_epoch = 0, other_seed = 0, other_index = 0;
    for (std::uint64_t i = 0; i < 200; ++i) {
        const image y = applied(a, x, key_of(i, 42, 1));
        // Again, after other keys (no state between calls): the same.
        (void)applied(a, x, key_of(i + 1, 43, 2));
        BOOST_TEST(applied(a, x, key_of(i, 42, 1)) == y);
        other_epoch += applied(a, x, key_of(i, 42, 2)) != y;
        other_seed += applied(a, x, key_of(i, 43, 1)) != y;
        other_index += applied(a, x, key_of(i + 1, 42, 1)) != y;
    }
    // Two independent draws of crop (25 offsets) and flip (2) agree with probability 1/50.
    for (std::size_t differ : {other_epoch, other_seed, other_index})
        BOOST_TEST(differ > 180u);
    // The high words of the index and the epoch count too.
    const tt::augment_key k{.seed = 1, .epoch = 2, .index = 3};
    auto high_index = k, high_epoch = k;
    high_index.index += std::uint64_t{1} << 32;
    high_epoch.epoch += std::uint64_t{1} << 32;
    BOOST_TEST((tt::augment_bits(k) != tt::augment_bits(high_index)));
    BOOST_TEST((tt::augment_bits(k) != tt::augment_bits(high_epoch)));
}

BOOST_AUTO_TEST_CASE(positions_draw_independently) {
    // The flip at position 0 and at position 1 decide differently for about half the indices.
    const tt::horizontal_flip flip{};
    std::size_t disagree = 0;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        tt::augment_key k = key_of(i);
        const bool first = flip.flips(k);
        k.position = 1;
        disagree += first != flip.flips(k);
    }
    BOOST_TEST(std::abs(double(disagree) - 5000.0) < 5 * 50.0);
}

BOOST_AUTO_TEST_CASE(augmenting_allocates_nothing) {
    const auto a = tt::random_crop{2} | tt::horizontal_flip{} | tt::identity{};
    const image x = distinct_image(16);
    image out;
    const std::size_t before = allocations;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        tt::augment(a, x.view(), out, key_of(i));
        tt::augment(a, std::as_const(out).view(), out.view(), key_of(i));
    }
    BOOST_TEST(allocations - before == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
