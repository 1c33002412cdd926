// Philox4x32 (include/typenet/random/philox.hpp): Random123's known answers, at compile time and
// at run time; the Bernoulli threshold and the uniform conversions; and statistics of the words
// (kept fractions and correlations between neighbouring counters, keys and words, each within 5
// standard deviations of what independent uniform words give; with 3 rounds the correlations are
// hundreds of standard deviations, so the check can fail).
// Known answers: tests/kat_vectors of Random123 (github.com/DEShawResearch/random123), the
// philox4x32 lines: counter and key zero, all ones, and the hexadecimal digits of pi.
#define BOOST_TEST_MODULE random.philox
#include "typenet/random/philox.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace tn = typenet;
using tn::philox4x32_counter;
using tn::philox4x32_key;

namespace {

struct known_answer {
    philox4x32_counter counter;
    philox4x32_key key;
    philox4x32_counter expected;
};

constexpr known_answer pi_digits_10{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                                    {0xa4093822, 0x299f31d0},
                                    {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};

constexpr std::array<known_answer, 3> philox4x32_10_answers{{
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    pi_digits_10,
}};

constexpr std::array<known_answer, 3> philox4x32_7_answers{{
    {{0, 0, 0, 0}, {0, 0}, {0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a}},
}};

// The generator is constexpr: the pi-digits answer, and the other two, hold at compile time.
static_assert(tn::philox4x32(pi_digits_10.counter, pi_digits_10.key) == pi_digits_10.expected);
static_assert(tn::philox4x32(philox4x32_10_answers[0].counter, philox4x32_10_answers[0].key) ==
              philox4x32_10_answers[0].expected);
static_assert(tn::philox4x32(philox4x32_10_answers[1].counter, philox4x32_10_answers[1].key) ==
              philox4x32_10_answers[1].expected);
static_assert(tn::probability_threshold(1, 2) == 0x80000000u);
static_assert(tn::uniform_float(0xffffffffu) < 1.0f);

std::string hex_words(const philox4x32_counter& w) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (std::uint32_t v : w) {
        s += ' ';
        for (int shift = 28; shift >= 0; shift -= 4)
            s += digits[(v >> shift) & 0xF];
    }
    return s;
}

/// |observed - expected| in standard deviations of a binomial count of n trials of probability q.
double binomial_sigmas(double count, double n, double q) {
    return std::abs(count - n * q) / std::sqrt(n * q * (1 - q));
}

/// Pearson correlation of paired samples, accumulated; for independent pairs sqrt(n) · r is about
/// standard normal, so |r| · sqrt(n) < 5 is the 5-sigma bound.
struct correlation {
    double n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    void add(double a, double b) {
        n += 1, sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
    }
    double r() const {
        const double cov = sab / n - (sa / n) * (sb / n);
        return cov / std::sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
    }
    double sigmas() const { return std::abs(r()) * std::sqrt(n); }
};

constexpr philox4x32_key stats_key{0x9e3779b9u, 0x7f4a7c15u};

} // namespace

BOOST_AUTO_TEST_CASE(known_answers_10_rounds) {
    for (const auto& a : philox4x32_10_answers) {
        const auto out = tn::philox4x32(a.counter, a.key);
        BOOST_TEST((out == a.expected), "philox4x32-10" << hex_words(a.counter) << " key"
                                                        << hex_words({a.key[0], a.key[1], 0, 0})
                                                        << ":" << hex_words(out) << ", expected"
                                                        << hex_words(a.expected));
    }
}

BOOST_AUTO_TEST_CASE(known_answers_7_rounds) {
    // The round count is a parameter: Random123's 7-round answers check the key schedule apart
    // from the last three rounds.
    for (const auto& a : philox4x32_7_answers) {
        const auto out = tn::philox4x32_rounds<7>(a.counter, a.key);
        BOOST_TEST((out == a.expected), "philox4x32-7" << hex_words(a.counter) << ":"
                                                       << hex_words(out) << ", expected"
                                                       << hex_words(a.expected));
    }
}

