// io/safetensors.hpp: the parameters-only span overloads are for networks without buffers. A
// network with batch_norm keeps running statistics and num_batches_tracked, which a weights file
// holds too; saving its parameters alone would write a file that neither typenet nor PyTorch's
// load_state_dict(strict=True) accepts.
// expect-error: this network has batch_norm buffers and counters, which a weights file holds too

#include "typenet/io/safetensors.hpp"

#include <cstdint>
#include <span>

#include "typenet.hpp"

namespace cf {
using net = typenet::seq<typenet::dense<3>, typenet::batch_norm, typenet::softmax_ce>;
using input = typenet::shape<4>;

void save(const typenet::model<net, input>& m) {
#ifdef TYPENET_COMPILE_FAIL
    typenet::save_safetensors<net, input>(m.parameters(), "w.safetensors");
#else
    typenet::save_safetensors<net, input>(m.parameters(), m.buffers(), m.batch_counters(),
                                          "w.safetensors");
#endif
}
} // namespace cf
