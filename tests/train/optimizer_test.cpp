// train::optimizer (include/typenet/train/optimizer.hpp): each kind steps as its optim/ class
// does, names its state blocks as torch's state dict does, and restore() continues a saved run.
#define BOOST_TEST_MODULE train.optimizer
#include "typenet/train/optimizer.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

namespace tn = typenet;
namespace tt = typenet::train;

namespace {
constexpr std::array<double, 4> g{0.5, -0.25, 0.125, 1.0};
}

BOOST_AUTO_TEST_CASE(each_kind_steps_as_its_optimiser) {
    std::array<double, 4> p{1, 2, 3, 4}, q = p;
    tt::optimizer<double, 4> sgd(
        {.kind = tt::optimizer_kind::sgd, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01},
        0.1);
    tn::sgd<double, 4> ref({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    for (int s = 0; s < 3; ++s) {
        sgd.step(p, g);
        ref.step(q, g);
    }
    BOOST_TEST(p == q);
    BOOST_TEST(std::string(sgd.name()) == "sgd");
    BOOST_TEST(sgd.state_names() == std::vector<std::string>{"momentum_buffer"});

    std::array<double, 4> a{1, 2, 3, 4}, b = a;
    tt::optimizer<double, 4> adamw({.kind = tt::optimizer_kind::adamw, .weight_decay = 0.5}, 0.1);
    tn::adam<double, 4> ref_w(tn::adamw_options(0.1, 0.5));
    adamw.step(a, g);
    ref_w.step(b, g);
    BOOST_TEST(a == b);
    BOOST_TEST((adamw.state_names() == std::vector<std::string>{"exp_avg", "exp_avg_sq"}));
    adamw.set_lr(0.02);
    BOOST_TEST(adamw.lr() == 0.02);

    // SGD without momentum has no state.
    tt::optimizer<double, 4> plain({.kind = tt::optimizer_kind::sgd, .momentum = 0}, 0.1);
    BOOST_TEST(plain.state_names().empty());
    BOOST_TEST(plain.state().empty());
}

BOOST_AUTO_TEST_CASE(restore_continues_a_saved_run) {
    for (const auto kind :
         {tt::optimizer_kind::sgd, tt::optimizer_kind::adam, tt::optimizer_kind::adamw}) {
        tt::optimizer<double, 4> a({.kind = kind, .weight_decay = 0.1}, 0.05);
        tt::optimizer<double, 4> b({.kind = kind, .weight_decay = 0.1}, 0.05);
        std::array<double, 4> pa{1, -2, 3, -4};
        a.step(pa, g);
        a.step(pa, g);
        std::array<double, 4> pb = pa;
        b.restore(a.steps(), a.state());
        BOOST_TEST(b.steps() == 2u);
        a.step(pa, g);
        b.step(pb, g);
        BOOST_TEST(pa == pb, tt::to_string(kind));
        BOOST_CHECK_THROW(b.restore(1, {}), std::invalid_argument);
    }
}

BOOST_AUTO_TEST_CASE(parses_the_kinds) {
    BOOST_TEST(int(tt::parse_optimizer_kind("adamw")) == int(tt::optimizer_kind::adamw));
    try {
        tt::parse_optimizer_kind("lamb");
        BOOST_FAIL("'lamb' was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "unknown optimizer 'lamb' (sgd, adam, adamw)");
    }
}
