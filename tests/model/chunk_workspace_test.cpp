// chunk_workspace (a chunk of samples through the network together, the dense tail through its
// batch kernels) gives the loss and parameter gradient of the same samples passed one by one
// through workspace, for LeNet-5 (tail = the dense layers), an all-dense network (the tail is
// the whole body) and a network without a tail.
#define BOOST_TEST_MODULE model.chunk_workspace
#include "typenet/dsl/lenet5.hpp"
#include "typenet/model/chunk_workspace.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "../support/check.hpp"

namespace tn = typenet;

namespace {

template<class Net, class In, class T, std::size_t S>
void check_chunk_equals_samples(const char* what) {
    using ws_t = tn::workspace<Net, In, T>;
    constexpr std::size_t P = ws_t::parameter_count;
    std::vector<T> params(P), inputs(2 * S * In::size), grad_chunk(P), grad_ref(P);
    tn::test::fill_uniform(params, 1, -0.3, 0.3);
    tn::test::fill_uniform(inputs, 2, 0.0, 1.0);
    tn::test::fill_uniform(grad_chunk, 3); // gradients are added to what is there
    grad_ref = grad_chunk;
    const auto sample = [&](std::size_t k) {
        return std::pair{tn::tensor_view<const T, In>(inputs.data() + k * In::size),
                         (k * 3) % ws_t::classes};
    };
    const std::span<const T, P> ps(params.data(), P);
    auto chunk = std::make_unique<tn::chunk_workspace<Net, In, T, S>>();
    auto one = std::make_unique<ws_t>();
    // Two chunks in a row: the second must not see the first one's activations.
    T loss_chunk = chunk->forward_backward(ps, sample, 0, std::span<T, P>(grad_chunk));
    loss_chunk += chunk->forward_backward(ps, sample, S, std::span<T, P>(grad_chunk));
    T loss_ref{};
    for (std::size_t k = 0; k < 2 * S; ++k) {
        const auto [x, label] = sample(k);
        loss_ref +=
            one->forward_backward(ps, x, label, std::span<T, P>(grad_ref), tn::skip_input_gradient);
    }
    const double rtol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    BOOST_TEST(static_cast<double>(loss_chunk) == static_cast<double>(loss_ref),
               what << " loss" << boost::test_tools::tolerance(rtol));
    // The gradient elements start in [-1, 1] and receive sums over 2S samples in another order;
    // where they cancel to a small value the rounding stays at the size of the terms (about 1).
    const double atol = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    tn::test::check_close(grad_chunk, grad_ref, rtol, atol, std::string(what) + " gradient");
}

using dense_net = tn::seq<tn::dense<12>, tn::relu, tn::dense<5>, tn::softmax_ce>;
using no_tail_net =
    tn::seq<tn::conv<3, 3, tn::filters<2>>, tn::relu, tn::maxpool<2>, tn::softmax_ce>;

static_assert(tn::network<tn::dsl::lenet5, tn::dsl::lenet5_input>::batched_tail_from == 6);
static_assert(tn::network<dense_net, tn::shape<9>>::batched_tail_from == 0);
static_assert(tn::network<no_tail_net, tn::shape<1, 6, 6>>::batched_tail_from == 3);

} // namespace

BOOST_AUTO_TEST_CASE(lenet5) {
    check_chunk_equals_samples<tn::dsl::lenet5, tn::dsl::lenet5_input, double, 8>("lenet5 double");
    check_chunk_equals_samples<tn::dsl::lenet5, tn::dsl::lenet5_input, float, 8>("lenet5 float");
    check_chunk_equals_samples<tn::dsl::lenet5, tn::dsl::lenet5_input, float, 3>("lenet5 S=3");
}

BOOST_AUTO_TEST_CASE(all_dense_and_no_tail) {
    check_chunk_equals_samples<dense_net, tn::shape<9>, double, 4>("dense double");
    check_chunk_equals_samples<dense_net, tn::shape<9>, float, 5>("dense float");
    check_chunk_equals_samples<no_tail_net, tn::shape<1, 6, 6>, double, 4>("no tail");
}

BOOST_AUTO_TEST_CASE(a_bad_label_throws_before_anything_is_added) {
    using ws_t = tn::workspace<tn::dsl::lenet5, tn::dsl::lenet5_input, float>;
    constexpr std::size_t P = ws_t::parameter_count;
    std::vector<float> params(P, 0.01f), input(tn::dsl::lenet5_input::size, 0.5f), grad(P, 1.0f);
    const auto sample = [&](std::size_t k) {
        return std::pair{tn::tensor_view<const float, tn::dsl::lenet5_input>(input.data()),
                         k == 2 ? std::size_t{10} : std::size_t{0}};
    };
    auto chunk = std::make_unique<tn::chunk_workspace<tn::dsl::lenet5, tn::dsl::lenet5_input>>();
    BOOST_CHECK_THROW(chunk->forward_backward(std::span<const float, P>(params), sample, 0,
                                              std::span<float, P>(grad)),
                      std::out_of_range);
    for (float g : grad)
        BOOST_TEST_REQUIRE(g == 1.0f);
}
