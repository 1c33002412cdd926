#pragma once
// pass_context: what a pass tells the layers that depend on more than their input — the mode
// (training or evaluation), and for dropout the key of its masks: the generator's seed, the
// training step, the node's position in the network and the sample's position in the batch.
// A mask is a function of that key alone, so it does not depend on which thread runs the sample.

#include <cstddef>
#include <cstdint>

namespace typenet {

struct pass_context {
    bool training = false;
    std::uint64_t seed = 0;
    std::uint64_t step = 0;
    std::size_t layer = 0;  ///< the node's position in the network's program
    std::size_t sample = 0; ///< the sample's position in its batch
};

} // namespace typenet
