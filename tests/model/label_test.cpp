// checked_label (include/typenet/model/label.hpp) and the entry points that take labels: a label
// of any integer type is checked with its sign, so -1 is reported as -1 and never wraps to
// 2^64 - 1; floating, bool and character labels are refused at compile time.
#define BOOST_TEST_MODULE model.label
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "typenet.hpp"

namespace tn = typenet;

static_assert(tn::is_label_type_v<int> && tn::is_label_type_v<std::uint8_t> &&
              tn::is_label_type_v<long long> && tn::is_label_type_v<std::size_t>);
static_assert(!tn::is_label_type_v<bool> && !tn::is_label_type_v<char> &&
              !tn::is_label_type_v<double> && !tn::is_label_type_v<char8_t>);

namespace {
/// The message of the std::out_of_range that f throws ("" if it throws none).
template<class F>
std::string out_of_range_message(F f) {
    try {
        f();
    } catch (const std::out_of_range& e) {
        return e.what();
    }
    return "";
}
} // namespace

BOOST_AUTO_TEST_CASE(indices_of_every_integer_type) {
    BOOST_TEST(tn::checked_label(3, 4) == 3u);
    BOOST_TEST(tn::checked_label(std::uint8_t{0}, 4) == 0u);
    BOOST_TEST(tn::checked_label(std::int64_t{3}, 4) == 3u);
    BOOST_TEST(tn::checked_label(short{2}, 4) == 2u);
}

BOOST_AUTO_TEST_CASE(negative_labels_are_named_as_written) {
    const std::string m = out_of_range_message([] { (void)tn::checked_label(-1, 4); });
    BOOST_TEST(m == "typenet: label -1 is out of range for 4 classes (valid labels are 0..3)");
    BOOST_TEST(
        !out_of_range_message([] { (void)tn::checked_label(std::int8_t{-128}, 4); }).empty());
    BOOST_TEST(!out_of_range_message([] { (void)tn::checked_label(INT64_MIN, 4); }).empty());
}

BOOST_AUTO_TEST_CASE(labels_from_the_class_count_up_are_refused) {
    BOOST_TEST(out_of_range_message([] { (void)tn::checked_label(4, 4); }) ==
               "typenet: label 4 is out of range for 4 classes (valid labels are 0..3)");
    BOOST_TEST(!out_of_range_message([] { (void)tn::checked_label(SIZE_MAX, 4); }).empty());
    BOOST_TEST(
        !out_of_range_message([] { (void)tn::checked_label(std::uint8_t{255}, 10); }).empty());
}

BOOST_AUTO_TEST_CASE(model_and_workspace_check_signed_labels) {
    using model_t = tn::model<tn::dsl::seed_net, tn::dsl::seed_input>;
    model_t m;
    const model_t::input_type x{};
    const std::string msg = out_of_range_message([&] { (void)m.forward_backward(x, -1); });
    BOOST_TEST(msg.find("label -1 ") != std::string::npos);
    for (float g : m.gradients()) // nothing was added
        BOOST_TEST(g == 0.0f);
    BOOST_TEST(std::isfinite(m.forward_backward(x, 3)));
    using ws_t = model_t::workspace_type;
    BOOST_TEST(ws_t::check_label(-0) == 0u);
    BOOST_CHECK_THROW((void)ws_t::check_label(-3), std::out_of_range);
    BOOST_CHECK_THROW((void)ws_t::check_label(4u), std::out_of_range);
}
