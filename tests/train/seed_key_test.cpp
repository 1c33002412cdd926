// seed_key(seed, stream): splitmix64's stream-th output of the seed, as tests/data/
// gen_train_streams.py computes it; the streams a run uses have distinct keys.
#define BOOST_TEST_MODULE seed_key
#include "typenet/train/seed_key.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <set>
#include <utility>

#include "../data/train_streams_reference.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::train_streams;

BOOST_AUTO_TEST_CASE(keys_match_python) {
    for (const auto& c : ref::key_cases) {
        const tn::philox4x32_key k = tn::train::seed_key(c.seed, c.stream);
        BOOST_TEST(k[0] == c.key[0], "seed " << c.seed << " stream " << c.stream);
        BOOST_TEST(k[1] == c.key[1], "seed " << c.seed << " stream " << c.stream);
    }
}

BOOST_AUTO_TEST_CASE(splitmix64_first_output) {
    // splitmix64 seeded with 0 starts 0xE220A8397B1DCDAF (Vigna's reference implementation).
    BOOST_TEST(tn::train::splitmix64_mix(0x9E3779B97F4A7C15ull) == 0xE220A8397B1DCDAFull);
    static_assert(tn::train::seed_key(0, 1)[0] == 0x7B1DCDAFu);
}

BOOST_AUTO_TEST_CASE(streams_of_a_seed_have_distinct_keys) {
    for (std::uint64_t seed : {0ull, 1ull, 42ull, ~0ull}) {
        std::set<std::pair<std::uint32_t, std::uint32_t>> keys;
        keys.insert({static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
        for (std::uint64_t stream = 1; stream < 64; ++stream) {
            const auto k = tn::train::seed_key(seed, stream);
            keys.insert({k[0], k[1]});
        }
        // 63 streams and dropout's key (the seed itself): 64 different keys.
        BOOST_TEST(keys.size() == 64u, "seed " << seed);
    }
    BOOST_TEST(tn::train::augment_stream(0) != tn::train::epoch_order_stream);
}