BOOST_AUTO_TEST_CASE(probability_threshold_is_the_floor_of_p_times_2_to_32) {
    BOOST_TEST(tn::probability_threshold(0, 1) == 0u);
    BOOST_TEST(tn::probability_threshold(1, 2) == 0x80000000u);
    BOOST_TEST(tn::probability_threshold(3, 8) == 0x60000000u);
    BOOST_TEST(tn::probability_threshold(1, 10) == 429496729u);  // 429496729.6
    BOOST_TEST(tn::probability_threshold(9, 10) == 3865470566u); // 3865470566.4
    BOOST_TEST(tn::probability_threshold(1, 3) == 0x55555555u);  // 1431655765.33
    BOOST_TEST(tn::probability_threshold(2, 3) == 0xaaaaaaaau);  // 2863311530.67
    BOOST_TEST(tn::probability_threshold(1, 4294967296u) == 1u); // 2^-32 exactly
    BOOST_TEST(tn::probability_threshold(1, 4294967297u) == 0u); // just below
    BOOST_TEST(tn::probability_threshold(4294967296u - 1, 4294967296u) == 0xffffffffu);
    // The largest std::ratio denominators, and beyond 2^63 (where 2·rest overflows 64 bits).
    constexpr std::uint64_t big = 0x7fffffffffffffffu, top = 0xffffffffffffffffu;
    BOOST_TEST(tn::probability_threshold(big / 2, big) == 0x7fffffffu);
    BOOST_TEST(tn::probability_threshold(big - 1, big) == 0xffffffffu);
    BOOST_TEST(tn::probability_threshold(std::uint64_t{1} << 63, top) == 0x80000000u);
    BOOST_TEST(tn::probability_threshold(top - 1, top) == 0xffffffffu);
    BOOST_TEST(tn::probability_threshold(top / 3, top) == 0x55555555u);
}

BOOST_AUTO_TEST_CASE(uniform_conversions_are_exact_and_below_one) {
    BOOST_TEST(tn::uniform_float(0) == 0.0f);
    BOOST_TEST(tn::uniform_float(0xff) == 0.0f); // the low 8 bits do not count
    BOOST_TEST(tn::uniform_float(0x100) == 0x1p-24f);
    BOOST_TEST(tn::uniform_float(0x80000000u) == 0.5f);
    BOOST_TEST(tn::uniform_float(0xffffffffu) == 1.0f - 0x1p-24f);
    BOOST_TEST(tn::uniform_double(0) == 0.0);
    BOOST_TEST(tn::uniform_double(1) == 0x1p-32);
    BOOST_TEST(tn::uniform_double(0x80000000u) == 0.5);
    BOOST_TEST(tn::uniform_double(0xffffffffu) == 1.0 - 0x1p-32);
    // Exact: the double is the integer over 2^32 and the float the top 24 bits over 2^24.
    for (std::uint32_t bits : {0x12345678u, 0xdeadbeefu, 0xfffffeffu, 0x00ffff01u}) {
        BOOST_TEST(tn::uniform_double(bits) * 0x1p32 == static_cast<double>(bits));
        BOOST_TEST(static_cast<double>(tn::uniform_float(bits)) * 0x1p24 ==
                   static_cast<double>(bits >> 8));
    }
}

BOOST_AUTO_TEST_CASE(kept_fraction_within_5_sigma) {
    // 10^6 words (250000 counters) per probability; "kept" is bits >= threshold.
    constexpr std::size_t calls = 250000;
    for (const auto [num, den] : {std::array<std::uint64_t, 2>{1, 10}, {1, 2}, {9, 10}}) {
        const std::uint32_t t = tn::probability_threshold(num, den);
        double kept = 0;
        for (std::uint32_t g = 0; g < calls; ++g)
            for (std::uint32_t w : tn::philox4x32({g, 7, 0, 0}, stats_key))
                kept += w >= t;
        const double q = 1 - static_cast<double>(num) / static_cast<double>(den);
        const double sigmas = binomial_sigmas(kept, 4.0 * calls, q);
        BOOST_TEST(sigmas < 5.0, "p = " << num << "/" << den << ": " << kept << " of " << 4 * calls
                                        << " kept, " << sigmas << " sigma");
        BOOST_TEST_MESSAGE("p = " << num << "/" << den << ": kept fraction " << kept / (4.0 * calls)
                                  << ", " << sigmas << " sigma from " << q);
    }
}

BOOST_AUTO_TEST_CASE(uniform_mean_within_5_sigma) {
    // The mean of n uniform [0, 1) numbers has standard deviation 1 / sqrt(12 n).
    constexpr std::size_t calls = 250000;
    double sum_double = 0, sum_float = 0;
    for (std::uint32_t g = 0; g < calls; ++g)
        for (std::uint32_t w : tn::philox4x32({g, 0, 11, 0}, stats_key)) {
            sum_double += tn::uniform_double(w);
            sum_float += tn::uniform_float(w);
        }
    const double n = 4.0 * calls, sigma = 1 / std::sqrt(12 * n);
    BOOST_TEST(std::abs(sum_double / n - 0.5) < 5 * sigma, "double mean " << sum_double / n);
    BOOST_TEST(std::abs(sum_float / n - 0.5 + 0x1p-25) < 5 * sigma, "float mean " << sum_float / n);
}

