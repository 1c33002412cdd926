// Fuzz target: io/safetensors.hpp's loader, into the seed network of dsl/seed_net.hpp (five
// parameters: 0.weight [1, 1, 2, 2], 0.bias [1]). Every load either succeeds or throws io_error
// naming the file and leaves the parameters as they were.
#include "typenet/dsl/seed_net.hpp"
#include "typenet/io/safetensors.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = typenet::fuzz::write_input("weights.safetensors", data, size);
    typenet::model<typenet::dsl::seed_net, typenet::dsl::seed_input> m;
    constexpr float untouched = -7.5f;
    std::fill(m.parameters().begin(), m.parameters().end(), untouched);
    try {
        (void)typenet::load_safetensors(m, file);
    } catch (const typenet::io_error& e) {
        FUZZ_CHECK(e.file() == file);
        FUZZ_CHECK(std::all_of(m.parameters().begin(), m.parameters().end(),
                               [](float v) { return v == untouched; }));
    }
    return 0;
}
