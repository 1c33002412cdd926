// inference<Net, In> (model/inference.hpp) and the plan of its activations (compose/
// memory_plan.hpp): the plan of LeNet-5 and of the depthwise-separable net worked out by hand, and
// logits equal, bit for bit, to a model's in evaluation mode for LeNet-5, the separable net and
// the main job's residual net with batch norm (whose running statistics are set away from their
// initial values first), run from the model's blocks and from stored_weights.
#define BOOST_TEST_MODULE model.inference
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"
#include "typenet/model/inference.hpp"
#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "typenet.hpp"

namespace tn = typenet;

namespace {

// LeNet-5, slot by slot (floats): conv 6x24x24 = 3456 into buffer 0, relu over it, pool 864 into
// buffer 1, conv 1024 into 0, relu over it, pool 256 into 1, dense 120 into 0, relu over it,
// dense 84 into 1, relu over it, dense 10 into 0. Buffers of 3456 and 864 floats.
using lenet_plan = tn::inference_plan<tn::dsl::lenet5, tn::dsl::lenet5_input>;
static_assert(lenet_plan::buffer_count == 2);
static_assert(lenet_plan::buffer_of == std::array<std::size_t, 12>{lenet_plan::caller_owned, 0, 0,
                                                                   1, 0, 0, 1, 0, 0, 1, 1, 0});
static_assert(lenet_plan::buffer_elements[0] == 3456 && lenet_plan::buffer_elements[1] == 864);
static_assert(lenet_plan::arena_elements == 3456 + 864);

// The figures a user budgets against: 17,280 bytes of activations; with the inference object's
// two pointers (padded to the arena's 64-byte alignment) and the input, 20,480.
constexpr auto& lenet_fp = tn::footprint<tn::dsl::lenet5, tn::dsl::lenet5_input>;
static_assert(lenet_fp.inference_activation_bytes == 17'280);
static_assert(lenet_fp.inference_ram_bytes == 17'280 + 64 + 3'136);
static_assert(lenet_fp.inference_ram_bytes ==
              sizeof(tn::inference<tn::dsl::lenet5, tn::dsl::lenet5_input>) + lenet_fp.input_bytes);
static_assert(lenet_fp.inference_bytes == 44'426 * 4 + lenet_fp.inference_ram_bytes);
static_assert(lenet_fp.inference_ram_bytes <= 32 * 1024);
static_assert(tn::check_budget<tn::dsl::lenet5, tn::dsl::lenet5_input, float,
                               tn::max_inference_ram_bytes<32 * 1024>>());
// Every slot kept, as a training pass keeps them, takes more than twice as much.
static_assert(lenet_fp.activation_bytes > 2 * lenet_fp.inference_activation_bytes);
// A training step: parameters, their gradients and a workspace's activations and gradients.
static_assert(sizeof(tn::workspace<tn::dsl::lenet5, tn::dsl::lenet5_input>) +
                  lenet_fp.parameter_bytes ==
              lenet_fp.training_step_bytes);

// The separable net: the stem's 16x28x28 (12,544 floats) and the first block's 32x14x14 (6,272)
// are the two largest slots of the two buffers; every relu runs in place.
using separable_plan = tn::inference_plan<tn::dsl::separable, tn::dsl::separable_input>;
static_assert(separable_plan::buffer_count == 2);
static_assert(separable_plan::buffer_elements[0] == 12'544 &&
              separable_plan::buffer_elements[1] == 6'272);
// The residual net: a shortcut's slot lives across its block, so three buffers.
using resnet_plan = tn::inference_plan<tn::dsl::resnet_fmnist, tn::dsl::resnet_fmnist_input>;
static_assert(resnet_plan::buffer_count == 3);

// The layout key tells networks apart by their parameter layout and shapes.
static_assert(tn::layout_key_v<tn::dsl::lenet5, tn::dsl::lenet5_input> !=
              tn::layout_key_v<tn::dsl::separable, tn::dsl::separable_input>);
using lenet5_padded =
    tn::seq<tn::conv<5, 5, tn::filters<6>, tn::padding<2>>, tn::relu, tn::maxpool<2>,
            tn::conv<5, 5, tn::filters<16>>, tn::relu, tn::maxpool<2>, tn::dense<120>, tn::relu,
            tn::dense<84>, tn::relu, tn::dense<10>, tn::softmax_ce>;
static_assert(tn::layout_key_v<tn::dsl::lenet5, tn::dsl::lenet5_input> !=
              tn::layout_key_v<lenet5_padded, tn::dsl::lenet5_input>);

template<class Net, class In>
void check_logits_equal_the_model_s(std::uint64_t seed) {
    static tn::model<Net, In> m;
    tn::init_parameters(m, tn::init_scheme::kaiming_uniform, seed);
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    // Running statistics away from 0 and 1, so that evaluation mode's normalisation matters.
    for (const auto& e : m.buffer_entries())
        for (std::size_t i = 0; i < e.desc.size(); ++i)
            m.buffers()[e.offset + i] =
                e.name.ends_with("running_var") ? 0.5f + u(rng) : u(rng) - 0.5f;
    m.eval();

    tn::inference<Net, In> from_blocks(std::span<const float, m.parameter_count>(m.parameters()),
                                       std::span<const float, m.buffer_count>(m.buffers()));
    const tn::stored_weights<float, m.parameter_count, m.buffer_count, tn::layout_key_v<Net, In>>
        stored{m.parameters().data(), m.buffers().data(), "test"};
    tn::inference<Net, In> from_stored(stored);

    typename tn::model<Net, In>::input_type x;
    for (int image = 0; image < 3; ++image) {
        for (auto& v : x)
            v = u(rng);
        const auto& expected = m.forward(x);
        const auto a = from_blocks.forward(x);
        for (std::size_t k = 0; k < expected.size(); ++k)
            BOOST_TEST(a.data()[k] == expected.data()[k], "logit " << k << " of image " << image);
        const auto b = from_stored.forward(x.view());
        for (std::size_t k = 0; k < expected.size(); ++k)
            BOOST_TEST(b.data()[k] == expected.data()[k]);
        std::size_t best = 0;
        for (std::size_t k = 1; k < expected.size(); ++k)
            if (expected.data()[k] > expected.data()[best])
                best = k;
        BOOST_TEST(from_stored.predict(x.view()) == best);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(lenet5_logits_equal_the_model_s) {
    check_logits_equal_the_model_s<tn::dsl::lenet5, tn::dsl::lenet5_input>(1);
}

BOOST_AUTO_TEST_CASE(separable_logits_equal_the_model_s) {
    check_logits_equal_the_model_s<tn::dsl::separable, tn::dsl::separable_input>(2);
}

BOOST_AUTO_TEST_CASE(residual_net_with_batch_norm_logits_equal_the_model_s) {
    check_logits_equal_the_model_s<tn::dsl::resnet_fmnist, tn::dsl::resnet_fmnist_input>(3);
}

BOOST_AUTO_TEST_CASE(the_object_is_the_ram_figure_less_the_input) {
    using sep = tn::inference<tn::dsl::separable, tn::dsl::separable_input>;
    constexpr auto& fp = tn::footprint<tn::dsl::separable, tn::dsl::separable_input>;
    BOOST_TEST(sizeof(sep) + fp.input_bytes == fp.inference_ram_bytes);
    BOOST_TEST(fp.inference_activation_bytes == (12'544 + 6'272) * 4);
}
