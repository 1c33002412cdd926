// Parameter initialisation (include/typenet/optim/init.hpp): the fans it uses are PyTorch's
// (tests/optim/gen_optim_reference.py prints torch.nn.init._calculate_fan_in_and_fan_out for
// LeNet-5), every value lies within its scheme's bound, the draws fill that bound like
// U(-b, b) (mean 0, variance b^2/3), and a seed always gives the same parameters.
#define BOOST_TEST_MODULE optim.init
#include "typenet/dsl/lenet5.hpp"
#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace tn = typenet;
using lenet = tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input>;
using lenet_d = tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input, double>;

namespace {
struct fans {
    std::string name;
    std::size_t fan_in, fan_out;
};
// gen_optim_reference.py, "lenet5 fans".
const std::vector<fans> torch_fans{{"0.weight", 25, 150},
                                   {"3.weight", 150, 400},
                                   {"6.weight", 256, 120},
                                   {"8.weight", 120, 84},
                                   {"10.weight", 84, 10}};

constexpr tn::init_scheme schemes[] = {tn::init_scheme::pytorch_default,
                                       tn::init_scheme::kaiming_uniform,
                                       tn::init_scheme::xavier_uniform};
} // namespace

BOOST_AUTO_TEST_CASE(fans_are_pytorchs) {
    const auto entries = lenet::parameter_entries();
    for (const auto& f : torch_fans) {
        const auto it = std::find_if(entries.begin(), entries.end(),
                                     [&](const auto& e) { return e.name == f.name; });
        BOOST_TEST_REQUIRE((it != entries.end()), f.name);
        BOOST_TEST(it->desc.fan_in == f.fan_in, f.name);
        BOOST_TEST(it->desc.fan_out == f.fan_out, f.name);
    }
}

BOOST_AUTO_TEST_CASE(bounds) {
    const auto entries = lenet::parameter_entries();
    const auto& w0 = entries.at(0).desc; // conv 1 -> 6, 5x5: fan_in 25, fan_out 150
    BOOST_TEST(tn::init_bound(w0, tn::init_scheme::pytorch_default) == 0.2,
               boost::test_tools::tolerance(1e-15));
    BOOST_TEST(tn::init_bound(w0, tn::init_scheme::kaiming_uniform) == std::sqrt(6.0 / 25),
               boost::test_tools::tolerance(1e-15));
    BOOST_TEST(tn::init_bound(w0, tn::init_scheme::xavier_uniform) == std::sqrt(6.0 / 175),
               boost::test_tools::tolerance(1e-15));
    const auto& b0 = entries.at(1).desc; // its bias: PyTorch's default uses the weight's fan_in
    BOOST_TEST(b0.is_bias);
    BOOST_TEST(tn::init_bound(b0, tn::init_scheme::pytorch_default) == 0.2,
               boost::test_tools::tolerance(1e-15));
    BOOST_TEST(tn::init_bound(b0, tn::init_scheme::kaiming_uniform) == 0.0);
    BOOST_TEST(tn::init_bound(b0, tn::init_scheme::xavier_uniform) == 0.0);
}

BOOST_AUTO_TEST_CASE(values_within_bounds_and_biases) {
    for (auto scheme : schemes) {
        auto m = std::make_unique<lenet>();
        tn::init_parameters(*m, scheme, 7);
        for (const auto& e : lenet::parameter_entries()) {
            const double b = tn::init_bound(e.desc, scheme);
            const auto t = m->parameters().subspan(e.offset, e.desc.size());
            double max_abs = 0;
            for (float v : t)
                max_abs = std::max(max_abs, std::abs(double(v)));
            BOOST_TEST(max_abs <= b, tn::to_string(scheme) << " " << e.name);
            if (b == 0.0)
                BOOST_TEST(max_abs == 0.0, tn::to_string(scheme) << " " << e.name);
            else if (t.size() >= 100) // the draws reach near the bound
                BOOST_TEST(max_abs > 0.9 * b, tn::to_string(scheme) << " " << e.name);
            else
                BOOST_TEST(max_abs > 0.0, tn::to_string(scheme) << " " << e.name);
        }
    }
}

