// model_storage (include/typenet/model/model_storage.hpp): on a hosted build a model is one
// pointer wide and its state lives in one heap block, so a model of any size can be a local
// variable, even on a thread with a small stack; copies are deep; the inline variant (for
// targets without a heap) holds the state inside the object.
#define BOOST_TEST_MODULE model.model_storage
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <pthread.h>

#include "typenet.hpp"

namespace tn = typenet;

namespace {

// 2048 x 784 weights + 2048 biases: 6.4 MB of parameters and as much again of gradients in
// float, far more than the 256 KiB stack the test thread gets.
using large_net = tn::seq<tn::dense<2048>, tn::softmax_ce>;
using large_input = tn::shape<1, 28, 28>;
using large_model = tn::model<large_net, large_input>;
static_assert(large_model::parameter_count == 2048 * 784 + 2048);

struct result {
    float loss = -1;
    float gradient = -1;
};

/// A large model and its input as locals of a function that runs on a small stack.
void* train_one_sample(void* out) {
    large_model m;
    m.parameters()[0] = 0.5f;
    large_model::input_type x{};
    x(0, 0, 0) = 1.0f;
    auto& r = *static_cast<result*>(out);
    r.loss = m.forward_backward(x, 3);
    r.gradient = m.gradients()[0]; // dL/dW[0][0] = p_0 · x_0 (label 3, not 0)
    return nullptr;
}

} // namespace

BOOST_AUTO_TEST_CASE(hosted_models_are_a_pointer_wide) {
    static_assert(!tn::static_model_storage);
    BOOST_TEST(sizeof(large_model) == sizeof(void*));
}

BOOST_AUTO_TEST_CASE(a_large_model_is_a_local_on_a_small_stack) {
    pthread_attr_t attr;
    BOOST_TEST_REQUIRE(pthread_attr_init(&attr) == 0);
    BOOST_TEST_REQUIRE(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
    result r;
    pthread_t thread;
    BOOST_TEST_REQUIRE(pthread_create(&thread, &attr, train_one_sample, &r) == 0);
    BOOST_TEST_REQUIRE(pthread_join(thread, nullptr) == 0);
    pthread_attr_destroy(&attr);
    // Logits: z_0 = 0.5, the other 2047 are 0. loss = log(e^0.5 + 2047) - z_3.
    const double sum = std::exp(0.5) + 2047.0;
    BOOST_TEST(r.loss == std::log(sum), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(r.gradient == std::exp(0.5) / sum, boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(copies_are_deep_and_assignment_copies_the_state) {
    using seed_model = tn::model<tn::dsl::seed_net, tn::dsl::seed_input>;
    seed_model a;
    a.parameters()[0] = 2.0f;
    seed_model b = a;
    BOOST_TEST(b.parameters()[0] == 2.0f);
    BOOST_TEST(b.parameters().data() != a.parameters().data());
    b.parameters()[0] = 3.0f;
    BOOST_TEST(a.parameters()[0] == 2.0f);
    seed_model c;
    const float* const own = c.parameters().data();
    c = b;
    BOOST_TEST(c.parameters()[0] == 3.0f);
    BOOST_TEST(c.parameters().data() == own); // assignment reuses the block: no allocation
    seed_model d = std::move(c);              // a move copies: c keeps its state
    BOOST_TEST(c.parameters()[0] == 3.0f);
    BOOST_TEST(d.parameters()[0] == 3.0f);
}

BOOST_AUTO_TEST_CASE(inline_storage_holds_the_state_in_the_object) {
    using state = std::array<double, 1000>;
    tn::model_storage<state, true> inside;
    tn::model_storage<state, false> outside;
    static_assert(sizeof(inside) == sizeof(state));
    static_assert(sizeof(outside) == sizeof(void*));
    BOOST_TEST(static_cast<const void*>(&*inside) == static_cast<const void*>(&inside));
    for (double v : *inside) // value-initialised, as the heap variant
        BOOST_TEST(v == 0.0);
    for (double v : *outside)
        BOOST_TEST(v == 0.0);
}
