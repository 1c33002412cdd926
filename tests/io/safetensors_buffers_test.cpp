// safetensors weights files of networks with batch_norm and residual blocks: the whole state_dict
// (parameters, running_mean / running_var, I64 num_batches_tracked) round trips, carries
// PyTorch's names, dtypes and shapes, and every way such a file can be wrong is named.
//
// PyTorch cross-checks, with tests/data/io/gen_torch_safetensors.py (Debian python3-torch 1.13):
// - `generate` wrote torch_bn.safetensors / torch_bn_expected.json (bn_net's state_dict after
//   three training batches), which `loads_a_state_dict_written_by_pytorch` reproduces (run by CI).
// - `check DIR` reads the bn_net file and logits that `exports_for_the_pytorch_check` writes when
//   TYPENET_SAFETENSORS_EXPORT=DIR is set (with safetensors_test.cpp's LeNet-5 export), loads
//   them with load_state_dict(strict=True) and compares: the CTest test
//   io.safetensors_pytorch_check (tests/io/pytorch_check.sh; skipped without python3-torch).
//   Last result:
//     bn_net metadata: {'format': 'pt', 'typenet.signature': '2x8x8 conv<3,3,filters<4>,
//       padding<1>> batch_norm relu conv<3,3,filters<4>,padding<1>> batch_norm relu
//       conv<3,3,filters<4>,padding<1>> batch_norm add<8,3> relu conv<3,3,filters<6>,stride<2>,
//       padding<1>> batch_norm conv<1,1,filters<6>,stride<2>>@10 batch_norm add<12,14> relu
//       global_avgpool dense<5> batch_norm relu dense<3> softmax_ce',
//       'typenet.format_version': '1', 'run': 'export'}
//     num_batches_tracked: {'1.num_batches_tracked': 7, '3.block.1.num_batches_tracked': 12,
//       '3.block.4.num_batches_tracked': 17, '5.block.1.num_batches_tracked': 22,
//       '5.shortcut.1.num_batches_tracked': 27, '9.num_batches_tracked': 1099511627808}
//     max |torch - typenet| logit difference: 1.11e-16 (F64, 4 inputs, evaluation mode)
//     OK
#define BOOST_TEST_MODULE io.safetensors_buffers
#include "typenet/io/safetensors.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "../support/files.hpp"
#include "typenet.hpp"

namespace fs = std::filesystem;
namespace tn = typenet;
using bytes = std::vector<unsigned char>;
using tn::test::contains;
using tn::test::error_of;

namespace {

template<std::size_t F>
using conv3 = tn::conv<3, 3, tn::filters<F>, tn::padding<1>>;
/// gen_torch_safetensors.py's bn_net(): BatchNorm2d after convs, an identity residual, a
/// projection residual (batch norm in both branches), BatchNorm1d after a dense layer.
using bn_net = tn::seq<
    conv3<4>, tn::batch_norm, tn::relu,
    tn::residual<tn::seq<conv3<4>, tn::batch_norm, tn::relu, conv3<4>, tn::batch_norm>>, tn::relu,
    tn::residual<
        tn::seq<tn::conv<3, 3, tn::filters<6>, tn::stride<2>, tn::padding<1>>, tn::batch_norm>,
        tn::seq<tn::conv<1, 1, tn::filters<6>, tn::stride<2>>, tn::batch_norm>>,
    tn::relu, tn::global_avgpool, tn::dense<5>, tn::batch_norm, tn::relu, tn::dense<3>,
    tn::softmax_ce>;
using bn_in = tn::shape<2, 8, 8>;
using bn_network = tn::network<bn_net, bn_in>;
template<class T>
using bn_model = tn::model<bn_net, bn_in, T>;

struct temp_dir : tn::test::temp_dir {
    temp_dir()
        : tn::test::temp_dir("typenet-stb-test-") {}
};

/// Parameters in [-0.5, 0.5] (batch norm's weight in [0.5, 1.5]), running means in [-0.2, 0.2],
/// running variances in [0.5, 1.5], counters 7, 12, 17, ... and the last one past 2^32.
template<class T>
void fill_state(bn_model<T>& m, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-0.5, 0.5);
    for (auto& v : m.parameters())
        v = static_cast<T>(u(rng));
    for (const auto& e : m.parameter_entries())
        if (e.desc.fixed_init && !e.desc.is_bias) // batch_norm's weight
            for (std::size_t i = 0; i < e.desc.size(); ++i)
                m.parameters()[e.offset + i] = static_cast<T>(1 + u(rng));
    for (const auto& e : m.buffer_entries()) {
        const bool var = e.desc.name == "running_var";
        for (std::size_t i = 0; i < e.desc.size(); ++i)
            m.buffers()[e.offset + i] = static_cast<T>(var ? 1 + u(rng) : 0.4 * u(rng));
    }
    auto c = m.batch_counters();
    for (std::size_t i = 0; i < c.size(); ++i)
        c[i] = static_cast<std::int64_t>(7 + 5 * i);
    c.back() += std::int64_t{1} << 40;
}

