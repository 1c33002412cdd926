// Register blocking (include/typenet/simd/blocking.hpp): the even split of an extent, the walk
// over blocks with compile-time sizes, the pack counts of a flat range, and the loads and stores
// that mask only a range's last pack — against the arithmetic they stand for, float and double.
#define BOOST_TEST_MODULE simd.blocking
#include "typenet/simd/blocking.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <utility>
#include <vector>

namespace simd = typenet::simd;
using types = boost::mpl::list<float, double>;

BOOST_AUTO_TEST_CASE(the_budget_leaves_room_for_operands) {
    static_assert(simd::accumulator_budget == simd::registers * 3 / 4);
    static_assert(simd::accumulator_budget < simd::registers);
    BOOST_TEST(simd::accumulator_budget >= 8u); // a 2x4 block at least, on every target
}

BOOST_AUTO_TEST_CASE(even_block_splits_into_the_fewest_most_even_blocks) {
    // Against the definition: the fewest blocks of at most `most`, and the smallest block size
    // that still needs no more blocks than that.
    for (std::size_t n = 1; n <= 64; ++n)
        for (std::size_t most = 1; most <= 12; ++most) {
            const std::size_t b = simd::even_block(n, most);
            const std::size_t blocks = (n + most - 1) / most;
            BOOST_TEST(b <= most, "n=" << n << " most=" << most);
            BOOST_TEST((n + b - 1) / b == blocks, "n=" << n << " most=" << most << ": " << b);
            if (b > 1)
                BOOST_TEST((n + b - 2) / (b - 1) > blocks, "n=" << n << " most=" << most);
        }
    BOOST_TEST(simd::even_block(16, 3) == 3u);
    BOOST_TEST(simd::even_block(10, 4) == 4u); // 3 blocks either way: 4, 4, 2
    BOOST_TEST(simd::even_block(13, 6) == 5u); // 3 blocks: 5, 5, 3 rather than 6, 6, 1
    BOOST_TEST(simd::even_block(9, 4) == 3u);
}

namespace {
template<std::size_t N, std::size_t Block>
std::vector<std::pair<std::size_t, std::size_t>> walk() {
    std::vector<std::pair<std::size_t, std::size_t>> seen; // (start, size)
    simd::for_blocks<N, Block>(
        [&]<std::size_t Size>(std::size_t start) { seen.emplace_back(start, Size); });
    return seen;
}
} // namespace

BOOST_AUTO_TEST_CASE(for_blocks_covers_the_range_once_with_a_short_last_block) {
    using v = std::vector<std::pair<std::size_t, std::size_t>>;
    BOOST_TEST((walk<10, 4>() == v{{0, 4}, {4, 4}, {8, 2}}));
    BOOST_TEST((walk<8, 4>() == v{{0, 4}, {4, 4}}));
    BOOST_TEST((walk<3, 4>() == v{{0, 3}}));
    BOOST_TEST((walk<1, 1>() == v{{0, 1}}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(pack_counts_of_a_flat_range, T, types) {
    constexpr std::size_t L = simd::width<T>;
    for (std::size_t n = 1; n <= 5 * L; ++n) {
        const std::size_t packs = simd::packs_for<T>(n), last = simd::last_lanes<T>(n);
        BOOST_TEST(packs * L >= n);
        BOOST_TEST((packs - 1) * L < n);
        BOOST_TEST((last >= 1 && last <= L));
        BOOST_TEST((packs - 1) * L + last == n);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(only_the_last_pack_of_a_range_is_masked, T, types) {
    constexpr std::size_t L = simd::width<T>, VB = 3, Tail = L > 1 ? L - 1 : 1;
    constexpr std::size_t n = (VB - 1) * L + Tail;
    T src[VB * L], dst[VB * L];
    for (std::size_t i = 0; i < VB * L; ++i) {
        src[i] = static_cast<T>(i + 1);
        dst[i] = T(-1);
    }
    for (std::size_t v = 0; v < VB; ++v) {
        const simd::pack<T> p = simd::load_in_block<VB, Tail>(src + v * L, v);
        for (std::size_t l = 0; l < L; ++l) {
            const std::size_t i = v * L + l;
            BOOST_TEST(p[l] == (i < n ? src[i] : T{}), "pack " << v << " lane " << l);
        }
        simd::store_in_block<VB, Tail>(dst + v * L, v, p);
    }
    for (std::size_t i = 0; i < VB * L; ++i)
        BOOST_TEST(dst[i] == (i < n ? src[i] : T(-1)), "element " << i);
}
