// inference (model/inference.hpp) from stored_weights made for another network: LeNet-5 with a
// padded first conv has LeNet-5's parameter count but another layout key (the first conv's
// output is 6x28x28, so every shape after it differs), and the weights do not compile into it.
// The one error names the mismatch; the rule trait shows both keys.
// expect-error: typenet::inference: the stored weights were made for a network with another
// expect-trait: typenet::weights_made_for_network<

#include "typenet/dsl/lenet5.hpp"

#include "typenet.hpp"

namespace cf {
using padded =
    typenet::seq<typenet::conv<5, 5, typenet::filters<6>, typenet::padding<2>>, typenet::relu,
                 typenet::maxpool<2>, typenet::conv<5, 5, typenet::filters<16>>, typenet::relu,
                 typenet::maxpool<2>, typenet::dense<120>, typenet::relu, typenet::dense<84>,
                 typenet::relu, typenet::dense<10>, typenet::softmax_ce>;
#ifdef TYPENET_COMPILE_FAIL
using made_for = padded;
#else
using made_for = typenet::dsl::lenet5;
#endif
alignas(64) inline constexpr float parameters[44'426] = {};
inline constexpr typenet::stored_weights<
    float, 44'426, 0, typenet::layout_key_v<made_for, typenet::dsl::lenet5_input>>
    weights{parameters, nullptr, "lenet5"};
inline typenet::inference<typenet::dsl::lenet5, typenet::dsl::lenet5_input> run{weights};
} // namespace cf
