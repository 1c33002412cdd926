// summary<Net, In>() (include/typenet/compose/summary.hpp): one row per leaf layer with its
// input and output shapes, parameter count and offset, then the total.
#define BOOST_TEST_MODULE compose.summary
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;

std::vector<std::vector<std::string>> rows(const std::string& text) {
    std::vector<std::vector<std::string>> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::vector<std::string> row;
        for (std::string w; words >> w;)
            row.push_back(w);
        out.push_back(row);
    }
    return out;
}

BOOST_AUTO_TEST_CASE(lenet5_rows) {
    const auto r = rows(tn::summary<tn::dsl::lenet5, tn::dsl::lenet5_input>());
    // index, layer, input, output, params, offset
    const std::vector<std::vector<std::string>> expected{
        {"0", "conv<5,5,filters<6>>", "1x28x28", "6x24x24", "156", "0"},
        {"1", "relu", "6x24x24", "6x24x24", "0", "156"},
        {"2", "maxpool<2>", "6x24x24", "6x12x12", "0", "156"},
        {"3", "conv<5,5,filters<16>>", "6x12x12", "16x8x8", "2416", "156"},
        {"4", "relu", "16x8x8", "16x8x8", "0", "2572"},
        {"5", "maxpool<2>", "16x8x8", "16x4x4", "0", "2572"},
        {"6", "dense<120>", "16x4x4", "120", "30840", "2572"},
        {"7", "relu", "120", "120", "0", "33412"},
        {"8", "dense<84>", "120", "84", "10164", "33412"},
        {"9", "relu", "84", "84", "0", "43576"},
        {"10", "dense<10>", "84", "10", "850", "43576"},
        {"11", "softmax_ce", "10", "10", "0", "44426"},
    };
    BOOST_TEST_REQUIRE(r.size() == expected.size() + 2); // header and total
    BOOST_TEST(r.front().at(0) == "#");
    for (std::size_t i = 0; i < expected.size(); ++i)
        BOOST_TEST(r[i + 1] == expected[i], boost::test_tools::per_element());
    const std::vector<std::string> total{"total", "parameters:", "44426"};
    BOOST_TEST(r.back() == total, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seed_net_rows) {
    const auto r = rows(tn::summary<tn::dsl::seed_net, tn::dsl::seed_input>());
    BOOST_TEST_REQUIRE(r.size() == 6u);
    const std::vector<std::string> conv{"0", "conv<2,2,filters<1>>", "1x5x5", "1x4x4", "5", "0"};
    const std::vector<std::string> pool{"2", "maxpool<2>", "1x4x4", "1x2x2", "0", "5"};
    BOOST_TEST(r[1] == conv, boost::test_tools::per_element());
    BOOST_TEST(r[3] == pool, boost::test_tools::per_element());
    BOOST_TEST(r[5].back() == "5");
}
