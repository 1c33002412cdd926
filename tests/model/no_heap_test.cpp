// Inference and a training step touch no heap: every call below runs under a heap_trap
// (tests/optim/count_new.hpp), which aborts the program on any operator new. Objects are built
// before the trap (a hosted model allocates its state once, in its constructor); what runs
// inside it is what a device runs per image or per step: inference<>::forward and predict, a
// model's forward and forward_backward per sample and per batch (after reserve(), with
// batch_norm's batch statistics), zero_grad, and the optimisers' steps.
#define BOOST_TEST_MODULE model.no_heap
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"
#include "typenet/model/inference.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"
#include "typenet/optim/sgd.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <span>

#include "../optim/count_new.hpp"
#include "typenet.hpp"

namespace tn = typenet;

namespace {

template<class Net, class In>
void train_and_infer_inside_the_trap() {
    using model_t = tn::model<Net, In>;
    static model_t m;
    tn::init_parameters(m, tn::init_scheme::kaiming_uniform, 7);
    tn::sgd_options with_momentum;
    with_momentum.momentum = 0.9;
    tn::sgd<float, model_t::parameter_count> sgd(with_momentum);
    tn::adam<float, model_t::parameter_count> adam;
    constexpr std::size_t batch = 4;
    static std::array<typename model_t::input_type, batch> xs{};
    for (std::size_t k = 0; k < batch; ++k)
        for (std::size_t i = 0; i < xs[k].size(); ++i)
            xs[k].data()[i] = static_cast<float>((i * 7 + k * 13) % 17) / 17.0f;
    const std::array<int, batch> labels{1, 3, 5, 7};
    static std::array<typename model_t::output_type, batch> logits{};
    m.reserve(batch);
    static tn::inference<Net, In> run(
        std::span<const float, model_t::parameter_count>(m.parameters()),
        std::span<const float, model_t::buffer_count>(m.buffers()));

    float first_loss = 0, last_loss = 0;
    const std::size_t before = tn::test::allocations.load();
    {
        const tn::test::heap_trap trap;
        for (int step = 0; step < 3; ++step) {
            m.train();
            m.zero_grad();
            const float loss = m.forward_backward(std::span<const typename model_t::input_type>(xs),
                                                  std::span<const int>(labels));
            (step == 0 ? first_loss : last_loss) = loss;
            if (step % 2 == 0)
                sgd.step(m.parameters(), m.gradients(), 1.0f);
            else
                adam.step(m.parameters(), m.gradients(), 1.0f);
            m.zero_grad();
            m.forward_backward(xs[0], labels[0]);
            m.forward(xs[1]);
        }
        m.eval();
        m.forward(std::span<const typename model_t::input_type>(xs),
                  std::span<typename model_t::output_type>(logits));
        for (const auto& x : xs)
            BOOST_CHECK_LT(run.predict(x.view()), model_t::classes);
    }
    BOOST_TEST(tn::test::allocations.load() == before);
    BOOST_TEST(std::isfinite(first_loss));
    BOOST_TEST(std::isfinite(last_loss));
    // The inference object ran from the trained parameters: its logits are the model's.
    const auto y = run.forward(xs[0].view());
    const auto& expected = m.forward(xs[0]);
    for (std::size_t k = 0; k < model_t::classes; ++k)
        BOOST_TEST(y.data()[k] == expected.data()[k]);
}

} // namespace

BOOST_AUTO_TEST_CASE(lenet5_makes_no_allocation) {
    train_and_infer_inside_the_trap<tn::dsl::lenet5, tn::dsl::lenet5_input>();
}

BOOST_AUTO_TEST_CASE(separable_net_makes_no_allocation) {
    train_and_infer_inside_the_trap<tn::dsl::separable, tn::dsl::separable_input>();
}

BOOST_AUTO_TEST_CASE(residual_net_with_batch_norm_makes_no_allocation) {
    train_and_infer_inside_the_trap<tn::dsl::resnet_fmnist, tn::dsl::resnet_fmnist_input>();
}