BOOST_AUTO_TEST_CASE(uniform_statistics) {
    // 6.weight: 120 x 256 = 30720 draws from U(-b, b): mean 0 (sd b/sqrt(3n)), variance b^2/3
    // (relative sd of the sample variance sqrt(0.8/n) ~ 0.5%).
    for (auto scheme : schemes) {
        auto m = std::make_unique<lenet_d>();
        tn::init_parameters(*m, scheme, 11);
        const auto e = lenet_d::parameter_entries().at(4);
        BOOST_TEST_REQUIRE(e.name == "6.weight");
        const double b = tn::init_bound(e.desc, scheme);
        const auto t = m->parameters().subspan(e.offset, e.desc.size());
        const double n = double(t.size());
        double sum = 0, sq = 0;
        for (double v : t) {
            sum += v;
            sq += v * v;
        }
        const double mean = sum / n, var = sq / n - mean * mean;
        BOOST_TEST(std::abs(mean) < 4 * b / std::sqrt(3 * n), tn::to_string(scheme));
        BOOST_TEST(var == b * b / 3, tn::to_string(scheme) << boost::test_tools::tolerance(0.03));
        // The four quarters of [-b, b) get a quarter each (within 4 sd of a binomial).
        std::size_t quarters[4] = {};
        for (double v : t)
            ++quarters[std::min<std::size_t>(3, std::size_t((v + b) / (0.5 * b)))];
        for (auto q : quarters)
            BOOST_TEST(std::abs(double(q) - n / 4) < 4 * std::sqrt(n * 3 / 16),
                       tn::to_string(scheme));
    }
}

BOOST_AUTO_TEST_CASE(deterministic_per_seed) {
    auto a = std::make_unique<lenet>(), b = std::make_unique<lenet>(),
         c = std::make_unique<lenet>();
    tn::init_parameters(*a, tn::init_scheme::pytorch_default, 42);
    tn::init_parameters(*b, tn::init_scheme::pytorch_default, 42);
    tn::init_parameters(*c, tn::init_scheme::pytorch_default, 43);
    BOOST_TEST(std::equal(a->parameters().begin(), a->parameters().end(), b->parameters().begin()));
    std::size_t same = 0;
    for (std::size_t i = 0; i < lenet::parameter_count; ++i)
        same += a->parameters()[i] == c->parameters()[i];
    BOOST_TEST(same < 10u); // another seed, other values (nearly) everywhere
    // float and double draw the same numbers, rounded.
    auto d = std::make_unique<lenet_d>();
    tn::init_parameters(*d, tn::init_scheme::pytorch_default, 42);
    for (std::size_t i = 0; i < lenet::parameter_count; ++i)
        BOOST_TEST_REQUIRE(a->parameters()[i] == static_cast<float>(d->parameters()[i]));
}

BOOST_AUTO_TEST_CASE(span_form_for_a_shared_parameter_block) {
    using net = tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>;
    std::vector<float> block(net::parameter_count);
    tn::init_parameters<tn::dsl::lenet5, tn::dsl::lenet5_input>(std::span<float>(block),
                                                                tn::init_scheme::xavier_uniform, 5);
    auto m = std::make_unique<lenet>();
    tn::optim::init_parameters(*m, tn::optim::init_scheme::xavier_uniform, 5);
    BOOST_TEST(std::equal(block.begin(), block.end(), m->parameters().begin()));
    std::vector<float> wrong(10);
    BOOST_CHECK_THROW((tn::init_parameters<tn::dsl::lenet5, tn::dsl::lenet5_input>(
                          std::span<float>(wrong), tn::init_scheme::xavier_uniform, 5)),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(scheme_names) {
    BOOST_TEST((tn::parse_init_scheme("he") == tn::init_scheme::kaiming_uniform));
    BOOST_TEST((tn::parse_init_scheme("glorot") == tn::init_scheme::xavier_uniform));
    for (auto s : schemes)
        BOOST_TEST((tn::parse_init_scheme(tn::to_string(s)) == s));
    BOOST_CHECK_THROW(tn::parse_init_scheme("normal"), std::invalid_argument);
}