BOOST_AUTO_TEST_CASE(neighbouring_counters_and_keys_uncorrelated) {
    // Dropout gives neighbouring samples (and steps, layers, element groups) counters that differ
    // by one in one word, and neighbouring seeds keys that differ by one: their keep decisions,
    // and the words themselves, must be uncorrelated. 10^6 word pairs for each neighbour.
    constexpr std::size_t calls = 250000;
    const std::uint32_t t = tn::probability_threshold(1, 2);
    const std::uint32_t t10 = tn::probability_threshold(1, 10);
    for (std::size_t neighbour = 0; neighbour < 6; ++neighbour) {
        correlation keep_half, keep_tenth, uniform;
        for (std::uint32_t g = 0; g < calls; ++g) {
            // Counter (2g, 5, 9, 3): word 0 steps by 2 so that neighbours of different g differ.
            philox4x32_counter c{2 * g, 5, 9, 3};
            philox4x32_key k = stats_key;
            const auto a = tn::philox4x32(c, k);
            if (neighbour < 4)
                c[neighbour] += 1;
            else
                k[neighbour - 4] += 1;
            const auto b = tn::philox4x32(c, k);
            for (std::size_t j = 0; j < 4; ++j) {
                keep_half.add(a[j] >= t, b[j] >= t);
                keep_tenth.add(a[j] >= t10, b[j] >= t10);
                uniform.add(tn::uniform_double(a[j]), tn::uniform_double(b[j]));
            }
        }
        // Built with += (g++ 12 -O3 warns -Wrestrict, falsely, on "literal" + std::string&&).
        std::string what = neighbour < 4 ? "counter word " : "key word ";
        what += std::to_string(neighbour < 4 ? neighbour : neighbour - 4);
        BOOST_TEST(keep_half.sigmas() < 5.0, what << " + 1, p = 1/2: r = " << keep_half.r());
        BOOST_TEST(keep_tenth.sigmas() < 5.0, what << " + 1, p = 1/10: r = " << keep_tenth.r());
        BOOST_TEST(uniform.sigmas() < 5.0, what << " + 1, uniforms: r = " << uniform.r());
        BOOST_TEST_MESSAGE(what << " + 1: " << keep_half.sigmas() << ", " << keep_tenth.sigmas()
                                << ", " << uniform.sigmas() << " sigma");
    }
}

BOOST_AUTO_TEST_CASE(words_of_one_call_uncorrelated) {
    // Dropout uses the four words of a call for four neighbouring elements.
    constexpr std::size_t calls = 250000;
    std::array<correlation, 3> pairs;
    for (std::uint32_t g = 0; g < calls; ++g) {
        const auto w = tn::philox4x32({g, 1, 2, 3}, stats_key);
        for (std::size_t j = 0; j < 3; ++j)
            pairs[j].add(tn::uniform_double(w[j]), tn::uniform_double(w[j + 1]));
    }
    for (std::size_t j = 0; j < 3; ++j)
        BOOST_TEST(pairs[j].sigmas() < 5.0,
                   "words " << j << " and " << j + 1 << ": r = " << pairs[j].r());
}

BOOST_AUTO_TEST_CASE(the_correlation_check_detects_too_few_rounds) {
    // The check above has power: with 3 rounds instead of 10, the words of neighbouring counters
    // are correlated far beyond 5 sigma (hundreds of sigma for every counter word).
    constexpr std::size_t calls = 250000;
    for (std::size_t word = 0; word < 4; ++word) {
        correlation uniform;
        for (std::uint32_t g = 0; g < calls; ++g) {
            philox4x32_counter c{2 * g, 5, 9, 3};
            const auto a = tn::philox4x32_rounds<3>(c, stats_key);
            c[word] += 1;
            const auto b = tn::philox4x32_rounds<3>(c, stats_key);
            for (std::size_t j = 0; j < 4; ++j)
                uniform.add(tn::uniform_double(a[j]), tn::uniform_double(b[j]));
        }
        BOOST_TEST(uniform.sigmas() > 50.0,
                   "3 rounds, counter word " << word << " + 1: " << uniform.sigmas() << " sigma");
    }
}
