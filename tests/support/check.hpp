#pragma once
// Shared helpers of the unit tests: deterministic random inputs and element-wise comparison of a
// computed range against reference numbers (the references come from tests/data/gen_*.py).

#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet::test {

/// Comparison tolerance for results computed in T from exact inputs: float keeps about seven
/// digits, double about sixteen; reference numbers are printed with 17 significant digits.
template<class T>
constexpr double tolerance() {
    return sizeof(T) >= sizeof(double) ? 1e-12 : 2e-5;
}

/// Copies reference numbers (double) into a tensor or view of T (element order = row-major).
template<class Dst, std::size_t N>
void load(Dst&& dst, const double (&src)[N]) {
    BOOST_TEST_REQUIRE(std::size(dst) == N);
    using value_type = std::remove_cvref_t<decltype(*std::begin(dst))>;
    std::transform(std::begin(src), std::end(src), std::begin(dst),
                   [](double v) { return static_cast<value_type>(v); });
}

/// A tensor<T, Shape> holding reference numbers.
template<class T, class Shape, std::size_t N>
tensor<T, Shape> from_ref(const double (&src)[N]) {
    static_assert(N == Shape::size, "reference array and tensor shape disagree");
    tensor<T, Shape> t;
    load(t, src);
    return t;
}

/// Largest magnitude of a range.
template<class R>
double max_abs(const R& r) {
    double m = 0;
    for (auto v : r)
        m = std::max(m, std::abs(static_cast<double>(v)));
    return m;
}

/// Checks every element: |a - e| <= rtol * (|e| + max|e|). The second term makes the bound
/// absolute for elements that are small only because of cancellation in a sum of larger terms.
template<class A, class E>
void check_close(const A& actual, const E& expected, double rtol, const std::string& what) {
    const std::size_t n =
        static_cast<std::size_t>(std::distance(std::begin(actual), std::end(actual)));
    const std::size_t m =
        static_cast<std::size_t>(std::distance(std::begin(expected), std::end(expected)));
    BOOST_TEST_REQUIRE(n == m, what << ": " << n << " values computed, " << m << " expected");
    const double scale = max_abs(expected);
    auto a = std::begin(actual);
    auto e = std::begin(expected);
    std::size_t failures = 0;
    for (std::size_t i = 0; i < n; ++i, ++a, ++e) {
        const double av = static_cast<double>(*a), ev = static_cast<double>(*e);
        const bool ok = std::abs(av - ev) <= rtol * (std::abs(ev) + scale);
        if (!ok && ++failures <= 5)
            BOOST_ERROR(what << "[" << i << "] = " << av << ", expected " << ev << " (tolerance "
                             << rtol << ")");
    }
    BOOST_TEST(failures == 0u, what << ": " << failures << " of " << n << " values differ");
}

/// Norm-wise relative difference ||a - b|| / max(1e-8, ||a|| + ||b||): the gradient-check metric.
template<class A, class B>
double relative_error(const A& a, const B& b) {
    double diff = 0, na = 0, nb = 0;
    auto j = std::begin(b);
    for (auto i = std::begin(a); i != std::end(a); ++i, ++j) {
        const double x = static_cast<double>(*i), y = static_cast<double>(*j);
        diff += (x - y) * (x - y);
        na += x * x;
        nb += y * y;
    }
    return std::sqrt(diff) / std::max(1e-8, std::sqrt(na) + std::sqrt(nb));
}

/// Deterministic uniform numbers in [lo, hi) (fixed seed: every run sees the same inputs).
template<class R>
void fill_uniform(R&& r, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> dist(lo, hi);
    using value_type = std::remove_cvref_t<decltype(*std::begin(r))>;
    for (auto& v : r)
        v = static_cast<value_type>(dist(gen));
}

} // namespace typenet::test