template<class M>
bool same_state(const M& a, const M& b) {
    return std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()) &&
           std::equal(a.buffers().begin(), a.buffers().end(), b.buffers().begin()) &&
           std::equal(a.batch_counters().begin(), a.batch_counters().end(),
                      b.batch_counters().begin());
}

template<class Input>
Input random_input(unsigned seed) {
    Input x;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-0.25, 0.75);
    for (auto& v : x)
        v = static_cast<typename Input::value_type>(u(rng));
    return x;
}

bytes read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

/// A safetensors file taken apart, to be edited and written back with consistent offsets.
struct st_file {
    struct tensor {
        std::string name, dtype;
        std::vector<std::size_t> shape;
        bytes data;
    };
    nlohmann::json metadata = nlohmann::json::object();
    std::vector<tensor> tensors; // in data order

    explicit st_file(const fs::path& p) {
        const bytes b = read_bytes(p);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = n << 8 | b[static_cast<std::size_t>(i)];
        const auto h = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + static_cast<long>(n));
        for (const auto& [name, t] : h.items()) {
            if (name == "__metadata__") {
                metadata = t;
                continue;
            }
            const auto off = t.at("data_offsets").get<std::vector<std::size_t>>();
            const auto from = b.begin() + 8 + static_cast<long>(n + off[0]);
            tensors.push_back({name, t.at("dtype").get<std::string>(),
                               t.at("shape").get<std::vector<std::size_t>>(),
                               bytes(from, from + static_cast<long>(off[1] - off[0]))});
        }
        // nlohmann::json sorts its keys; the data order is the offsets'.
        std::sort(tensors.begin(), tensors.end(), [&](const tensor& a, const tensor& c) {
            return h.at(a.name).at("data_offsets")[0] < h.at(c.name).at("data_offsets")[0];
        });
    }
    tensor& at(const std::string& name) {
        const auto it = std::find_if(tensors.begin(), tensors.end(),
                                     [&](const tensor& t) { return t.name == name; });
        BOOST_REQUIRE(it != tensors.end());
        return *it;
    }
    void erase(const std::string& name) {
        const auto n = tensors.size();
        std::erase_if(tensors, [&](const tensor& t) { return t.name == name; });
        BOOST_REQUIRE(tensors.size() + 1 == n);
    }
    void write(const fs::path& p) const {
        nlohmann::json h;
        h["__metadata__"] = metadata;
        std::size_t at = 0;
        for (const auto& t : tensors) {
            h[t.name] = {
                {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {at, at + t.data.size()}}};
            at += t.data.size();
        }
        std::string text = h.dump();
        text.append((8 - (8 + text.size()) % 8) % 8, ' ');
        bytes b;
        for (std::size_t i = 0; i < 8; ++i)
            b.push_back(static_cast<unsigned char>(text.size() >> (8 * i)));
        for (const char ch : text)
            b.push_back(static_cast<unsigned char>(ch));
        for (const auto& t : tensors)
            for (const auto byte : t.data)
                b.push_back(byte);
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }
};

