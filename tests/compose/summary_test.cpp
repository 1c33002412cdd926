// summary<Net, In, T>() (include/typenet/compose/summary.hpp): one row per node of the program
// with its path, layer, input and output shapes, parameter count and offset, MACs and activation
// bytes per sample, then the totals. The figures themselves are checked against hand formulas in
// figures_test.cpp; here, that the table shows them where a reader looks.
#define BOOST_TEST_MODULE compose.summary
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
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
    const std::vector<std::string> header{"#",      "path",   "layer", "input",    "output",
                                          "params", "offset", "MACs",  "act_bytes"};
    // index, path, layer, input, output, params, offset, MACs, activation bytes (float)
    const std::vector<std::vector<std::string>> expected{
        {"0", "0", "conv<5,5,filters<6>>", "1x28x28", "6x24x24", "156", "0", "86400", "13824"},
        {"1", "1", "relu", "6x24x24", "6x24x24", "0", "156", "0", "13824"},
        {"2", "2", "maxpool<2>", "6x24x24", "6x12x12", "0", "156", "0", "3456"},
        {"3", "3", "conv<5,5,filters<16>>", "6x12x12", "16x8x8", "2416", "156", "153600", "4096"},
        {"4", "4", "relu", "16x8x8", "16x8x8", "0", "2572", "0", "4096"},
        {"5", "5", "maxpool<2>", "16x8x8", "16x4x4", "0", "2572", "0", "1024"},
        {"6", "6", "dense<120>", "16x4x4", "120", "30840", "2572", "30720", "480"},
        {"7", "7", "relu", "120", "120", "0", "33412", "0", "480"},
        {"8", "8", "dense<84>", "120", "84", "10164", "33412", "10080", "336"},
        {"9", "9", "relu", "84", "84", "0", "43576", "0", "336"},
        {"10", "10", "dense<10>", "84", "10", "850", "43576", "840", "40"},
        {"11", "11", "softmax_ce", "10", "10", "0", "44426", "0", "0"},
    };
    BOOST_TEST_REQUIRE(r.size() == expected.size() + 5); // header and four totals
    BOOST_TEST(r.front() == header, boost::test_tools::per_element());
    for (std::size_t i = 0; i < expected.size(); ++i)
        BOOST_TEST(r[i + 1] == expected[i], boost::test_tools::per_element());
    const std::vector<std::vector<std::string>> totals{
        {"total", "parameters:", "44426"},
        {"total", "buffers:", "0"},
        {"total", "MACs", "per", "sample:", "281640"},
        {"total", "activation", "bytes", "per", "sample:", "41992", "(4-byte", "values;", "input",
         "3136)"},
    };
    for (std::size_t i = 0; i < totals.size(); ++i)
        BOOST_TEST(r[expected.size() + 1 + i] == totals[i], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(double_values_double_the_activation_bytes) {
    const auto r = rows(tn::summary<tn::dsl::lenet5, tn::dsl::lenet5_input, double>());
    BOOST_TEST(r.at(1).at(8) == "27648");
    BOOST_TEST(r.back().at(5) == "83984");
    BOOST_TEST(r.back().at(6) == "(8-byte");
}

// A residual network reads by its PyTorch paths: the block's layers, the shortcut's, the add.
BOOST_AUTO_TEST_CASE(resnet_rows) {
    const auto r = rows(tn::summary<tn::dsl::resnet<8, 1>, tn::dsl::resnet_fmnist_input>());
    BOOST_TEST_REQUIRE(r.size() == 31u + 5u);
    const std::vector<std::vector<std::string>> expected{
        {"3", "3.block.0", "conv<3,3,filters<8>,padding<1>>", "8x28x28", "8x28x28", "584", "96",
         "451584", "25088"},
        {"8", "3", "add", "8x28x28", "8x28x28", "0", "1296", "0", "25088"},
        {"15", "5.shortcut.0", "conv<1,1,filters<16>,stride<2>>", "8x28x28", "16x14x14", "144",
         "4848", "25088", "12544"},
        {"16", "5.shortcut.1", "batch_norm", "16x14x14", "16x14x14", "32", "4992", "0", "12544"},
        {"17", "5", "add", "16x14x14", "16x14x14", "0", "5024", "0", "12544"},
    };
    for (const auto& row : expected)
        BOOST_TEST(r.at(std::stoul(row[0]) + 1) == row, boost::test_tools::per_element());
    const std::vector<std::string> buffers{"total", "buffers:", "336"};
    BOOST_TEST(r.at(33) == buffers, boost::test_tools::per_element());
    BOOST_TEST(r.at(34).back() == "2364864");
}

BOOST_AUTO_TEST_CASE(seed_net_rows) {
    const auto r = rows(tn::summary<tn::dsl::seed_net, tn::dsl::seed_input>());
    BOOST_TEST_REQUIRE(r.size() == 9u);
    // 1x5x5 -> conv 2x2 -> 1x4x4: 16 outputs, 4 products each.
    const std::vector<std::string> conv{
        "0", "0", "conv<2,2,filters<1>>", "1x5x5", "1x4x4", "5", "0", "64", "64"};
    const std::vector<std::string> pool{"2", "2", "maxpool<2>", "1x4x4", "1x2x2",
                                        "0", "5", "0",          "16"};
    BOOST_TEST(r[1] == conv, boost::test_tools::per_element());
    BOOST_TEST(r[3] == pool, boost::test_tools::per_element());
    BOOST_TEST(r[5].back() == "5");
}
