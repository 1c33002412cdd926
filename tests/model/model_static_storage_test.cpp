// model_storage with TYPENET_STATIC_STORAGE (the configuration for targets without a heap): the
// model holds its state inside the object, so a model in static storage never touches the heap,
// and behaves as the hosted one.
#define TYPENET_STATIC_STORAGE 1
#define BOOST_TEST_MODULE model.model_static_storage
#include "typenet/dsl/lenet5.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>

#include "../optim/count_new.hpp"
#include "typenet.hpp"

namespace tn = typenet;
using model_t = tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input>;

static_assert(tn::static_model_storage);
// Parameters and gradients (44,426 floats each) and the activations are inside the object.
static_assert(sizeof(model_t) > 2 * model_t::parameter_count * sizeof(float));

namespace {
model_t trained; // static storage, as on a microcontroller
} // namespace

BOOST_AUTO_TEST_CASE(a_static_model_trains_without_the_heap) {
    model_t::input_type x{};
    x(0, 14, 14) = 1.0f;
    const auto before = tn::test::allocations.load();
    const float loss = trained.forward_backward(x, 3); // all-zero parameters: log(10)
    BOOST_TEST(tn::test::allocations.load() == before);
    BOOST_TEST(loss == std::log(10.0f), boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(static_cast<const void*>(trained.parameters().data()) >=
               static_cast<const void*>(&trained));
    BOOST_TEST(static_cast<const void*>(trained.parameters().data()) <
               static_cast<const void*>(&trained + 1));
}
