#pragma once
// layout_key_v<Net, In>: a 64-bit fingerprint of what a parameter block means for network<Net,
// In>, computed at compile time from its figures (compose/figures.hpp): the input shape and, node
// by node, the slots it reads, its input and output shapes, its parameter and buffer counts and
// its multiply-accumulates (FNV-1a over those numbers, as 64-bit values: a header made on a
// 64-bit workstation has the key a 32-bit target computes). Two networks whose blocks are laid out
// alike have the same key; a changed layer size, kernel, stride, padding, order or residual
// changes it. Layers that differ only in a parameter-free function (relu for tanh) keep it: the
// text signature, which weight files carry, tells those apart. A header of weights made for
// flash (stored_weights) carries the key, so a model built from it for another network does not
// compile.

#include "typenet/compose/figures.hpp"

#include <cstddef>
#include <cstdint>

namespace typenet {

namespace detail {
struct fnv1a {
    std::uint64_t h = 0xcbf29ce484222325ull;
    constexpr void add(std::uint64_t v) {
        for (int byte = 0; byte < 8; ++byte) {
            h ^= (v >> (8 * byte)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    }
    constexpr void add(const shape_figure& s) {
        add(s.rank);
        for (std::size_t d : s.dims)
            add(d);
    }
};

template<class Net, class In>
constexpr std::uint64_t layout_key() {
    fnv1a f;
    f.add(shape_figure_of<In>());
    for (const layer_figure& n : layer_figures<Net, In>::value) {
        f.add(n.reads);
        // no_skip is size_t's largest value, whose width differs between targets.
        f.add(n.skip == layer_figure::no_skip ? ~std::uint64_t{0} : n.skip);
        f.add(n.is_residual_add);
        f.add(n.is_loss);
        f.add(n.input);
        f.add(n.output);
        f.add(n.parameters);
        f.add(n.buffers);
        f.add(n.macs);
    }
    return f.h;
}
} // namespace detail

/// The layout fingerprint of network<Net, In>.
template<class Net, class In>
inline constexpr std::uint64_t layout_key_v = detail::layout_key<Net, In>();

} // namespace typenet
