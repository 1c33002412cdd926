// inference (model/inference.hpp) from stored_weights of another parameter count: a header
// written for the depthwise-separable net (10,122 parameters) given to LeNet-5 (44,426). The one
// error names the mismatch; the rule trait shows both counts.
// expect-error: typenet::inference: the stored weights hold another number of parameters
// expect-trait: typenet::stored_count_matches<44426, 10122>

#include "typenet/dsl/lenet5.hpp"

#include "typenet.hpp"

namespace cf {
#ifdef TYPENET_COMPILE_FAIL
inline constexpr std::size_t count = 10'122;
#else
inline constexpr std::size_t count = 44'426;
#endif
alignas(64) inline constexpr float parameters[count] = {};
inline constexpr typenet::stored_weights<
    float, count, 0, typenet::layout_key_v<typenet::dsl::lenet5, typenet::dsl::lenet5_input>>
    weights{parameters, nullptr, "lenet5"};
inline typenet::inference<typenet::dsl::lenet5, typenet::dsl::lenet5_input> run{weights};
} // namespace cf