bytes le_bytes(std::uint64_t v, std::size_t n) {
    bytes b;
    for (std::size_t i = 0; i < n; ++i)
        b.push_back(static_cast<unsigned char>(v >> (8 * i)));
    return b;
}

/// A bn_net file saved from a filled float model, and loads that must fail leaving a model as
/// it was.
struct saved_bn : temp_dir {
    std::unique_ptr<bn_model<float>> m = std::make_unique<bn_model<float>>();
    fs::path file = path / "bn.safetensors";
    saved_bn() {
        fill_state(*m, 11);
        tn::save_safetensors(*m, file);
    }
    std::string load_error() {
        auto fresh = std::make_unique<bn_model<float>>();
        const auto untouched = std::make_unique<bn_model<float>>();
        auto msg = error_of([&] { tn::load_safetensors(*fresh, file); });
        BOOST_TEST(same_state(*fresh, *untouched));
        BOOST_TEST(contains(msg, "bn.safetensors: "));
        return msg;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(round_trip)

using value_types = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(parameters_buffers_and_counters, T, value_types) {
    temp_dir dir;
    auto a = std::make_unique<bn_model<T>>();
    auto b = std::make_unique<bn_model<T>>();
    fill_state(*a, 1);
    const auto file = dir.path / "bn.safetensors";
    tn::save_safetensors(*a, file);
    BOOST_TEST(!same_state(*a, *b));
    tn::load_safetensors(*b, file);
    BOOST_TEST(same_state(*a, *b)); // bit for bit, and every counter
    BOOST_TEST(b->batch_counters().back() == (std::int64_t{1} << 40) + 32);
    a->eval();
    b->eval();
    for (unsigned s = 0; s < 3; ++s) {
        const auto x = random_input<typename bn_model<T>::input_type>(s);
        const auto ya = a->forward(x);
        BOOST_TEST((ya == b->forward(x)));
    }
    BOOST_TEST(dir.entries() == std::vector<std::string>{"bn.safetensors"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(names_dtypes_shapes_and_layout, T, value_types) {
    // The file holds exactly PyTorch's state_dict of bn_net(): the names, and for each its shape,
    // of the file PyTorch wrote; floating tensors in T's dtype, num_batches_tracked I64 [].
    temp_dir dir;
    auto m = std::make_unique<bn_model<T>>();
    fill_state(*m, 2);
    tn::save_safetensors(*m, dir.path / "bn.safetensors");
    const st_file ours(dir.path / "bn.safetensors");
    const st_file torch(fs::path(TYPENET_TEST_DATA_DIR) / "io" / "torch_bn.safetensors");
    std::map<std::string, std::vector<std::size_t>> want, got;
    for (const auto& t : torch.tensors)
        want[t.name] = t.shape;
    for (const auto& t : ours.tensors)
        got[t.name] = t.shape;
    BOOST_TEST(got.size() == 5 * bn_network::batch_node_count + 2 * 7); // + 5 convs, 2 denses
    BOOST_TEST((got == want));

    const std::string fp = sizeof(T) == 4 ? "F32" : "F64";
    const auto counters = bn_network::batch_counter_names();
    std::size_t at = 0, k = 0;
    for (const auto& t : ours.tensors) {
        const bool counter = t.name.ends_with(".num_batches_tracked");
        BOOST_TEST(t.dtype == (counter ? "I64" : fp));
        const std::size_t esize = counter ? 8 : sizeof(T);
        BOOST_TEST(at % esize == 0u, t.name << " starts at byte " << at);
        at += t.data.size();
        if (counter) { // first in the data, in batch_counters() order, little-endian
            BOOST_TEST(k < counters.size());
            BOOST_TEST(t.name == counters[k]);
            BOOST_TEST((t.data == le_bytes(static_cast<std::uint64_t>(m->batch_counters()[k]), 8)));
            ++k;
        }
    }
    BOOST_TEST(k == bn_network::batch_node_count);
    BOOST_TEST(ours.metadata.at("typenet.signature") == bn_network::signature());
}

BOOST_AUTO_TEST_CASE(span_api) {
    // A model-less state (a trainer's blocks): parameters, buffers and counters as spans.
    temp_dir dir;
    auto m = std::make_unique<bn_model<double>>();
    fill_state(*m, 3);
    const std::vector<double> p(m->parameters().begin(), m->parameters().end());
    const std::vector<double> b(m->buffers().begin(), m->buffers().end());
    const std::vector<std::int64_t> c(m->batch_counters().begin(), m->batch_counters().end());
    const auto file = dir.path / "bn.safetensors";
    tn::save_safetensors<bn_net, bn_in>(std::span(p), std::span(b), std::span(c), file,
                                        {{"epochs", "2"}});
    std::vector<double> p2(p.size()), b2(b.size());
    std::vector<std::int64_t> c2(c.size());
    const auto meta =
        tn::load_safetensors<bn_net, bn_in>(std::span(p2), std::span(b2), std::span(c2), file);
    BOOST_TEST(meta.at("epochs") == "2");
    BOOST_TEST(p == p2, boost::test_tools::per_element());
    BOOST_TEST(b == b2, boost::test_tools::per_element());
    BOOST_TEST(c == c2, boost::test_tools::per_element());
    // The model's file is the same bytes.
    tn::save_safetensors(*m, dir.path / "model.safetensors", {{"epochs", "2"}});
    BOOST_TEST((read_bytes(file) == read_bytes(dir.path / "model.safetensors")));

    // Blocks of the wrong size are programming errors.
    const std::vector<double> short_buffers(b.size() - 1);
    const std::vector<std::int64_t> short_counters(c.size() - 1);
    BOOST_CHECK_THROW((tn::save_safetensors<bn_net, bn_in>(std::span(p), std::span(short_buffers),
                                                           std::span(c), file)),
                      std::invalid_argument);
    BOOST_CHECK_THROW((tn::save_safetensors<bn_net, bn_in>(std::span(p), std::span(b),
                                                           std::span(short_counters), file)),
                      std::invalid_argument);
    std::vector<std::int64_t> long_counters(c.size() + 1);
    BOOST_CHECK_THROW((tn::load_safetensors<bn_net, bn_in>(std::span(p2), std::span(b2),
                                                           std::span(long_counters), file)),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(f32_file_into_double_model) {
    temp_dir dir;
    auto f = std::make_unique<bn_model<float>>();
    auto d = std::make_unique<bn_model<double>>();
    fill_state(*f, 4);
    tn::save_safetensors(*f, dir.path / "f32.safetensors");
    tn::load_safetensors(*d, dir.path / "f32.safetensors");
    for (std::size_t i = 0; i < f->buffer_count; ++i)
        BOOST_TEST(d->buffers()[i] == static_cast<double>(f->buffers()[i]));
    BOOST_TEST(std::equal(f->batch_counters().begin(), f->batch_counters().end(),
                          d->batch_counters().begin()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pytorch)

BOOST_AUTO_TEST_CASE_TEMPLATE(loads_a_state_dict_written_by_pytorch, T, round_trip::value_types) {
    // gen_torch_safetensors.py generate: bn_net()'s state_dict after three training batches,
    // F32 with I64 counters and no typenet signature, and the state and logits it recorded.
    const fs::path data = fs::path(TYPENET_TEST_DATA_DIR) / "io";
    auto m = std::make_unique<bn_model<T>>();
    const auto meta = tn::load_safetensors(*m, data / "torch_bn.safetensors");
    BOOST_TEST(meta.count("typenet.signature") == 0u);
    std::ifstream in(data / "torch_bn_expected.json");
    const auto expected = nlohmann::json::parse(in);
    // F32 values, exact in float and in double.
    const auto params = expected.at("parameters").get<std::vector<double>>();
    const auto buffers = expected.at("buffers").get<std::vector<double>>();
    BOOST_REQUIRE_EQUAL(params.size(), m->parameter_count);
    BOOST_REQUIRE_EQUAL(buffers.size(), m->buffer_count);
    for (std::size_t i = 0; i < params.size(); ++i)
        BOOST_TEST(m->parameters()[i] == static_cast<T>(static_cast<float>(params[i])));
    for (std::size_t i = 0; i < buffers.size(); ++i)
        BOOST_TEST(m->buffers()[i] == static_cast<T>(static_cast<float>(buffers[i])));
    const auto names = bn_network::batch_counter_names();
    const auto& counters = expected.at("num_batches_tracked");
    BOOST_REQUIRE_EQUAL(counters.size(), names.size());
    for (std::size_t k = 0; k < names.size(); ++k)
        BOOST_TEST(m->batch_counters()[k] == counters.at(names[k]).template get<std::int64_t>(),
                   names[k]);

    m->eval();
    const auto& inputs = expected.at("inputs");
    BOOST_REQUIRE_EQUAL(inputs.size(), 3u);
    for (std::size_t s = 0; s < inputs.size(); ++s) {
        typename bn_model<T>::input_type x;
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<T>(inputs[s].at(i).template get<float>());
        const auto& y = m->forward(x);
        for (std::size_t k = 0; k < 3; ++k)
            BOOST_TEST(y[k] == expected.at("logits")[s].at(k).template get<double>(),
                       boost::test_tools::tolerance(1e-5));
    }
}

BOOST_AUTO_TEST_CASE(exports_for_the_pytorch_check) {
    // Writes DIR/bn_net.safetensors and DIR/bn_net_expected.json for
    // `gen_torch_safetensors.py check DIR` when TYPENET_SAFETENSORS_EXPORT=DIR.
    const char* dir = std::getenv("TYPENET_SAFETENSORS_EXPORT");
    if (!dir) {
        BOOST_TEST_MESSAGE("TYPENET_SAFETENSORS_EXPORT not set: nothing exported");
        return;
    }
    auto m = std::make_unique<bn_model<double>>();
    fill_state(*m, 6);
    tn::save_safetensors(*m, fs::path(dir) / "bn_net.safetensors", {{"run", "export"}});
    nlohmann::json out;
    const auto names = bn_network::batch_counter_names();
    for (std::size_t k = 0; k < names.size(); ++k)
        out["num_batches_tracked"][names[k]] = m->batch_counters()[k];
    m->eval();
    for (unsigned s = 0; s < 4; ++s) {
        const auto x = random_input<bn_model<double>::input_type>(100 + s);
        const auto& y = m->forward(x);
        out["inputs"].push_back(std::vector<double>(x.begin(), x.end()));
        out["logits"].push_back(std::vector<double>(y.begin(), y.end()));
    }
    std::ofstream(fs::path(dir) / "bn_net_expected.json") << out.dump();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_files)

BOOST_FIXTURE_TEST_CASE(missing_running_var, saved_bn) {
    st_file f(file);
    f.erase("3.block.1.running_var");
    f.write(file);
    BOOST_TEST(contains(load_error(), "bn.safetensors: missing tensor '3.block.1.running_var' of "
                                      "this model ('" +
                                          bn_network::signature() + "')"));
    // The same without a signature (a file from elsewhere).
    f.metadata.erase("typenet.signature");
    f.write(file);
    BOOST_TEST(contains(load_error(), "missing tensor '3.block.1.running_var'"));
}

BOOST_FIXTURE_TEST_CASE(missing_num_batches_tracked, saved_bn) {
    // As a parameters-only file of a batch-norm network would be (or PyTorch before 0.4.1).
    st_file f(file);
    f.erase("5.shortcut.1.num_batches_tracked");
    f.write(file);
    BOOST_TEST(contains(load_error(), "missing tensor '5.shortcut.1.num_batches_tracked'"));
}

BOOST_FIXTURE_TEST_CASE(wrong_num_batches_tracked_dtype_or_shape, saved_bn) {
    const st_file original(file);
    st_file f = original;
    f.at("9.num_batches_tracked").dtype = "F64"; // the same 8 bytes, read as a double
    f.write(file);
    BOOST_TEST(contains(load_error(), "bn.safetensors: tensor '9.num_batches_tracked' has dtype "
                                      "F64; a num_batches_tracked counter is I64 (torch.long)"));
    f = original;
    f.at("1.num_batches_tracked").dtype = "I32";
    f.at("1.num_batches_tracked").data.resize(4);
    f.write(file);
    BOOST_TEST(contains(load_error(), "tensor '1.num_batches_tracked' has dtype I32; a "
                                      "num_batches_tracked counter is I64"));
    f = original;
    f.at("1.num_batches_tracked").shape = {1};
    f.write(file);
    BOOST_TEST(contains(load_error(),
                        "tensor '1.num_batches_tracked' has shape [1] but this model expects []"));
}

BOOST_FIXTURE_TEST_CASE(wrong_buffer_dtype_or_shape, saved_bn) {
    const st_file original(file);
    st_file f = original;
    f.at("9.running_mean").dtype = "I32"; // 5 values of 4 bytes either way
    f.write(file);
    BOOST_TEST(
        contains(load_error(), "tensor '9.running_mean' has dtype I32; typenet reads F32 and F64"));
    f = original;
    f.at("5.block.1.running_var").shape = {2, 3};
    f.write(file);
    BOOST_TEST(contains(load_error(), "tensor '5.block.1.running_var' has shape [2, 3] but this "
                                      "model expects [6]"));
}

BOOST_FIXTURE_TEST_CASE(another_architecture, saved_bn) {
    // Same layers, but no batch norm in the projection shortcut.
    using other_net =
        tn::seq<conv3<4>, tn::batch_norm, tn::relu,
                tn::residual<tn::seq<conv3<4>, tn::batch_norm, tn::relu, conv3<4>, tn::batch_norm>>,
                tn::relu,
                tn::residual<tn::seq<tn::conv<3, 3, tn::filters<6>, tn::stride<2>, tn::padding<1>>,
                                     tn::batch_norm>,
                             tn::seq<tn::conv<1, 1, tn::filters<6>, tn::stride<2>>>>,
                tn::relu, tn::global_avgpool, tn::dense<5>, tn::batch_norm, tn::relu, tn::dense<3>,
                tn::softmax_ce>;
    using other_model = tn::model<other_net, bn_in>;
    auto other = std::make_unique<other_model>();
    const auto msg = error_of([&] { tn::load_safetensors(*other, file); });
    BOOST_TEST(contains(msg, "bn.safetensors: was saved for '" + bn_network::signature() +
                                 "' but this model is '" + other_model::signature() + "'"));
    // Without the signature, the names decide: the shortcut's batch norm is one too many.
    st_file f(file);
    f.metadata.erase("typenet.signature");
    f.write(file);
    const auto msg2 = error_of([&] { tn::load_safetensors(*other, file); });
    BOOST_TEST(contains(msg2, "bn.safetensors: holds tensor '5.shortcut.1."));
    BOOST_TEST(
        contains(msg2, "which this model ('" + other_model::signature() + "') does not have"));
    // And a network without batch norm at all.
    using plain_net = tn::seq<conv3<4>, tn::relu, tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;
    tn::model<plain_net, bn_in> plain;
    const auto msg3 = error_of([&] { tn::load_safetensors(plain, file); });
    BOOST_TEST(contains(msg3, "bn.safetensors: holds tensor '"));
}

BOOST_FIXTURE_TEST_CASE(unknown_extra_tensor, saved_bn) {
    st_file f(file);
    f.tensors.push_back({"1.running_std", "F32", {4}, bytes(16)});
    f.write(file);
    BOOST_TEST(contains(load_error(), "holds tensor '1.running_std', which this model"));
}

BOOST_AUTO_TEST_SUITE_END()
