// forward_backward(..., skip_input_gradient) — what data_parallel uses for training — gives the
// same loss and bit-identical parameter gradients as the full pass; only dL/dx is skipped.
#define BOOST_TEST_MODULE skip_input_gradient
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>

#include "../support/check.hpp"

namespace tn = typenet;

namespace {
template<class Net, class In>
void check_same_parameter_gradients() {
    using ws_t = tn::workspace<Net, In, double>;
    constexpr std::size_t P = ws_t::parameter_count;
    // Positive parameters and inputs keep every ReLU open, so dL/dx is not zero.
    std::vector<double> params(P);
    tn::test::fill_uniform(params, 9, 0.05, 0.5);
    typename ws_t::input_type x;
    tn::test::fill_uniform(x, 10, 0.05, 0.5);
    auto full = std::make_unique<ws_t>();
    auto skip = std::make_unique<ws_t>();
    const std::span<const double, P> ps(params.data(), P);
    const double l_full = full->forward_backward(ps, x.view(), 1);
    const double l_skip = skip->forward_backward(ps, x.view(), 1, tn::skip_input_gradient);
    BOOST_TEST(l_full == l_skip);
    for (std::size_t i = 0; i < P; ++i)
        BOOST_TEST_REQUIRE(full->gradients()[i] == skip->gradients()[i], "parameter " << i);
    // The full pass did compute an input gradient (so the comparison above is not vacuous).
    double norm = 0;
    for (double v : full->input_gradient())
        norm += v * v;
    BOOST_TEST(norm > 0.0);
}
} // namespace

BOOST_AUTO_TEST_CASE(lenet5) {
    check_same_parameter_gradients<tn::dsl::lenet5, tn::dsl::lenet5_input>();
}
BOOST_AUTO_TEST_CASE(seed_net) {
    check_same_parameter_gradients<tn::dsl::seed_net, tn::dsl::seed_input>();
}
