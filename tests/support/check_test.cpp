// The element-wise check of tests/support/check.hpp must catch a wrong small element next to
// large ones. The bound it replaced, rtol · (|e| + max|e|), scaled every element's tolerance by
// the largest one, so a wrong element far below the largest passed; this unit computes that
// formula too, to show the contrast on the same numbers.
#define BOOST_TEST_MODULE support.check
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "check.hpp"

namespace tt = typenet::test;

namespace {

/// The replaced check: does every element satisfy |a - e| <= rtol · (|e| + max|e|)?
template<std::size_t N>
bool passes_scaled_by_largest(const std::array<double, N>& a, const std::array<double, N>& e,
                              double rtol) {
    const double scale = tt::max_abs(e);
    for (std::size_t i = 0; i < N; ++i)
        if (!(std::abs(a[i] - e[i]) <= rtol * (std::abs(e[i]) + scale)))
            return false;
    return true;
}

// Elements of size 1e3 beside one of 1e-6 that came out as 1e-3: a thousand times too large.
constexpr std::array<double, 4> expected{1e3, 1e-6, -2e3, 5e2};
constexpr std::array<double, 4> wrong_small{1e3, 1e-3, -2e3, 5e2};
constexpr double rtol = 2e-5; // the float tolerance of the op tests
constexpr double abs_floor = 1e-9;

} // namespace

BOOST_AUTO_TEST_CASE(a_wrong_small_element_fails_now_and_passed_before) {
    // Before: the bound at element 1 was 2e-5 · (1e-6 + 2e3) = 0.04, far above the error 1e-3.
    BOOST_TEST(passes_scaled_by_largest(wrong_small, expected, rtol));
    // Now: the bound is 2e-5 · 1e-6 + 1e-9, about 1e-9.
    const tt::comparison c = tt::compare_close(wrong_small, expected, rtol, abs_floor);
    BOOST_TEST(c.size == 4u);
    BOOST_TEST(c.failures == 1u);
    BOOST_TEST(c.worst_index == 1u);
    BOOST_TEST_REQUIRE(c.first.size() == 1u);
    BOOST_TEST_MESSAGE(c.first[0]);
}

BOOST_AUTO_TEST_CASE(the_failure_names_index_values_and_bound) {
    const tt::comparison c = tt::compare_close(wrong_small, expected, rtol, abs_floor);
    BOOST_TEST_REQUIRE(c.first.size() == 1u);
    const std::string& line = c.first[0];
    BOOST_TEST(line.find("[1]") != std::string::npos, line);
    BOOST_TEST(line.find("= 0.001") != std::string::npos, line);          // the computed value
    BOOST_TEST(line.find("expected 9.99999") != std::string::npos, line); // 1e-6, 17 digits
    BOOST_TEST(line.find("> bound 1.02e-09") != std::string::npos, line); // 2e-5 · 1e-6 + 1e-9
    BOOST_TEST(line.find("atol 1e-09") != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(right_values_pass_within_their_own_bound) {
    // Every element off by 0.9 of its own bound passes; by 1.1 of it fails, whichever its size.
    std::array<double, 4> inside = expected, outside = expected;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const double b = tt::element_bound(expected[i], rtol, abs_floor);
        inside[i] += 0.9 * b;
        outside[i] -= 1.1 * b;
    }
    BOOST_TEST(tt::compare_close(inside, expected, rtol, abs_floor).failures == 0u);
    BOOST_TEST(tt::compare_close(outside, expected, rtol, abs_floor).failures == 4u);
    BOOST_TEST(tt::check_close(inside, expected, rtol, abs_floor, "inside") < 1.0);
}

BOOST_AUTO_TEST_CASE(the_floor_holds_an_expected_zero) {
    // An expected 0 (a cancelled sum) is bounded by atol alone.
    const std::array<double, 2> zero{0.0, 1.0};
    BOOST_TEST(
        tt::compare_close(std::array<double, 2>{5e-10, 1.0}, zero, rtol, abs_floor).failures == 0u);
    BOOST_TEST(
        tt::compare_close(std::array<double, 2>{2e-9, 1.0}, zero, rtol, abs_floor).failures == 1u);
}

BOOST_AUTO_TEST_CASE(nan_never_passes) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    BOOST_TEST(tt::compare_close(std::array<double, 1>{nan}, std::array<double, 1>{1.0}, 1.0, 1.0)
                   .failures == 1u);
    BOOST_TEST(tt::compare_close(std::array<double, 1>{1.0}, std::array<double, 1>{nan}, 1.0, 1.0)
                   .failures == 1u);
}
