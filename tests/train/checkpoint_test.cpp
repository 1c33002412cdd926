// train::save_checkpoint / load_checkpoint (include/typenet/train/checkpoint.hpp): the whole
// state comes back (parameters, buffers, batch counters, optimiser blocks and steps, where the
// run stood); a file of another network, another optimiser, a truncated or corrupt file is
// refused with the file's name, and the model and optimiser stay as they were.
#define BOOST_TEST_MODULE train.checkpoint
#include "typenet/optim/init.hpp"
#include "typenet/train/checkpoint.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;
namespace tt = typenet::train;
namespace fs = std::filesystem;

namespace {

using in = tn::shape<1, 6, 6>;
using bn_net = tn::seq<tn::conv<3, 3, tn::filters<2>, tn::padding<1>>, tn::batch_norm, tn::relu,
                       tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;
using other_net = tn::seq<tn::conv<3, 3, tn::filters<3>, tn::padding<1>>, tn::batch_norm, tn::relu,
                          tn::global_avgpool, tn::dense<3>, tn::softmax_ce>;
using model_t = tn::model<bn_net, in, float>;
constexpr std::size_t P = model_t::parameter_count;

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / "typenet_checkpoint_test";
    fs::create_directories(dir);
    return dir / name;
}

/// A model and an optimiser a few steps into training, so every block holds something.
struct trained {
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    tt::optimizer<float, P> opt;
    explicit trained(tt::optimizer_kind kind)
        : opt({.kind = kind}, 0.01) {
        tn::init_parameters(*m, tn::init_scheme::kaiming_uniform, 3);
        std::vector<model_t::input_type> xs(4);
        for (std::size_t k = 0; k < xs.size(); ++k)
            for (std::size_t i = 0; i < xs[k].size(); ++i)
                xs[k].data()[i] = float((i * 7 + k * 3) % 11) / 11.0f;
        const std::vector<std::size_t> ys{0, 1, 2, 1};
        for (int s = 0; s < 3; ++s) {
            m->zero_grad();
            m->forward_backward(std::span<const model_t::input_type>(xs),
                                std::span<const std::size_t>(ys));
            opt.step(m->parameters(), m->gradients());
        }
    }
};

template<class A, class B>
bool same(const A& a, const B& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_restores_everything) {
    for (const auto kind :
         {tt::optimizer_kind::adam, tt::optimizer_kind::adamw, tt::optimizer_kind::sgd}) {
        trained a(kind);
        const fs::path file = scratch(std::string("round_trip_") + tt::to_string(kind));
        tt::save_checkpoint(
            file, *a.m, a.opt,
            {.epochs_done = 2, .step = 17, .seed = 5, .settings = "s", .history = "h\n1\n"});
        trained b(kind);
        tn::init_parameters(*b.m, tn::init_scheme::kaiming_uniform, 9); // differ first
        tt::optimizer<float, P> fresh({.kind = kind}, 0.01);
        const tt::checkpoint_state st = tt::load_checkpoint(file, *b.m, fresh);
        BOOST_TEST(st.epochs_done == 2u);
        BOOST_TEST(st.step == 17u);
        BOOST_TEST(st.seed == 5u);
        BOOST_TEST(st.settings == "s");
        BOOST_TEST(st.history == "h\n1\n");
        BOOST_TEST(same(a.m->parameters(), b.m->parameters()));
        BOOST_TEST(same(a.m->buffers(), b.m->buffers()));
        BOOST_TEST(same(a.m->batch_counters(), b.m->batch_counters()));
        BOOST_TEST(fresh.steps() == a.opt.steps());
        const auto sa = a.opt.state(), sb = fresh.state();
        BOOST_TEST(sa.size() == sb.size());
        for (std::size_t i = 0; i < sa.size(); ++i)
            BOOST_TEST(same(sa[i], sb[i]));
        // The next step is the saved optimiser's next step.
        std::vector<float> g(P, 0.25f);
        a.opt.step(a.m->parameters(), g);
        fresh.step(b.m->parameters(), g);
        BOOST_TEST(same(a.m->parameters(), b.m->parameters()));
    }
}

BOOST_AUTO_TEST_CASE(refuses_other_networks_optimisers_and_damage) {
    trained a(tt::optimizer_kind::adam);
    const fs::path file = scratch("refuse.safetensors");
    tt::save_checkpoint(file, *a.m, a.opt,
                        {.epochs_done = 1, .step = 3, .seed = 1, .settings = "", .history = ""});
    const auto refused = [](auto&& load, const fs::path& named, const std::string& part) {
        try {
            load();
        } catch (const tn::io_error& e) {
            const std::string w = e.what();
            BOOST_TEST_INFO(w);
            return w.find(named.string()) != std::string::npos && w.find(part) != std::string::npos;
        }
        return false;
    };
    trained b(tt::optimizer_kind::adam);
    const std::vector<float> before(b.m->parameters().begin(), b.m->parameters().end());
    // Another optimiser kind: the signature says which.
    tt::optimizer<float, P> sgd({.kind = tt::optimizer_kind::sgd}, 0.01);
    BOOST_TEST(refused([&] { tt::load_checkpoint(file, *b.m, sgd); }, file, "+checkpoint(sgd)"));
    // Another network.
    auto other = std::make_unique<tn::model<other_net, in, float>>();
    tt::optimizer<float, tn::model<other_net, in, float>::parameter_count> other_opt({}, 0.01);
    BOOST_TEST(refused([&] { tt::load_checkpoint(file, *other, other_opt); }, file, "filters<3>"));
    // Truncated.
    const fs::path cut = scratch("truncated.safetensors");
    fs::copy_file(file, cut, fs::copy_options::overwrite_existing);
    fs::resize_file(cut, fs::file_size(file) - 10);
    BOOST_TEST(refused([&] { tt::load_checkpoint(cut, *b.m, b.opt); }, cut, "truncated"));
    // A weights file is not a checkpoint.
    const fs::path weights = scratch("weights.safetensors");
    tn::save_safetensors(*a.m, weights);
    BOOST_TEST(
        refused([&] { tt::load_checkpoint(weights, *b.m, b.opt); }, weights, "+checkpoint(adam)"));
    // Missing.
    BOOST_TEST(refused([&] { tt::load_checkpoint(scratch("missing"), *b.m, b.opt); },
                       scratch("missing"), "cannot open"));
    BOOST_TEST(same(before, b.m->parameters()));
}
