// write_weights_header (io/weights_header.hpp): the header holds every parameter and buffer bit
// for bit (read back here from its hexadecimal literals), the signature and the layout key; a
// model with a NaN is refused with the tensor index and leaves an existing header untouched; an
// unwritable place is named. The Cortex-M4F example compiles such headers into firmware
// (examples/cortex_m4).
#define BOOST_TEST_MODULE io.weights_header
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/io/weights_header.hpp"
#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../support/files.hpp"
#include "typenet.hpp"

namespace tn = typenet;

namespace {

struct temp_dir : tn::test::temp_dir {
    temp_dir()
        : tn::test::temp_dir("typenet-wh-test-") {}
};

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The values of array `name` in header text `h`, parsed from their literals.
std::vector<double> array_values(const std::string& h, const std::string& name) {
    const auto start = h.find(" " + name + "[");
    BOOST_TEST_REQUIRE(start != std::string::npos);
    const auto open = h.find('{', start), close = h.find('}', open);
    std::vector<double> v;
    std::string body = h.substr(open + 1, close - open - 1);
    for (char& c : body)
        if (c == ',')
            c = ' ';
    std::istringstream words(body);
    for (std::string w; words >> w;) {
        if (w.back() == 'f') // the float suffix, after the exponent (0x1.8p-3f)
            w.pop_back();
        v.push_back(std::strtod(w.c_str(), nullptr));
    }
    return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_parameter_and_buffer_round_trips_exactly) {
    using net = tn::dsl::resnet_fmnist;
    using in = tn::dsl::resnet_fmnist_input;
    static tn::model<net, in> m;
    tn::init_parameters(m, tn::init_scheme::kaiming_uniform, 5);
    for (std::size_t i = 0; i < m.buffers().size(); ++i)
        m.buffers()[i] = 0.25f + static_cast<float>(i % 7) * 1e-3f;
    temp_dir dir;
    tn::write_weights_header(m, dir.path / "w.hpp", "resnet_weights", "w.safetensors");
    const std::string h = read_text(dir.path / "w.hpp");

    const auto params = array_values(h, "parameters");
    BOOST_TEST_REQUIRE(params.size() == m.parameter_count);
    for (std::size_t i = 0; i < params.size(); ++i)
        BOOST_TEST_REQUIRE(static_cast<float>(params[i]) == m.parameters()[i]);
    const auto buffers = array_values(h, "buffers");
    BOOST_TEST_REQUIRE(buffers.size() == m.buffer_count);
    for (std::size_t i = 0; i < buffers.size(); ++i)
        BOOST_TEST_REQUIRE(static_cast<float>(buffers[i]) == m.buffers()[i]);

    BOOST_TEST(h.find("namespace resnet_weights {") != std::string::npos);
    BOOST_TEST(h.find("inline constexpr char signature[] = \"" + m.signature() + "\";") !=
               std::string::npos);
    char key[40];
    std::snprintf(key, sizeof key, "0x%016" PRIx64 "ull", tn::layout_key_v<net, in>);
    BOOST_TEST(h.find(std::string("layout_key = ") + key + ";") != std::string::npos);
    BOOST_TEST(h.find("typenet::stored_weights<float, " + std::to_string(m.parameter_count) + ", " +
                      std::to_string(m.buffer_count) + ", layout_key>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_network_without_buffers_has_no_buffer_array) {
    static tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input> m;
    temp_dir dir;
    tn::write_weights_header(m, dir.path / "w.hpp", "lenet", "none");
    const std::string h = read_text(dir.path / "w.hpp");
    BOOST_TEST(h.find(" buffers[") == std::string::npos);
    BOOST_TEST(h.find("weights{parameters, nullptr, signature};") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_nan_is_refused_and_the_old_header_kept) {
    static tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input> m;
    temp_dir dir;
    const auto path = dir.path / "w.hpp";
    tn::write_weights_header(m, path, "lenet", "first");
    const std::string before = read_text(path);
    m.parameters()[17] = std::numeric_limits<float>::quiet_NaN();
    try {
        tn::write_weights_header(m, path, "lenet", "second");
        BOOST_FAIL("a NaN was written");
    } catch (const tn::io_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find(path.string()) != std::string::npos);
        BOOST_TEST(what.find("parameters[17] is NaN") != std::string::npos);
    }
    BOOST_TEST(read_text(path) == before);
    BOOST_TEST(dir.entries().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_missing_directory_is_named) {
    static tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input> m;
    temp_dir dir;
    const auto path = dir.path / "missing" / "w.hpp";
    try {
        tn::write_weights_header(m, path, "lenet", "x");
        BOOST_FAIL("wrote into a missing directory");
    } catch (const tn::io_error& e) {
        BOOST_TEST(std::string(e.what()).find(path.string()) != std::string::npos);
    }
}
