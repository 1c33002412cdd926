// epoch_order(n, seed, epoch) is a permutation that depends on (n, seed, epoch) alone, equal to
// tests/data/gen_train_streams.py's; the shuffle is uniform; batches(order, b) cover the order
// once, in order, the last batch short; neither allocates.
#define BOOST_TEST_MODULE epoch_order
#include "typenet/train/epoch_order.hpp"

#include <boost/test/unit_test.hpp>

#include <range/v3/algorithm/equal.hpp>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/join.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../data/train_streams_reference.hpp"
#include "../optim/count_new.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::train_streams;
using typenet::test::allocations;

namespace {
bool is_permutation_of_iota(std::vector<std::size_t> v) {
    std::sort(v.begin(), v.end());
    return ranges::equal(v, ranges::views::iota(std::size_t{0}, v.size()));
}
} // namespace

BOOST_AUTO_TEST_SUITE(order)

BOOST_AUTO_TEST_CASE(is_a_permutation) {
    for (std::size_t n : {0u, 1u, 2u, 3u, 7u, 64u, 1000u, 60000u})
        for (std::uint64_t epoch : {0u, 1u, 9u})
            BOOST_TEST(is_permutation_of_iota(tn::train::epoch_order(n, 42, epoch)), "n=" << n);
}

BOOST_AUTO_TEST_CASE(first_elements_match_python) {
    for (const auto& c : ref::order_cases) {
        const auto order = tn::train::epoch_order(c.n, c.seed, c.epoch);
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(std::vector<std::size_t>(order.begin(), order.begin() + long(c.pinned)) ==
                           std::vector<std::size_t>(c.first, c.first + c.pinned),
                       boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(depends_on_n_seed_and_epoch_only) {
    const auto a = tn::train::epoch_order(5000, 7, 3);
    // Recomputed, after other orders were drawn (no state carried between calls): the same.
    (void)tn::train::epoch_order(5000, 7, 2);
    (void)tn::train::epoch_order(100, 8, 3);
    const auto same = [&](const std::vector<std::size_t>& b) { return a == b; };
    BOOST_TEST(same(tn::train::epoch_order(5000, 7, 3)));
    // Another epoch, another seed: other orders.
    BOOST_TEST(!same(tn::train::epoch_order(5000, 7, 4)));
    BOOST_TEST(!same(tn::train::epoch_order(5000, 8, 3)));
    // Epochs that differ only in their high word (counter words 2 and 3) differ too.
    BOOST_TEST(!same(tn::train::epoch_order(5000, 7, 3 + (std::uint64_t{1} << 32))));
    // No two of 50 epochs share an order.
    std::vector<std::vector<std::size_t>> seen;
    for (std::uint64_t e = 0; e < 50; ++e)
        seen.push_back(tn::train::epoch_order(5000, 7, e));
    std::sort(seen.begin(), seen.end());
    const bool distinct = std::adjacent_find(seen.begin(), seen.end()) == seen.end();
    BOOST_TEST(distinct);
}

BOOST_AUTO_TEST_CASE(fill_writes_the_same_order_without_allocating) {
    std::vector<std::size_t> buffer(60000, 123);
    const std::size_t before = allocations;
    tn::train::fill_epoch_order(buffer, 2024, 3);
    BOOST_TEST(allocations - before == 0u);
    BOOST_TEST(buffer == tn::train::epoch_order(60000, 2024, 3));
}

BOOST_AUTO_TEST_CASE(every_order_of_three_is_equally_likely) {
    // 60,000 epochs of 3 samples: each of the 3! orders about 10,000 times (standard deviation
    // sqrt(60000 · 1/6 · 5/6) ≈ 91). A shuffle drawing j from [0, n) instead of [0, i], say,
    // gives orders with probabilities 4/27 .. 5/27, about 1,100 away.
    std::map<std::vector<std::size_t>, std::size_t> count;
    for (std::uint64_t e = 0; e < 60000; ++e)
        ++count[tn::train::epoch_order(3, 11, e)];
    BOOST_TEST(count.size() == 6u);
    for (const auto& [order, k] : count)
        BOOST_TEST(std::abs(double(k) - 10000.0) < 5 * 91.3, order[0] << order[1] << order[2]);
}

BOOST_AUTO_TEST_CASE(each_sample_lands_anywhere) {
    // Where sample 0 of 10 goes, over 20,000 epochs: each position about 2,000 times (deviation
    // sqrt(20000 · 0.1 · 0.9) ≈ 42).
    std::vector<std::size_t> at(10);
    for (std::uint64_t e = 0; e < 20000; ++e) {
        const auto o = tn::train::epoch_order(10, 5, e);
        ++at[std::size_t(std::find(o.begin(), o.end(), 0u) - o.begin())];
    }
    for (std::size_t p = 0; p < 10; ++p)
        BOOST_TEST(std::abs(double(at[p]) - 2000.0) < 5 * 42.5, "position " << p);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batches)

namespace {
template<class V>
concept batchable = requires(V&& v) {
    tn::train::batches(std::forward<V>(v), 2);
};
} // namespace
// A temporary vector would die before its batches are used.
static_assert(!batchable<std::vector<std::size_t>>);
static_assert(batchable<std::vector<std::size_t>&>);
static_assert(batchable<std::span<const std::size_t>>);

BOOST_AUTO_TEST_CASE(cover_the_order_once_with_a_short_last_batch) {
    for (std::size_t n : {0u, 1u, 9u, 10u, 11u, 100u, 1000u})
        for (std::size_t b : {1u, 3u, 10u, 64u, 2000u}) {
            BOOST_TEST_CONTEXT("n=" << n << " batch=" << b) {
                const auto order = tn::train::epoch_order(n, 1, 2);
                const auto bs = tn::train::batches(order, b);
                const std::size_t count = (n + b - 1) / b;
                BOOST_TEST(std::size_t(ranges::size(bs)) == count);
                std::size_t k = 0, first = 0;
                for (const std::span<const std::size_t> batch : bs) {
                    const std::size_t expected = k + 1 < count ? b : n - first;
                    BOOST_TEST(batch.size() == expected);
                    // A view into the order, not a copy.
                    BOOST_TEST(batch.data() == order.data() + first);
                    first += batch.size();
                    ++k;
                }
                BOOST_TEST(k == count);
                BOOST_TEST(first == n);
                // Joined, the batches are the order.
                BOOST_TEST((bs | ranges::views::join | ranges::to<std::vector>()) == order);
                if (count > 0)
                    BOOST_TEST(bs[count - 1].size() == (n % b == 0 ? b : n % b));
            }
        }
}

BOOST_AUTO_TEST_CASE(batch_size_zero_is_refused) {
    const std::vector<std::size_t> order{0, 1, 2};
    BOOST_CHECK_THROW(tn::train::batches(order, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(iterating_allocates_nothing) {
    const auto order = tn::train::epoch_order(1000, 3, 0);
    const std::size_t before = allocations;
    std::size_t sum = 0, count = 0;
    for (const auto batch : tn::train::batches(order, 64)) {
        for (std::size_t i : batch)
            sum += i;
        ++count;
    }
    BOOST_TEST(allocations - before == 0u);
    BOOST_TEST(count == 16u);
    BOOST_TEST(sum == 999u * 1000u / 2u);
}

BOOST_AUTO_TEST_SUITE_END()
