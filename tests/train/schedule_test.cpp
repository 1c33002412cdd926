// train::schedule (include/typenet/train/schedule.hpp): one_cycle against torch's OneCycleLR
// (tests/optim/gen_optim_reference.py, PyTorch 1.13), the other kinds by hand, and the checks
// that refuse a schedule that cannot run.
#define BOOST_TEST_MODULE train.schedule
#include "typenet/train/schedule.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace tt = typenet::train;
namespace utf = boost::unit_test;

BOOST_AUTO_TEST_CASE(one_cycle_matches_pytorch) {
    // clang-format off
    constexpr double twenty[20] = {0.0040000000000000036, 0.013167184270002533, 0.037167184270002526, 0.066832815729997469, 0.090832815729997476, 0.10000000000000001, 0.098746400623508743, 0.095048463201347383, 0.089091617757105002, 0.081174565394976306, 0.071694300179130088, 0.06112620219362893, 0.050000200000000002, 0.038874197806371073, 0.028306099820869922, 0.018825834605023701, 0.010908782242895003, 0.0049519367986526289, 0.0012539993764912555, 3.9999999999999998e-07};
    constexpr double seven[7] = {0.0040000000000000036, 0.037167184270002526, 0.090832815729997476, 0.095048463201347383, 0.06112620219362893, 0.018825834605023701, 3.9999999999999998e-07};
    // clang-format on
    const auto a = tt::schedule::one_cycle(0.1, 20, 0.3);
    a.validate();
    for (std::size_t s = 0; s < 20; ++s)
        BOOST_TEST(a.at(s) == twenty[s], "step " << s << boost::test_tools::tolerance(1e-12));
    const auto b = tt::schedule::one_cycle(0.1, 7, 0.5);
    for (std::size_t s = 0; s < 7; ++s)
        BOOST_TEST(b.at(s) == seven[s], "step " << s << boost::test_tools::tolerance(1e-12));
    // Past the end the last rate holds.
    BOOST_TEST(a.at(25) == twenty[19], boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(cosine_with_warm_up_by_hand) {
    const auto c = tt::schedule::cosine(0.2, 14, 4, 0.02);
    c.validate();
    // Warm-up: 0.2 * (s + 1) / 4.
    BOOST_TEST(c.at(0) == 0.05, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(c.at(3) == 0.2, boost::test_tools::tolerance(1e-15));
    // Then 0.02 + 0.18 * (1 + cos(pi * (s - 4) / 10)) / 2.
    for (std::size_t s = 4; s < 14; ++s)
        BOOST_TEST(c.at(s) ==
                       0.02 + 0.18 * (1 + std::cos(std::numbers::pi * double(s - 4) / 10)) / 2,
                   boost::test_tools::tolerance(1e-15));
    BOOST_TEST(c.at(14) == 0.02, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(step_and_constant_by_hand) {
    const auto s = tt::schedule::step_decay(0.1, 3, 0.5);
    BOOST_TEST(s.at(0) == 0.1);
    BOOST_TEST(s.at(2) == 0.1);
    BOOST_TEST(s.at(3) == 0.05);
    BOOST_TEST(s.at(8) == 0.025);
    BOOST_TEST(tt::schedule::constant(0.3).at(1000) == 0.3);
}

BOOST_AUTO_TEST_CASE(refuses_what_cannot_run) {
    const auto refused = [](const tt::schedule& s, const char* part) {
        try {
            s.validate();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what()).find(part) != std::string::npos;
        }
        return false;
    };
    BOOST_TEST(refused(tt::schedule::one_cycle(0.1, 1), "total_steps >= 2"));
    BOOST_TEST(refused(tt::schedule::one_cycle(0.1, 3, 0.3), "pct_start * total_steps"));
    BOOST_TEST(refused(tt::schedule::cosine(0.1, 10, 10), "warmup_steps (10)"));
    BOOST_TEST(refused(tt::schedule::cosine(0.1, 0), "cosine needs total_steps"));
    BOOST_TEST(refused(tt::schedule::step_decay(0.1, 0, 0.5), "step_size"));
    BOOST_TEST(refused(tt::schedule::constant(std::nan("")), "invalid learning rate"));
    BOOST_CHECK_NO_THROW(tt::schedule::one_cycle(0.1, 4, 0.5).validate());
}

BOOST_AUTO_TEST_CASE(describes_itself) {
    BOOST_TEST(tt::schedule::one_cycle(0.004, 4690).describe() ==
               "one_cycle(max 0.004, 4690 steps, 30% up)");
    BOOST_TEST(tt::schedule::step_decay(0.002, 469, 0.9).describe() ==
               "step(0.002, x0.9 every 469 steps)");
}
