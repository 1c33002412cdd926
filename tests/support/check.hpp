#pragma once
// Shared helpers of the unit tests: deterministic random inputs and element-wise comparison of a
// computed range against reference numbers (the references come from tests/data/gen_*.py).

#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet::test {

/// Relative tolerance for results computed in T from inputs exact in T: float keeps about seven
/// digits, double about sixteen; reference numbers are printed with 17 significant digits. The
/// absolute floor that goes with it depends on the computation and is stated by each test.
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

/// ⟨a, b⟩ = Σ a[k]·b[k] in double, over the elements of two ranges of the same size in order
/// (the two sides of an adjoint identity ⟨f(a), b⟩ = ⟨a, f*(b)⟩).
template<class A, class B>
double inner_product(const A& a, const B& b) {
    BOOST_TEST_REQUIRE(std::size(a) == std::size(b));
    double sum = 0;
    auto j = std::begin(b);
    for (auto v : a)
        sum += static_cast<double>(v) * static_cast<double>(*j++);
    return sum;
}

/// The bound one element is held to: rtol · |e| + atol. Each element is bounded by its own
/// magnitude, so a wrong small element is caught next to large ones; atol is the floor for
/// elements that are small only because larger terms cancelled, where rounding is absolute.
inline double element_bound(double expected, double rtol, double atol) {
    return rtol * std::abs(expected) + atol;
}

/// Outcome of an element-wise comparison, without reporting it (check_close reports).
struct comparison {
    std::size_t size = 0;           ///< elements compared
    std::size_t failures = 0;       ///< elements outside their bound (or NaN)
    std::vector<std::string> first; ///< descriptions of the first few failures
    double worst_ratio = 0;         ///< largest |a - e| / bound seen
    std::size_t worst_index = 0;    ///< where it was
    /// How much tighter than the bound rtol · (|e| + max|e|) used before this is, at the element
    /// where the two differ most (the smallest one): the largest old bound / new bound.
    double tightening = 1;
};

/// One failing element, as check_close prints it: index, both values, the difference and the
/// bound with its parts.
inline std::string describe(std::size_t i, double actual, double expected, double rtol,
                            double atol) {
    std::ostringstream s;
    s << std::setprecision(17) << "[" << i << "] = " << actual << ", expected " << expected
      << std::setprecision(6) << ": |difference| " << std::abs(actual - expected) << " > bound "
      << element_bound(expected, rtol, atol) << " (rtol " << rtol << " * |expected| + atol " << atol
      << ")";
    return s.str();
}

/// Compares every element: |a - e| <= rtol · |e| + atol. Sizes must agree (checked by the caller).
template<class A, class E>
comparison compare_close(const A& actual, const E& expected, double rtol, double atol) {
    comparison c;
    const double scale = max_abs(expected);
    auto a = std::begin(actual);
    auto e = std::begin(expected);
    for (std::size_t i = 0; a != std::end(actual) && e != std::end(expected); ++i, ++a, ++e) {
        const double av = static_cast<double>(*a), ev = static_cast<double>(*e);
        const double bound = element_bound(ev, rtol, atol);
        const double diff = std::abs(av - ev);
        ++c.size;
        if (bound > 0)
            c.tightening = std::max(c.tightening, rtol * (std::abs(ev) + scale) / bound);
        // Written so that a NaN on either side fails.
        if (!(diff <= bound)) {
            if (++c.failures <= 5)
                c.first.push_back(describe(i, av, ev, rtol, atol));
            c.worst_ratio = std::numeric_limits<double>::infinity();
            c.worst_index = i;
        } else if (bound > 0 && diff / bound > c.worst_ratio) {
            c.worst_ratio = diff / bound;
            c.worst_index = i;
        }
    }
    return c;
}

/// Checks every element: |a - e| <= rtol · |e| + atol, with atol chosen by the caller for the
/// computation under test (no default: the floor that suits a sum of a few exact products does not
/// suit a central difference). Reports up to five failing elements, and at message level how
/// close the worst element came to its bound. Returns that ratio (1 = on the bound).
template<class A, class E>
double check_close(const A& actual, const E& expected, double rtol, double atol,
                   const std::string& what) {
    const std::size_t n =
        static_cast<std::size_t>(std::distance(std::begin(actual), std::end(actual)));
    const std::size_t m =
        static_cast<std::size_t>(std::distance(std::begin(expected), std::end(expected)));
    BOOST_TEST_REQUIRE(n == m, what << ": " << n << " values computed, " << m << " expected");
    const comparison c = compare_close(actual, expected, rtol, atol);
    for (const auto& line : c.first)
        BOOST_ERROR(what << line);
    BOOST_TEST(c.failures == 0u, what << ": " << c.failures << " of " << n << " values differ");
    BOOST_TEST_MESSAGE(what << ": " << n << " values, worst |difference| / bound " << c.worst_ratio
                            << " at [" << c.worst_index << "]; up to " << c.tightening
                            << " times tighter than rtol * (|e| + max|e|)");
    return c.worst_ratio;
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
