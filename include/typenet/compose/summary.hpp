#pragma once
// summary<Net, In, T>(): the compile-time figures of a network (compose/figures.hpp) as a table,
// returned as a string (nothing is printed): one row per node of the program — every leaf layer,
// the layers of residual blocks and shortcuts, each residual's add — with its PyTorch path, input
// and output shapes, parameter count and offset, forward multiply-accumulates and activation bytes
// per sample; then the totals.

#include "typenet/compose/figures.hpp"
#include "typenet/shape/shape.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace typenet {

namespace detail {
/// "1x28x28", as to_string<shape<...>> spells it.
inline std::string shape_text(const shape_figure& s) {
    if (s.rank == 0)
        return s.size == 0 ? "invalid" : "scalar";
    std::string t;
    for (std::size_t i = 0; i < s.rank; ++i) {
        if (i)
            t += 'x';
        t += std::to_string(s.dims[i]);
    }
    return t;
}
} // namespace detail

/// The table as text, one line per node and the totals; the caller prints it (or compares it).
/// Activation bytes are for values of type T.
template<class Net, class In, class T = float>
[[nodiscard]] std::string summary() {
    using figures = layer_figures<Net, In, T>;
    using totals = network_figures<Net, In, T>;
    constexpr std::size_t columns = 9;
    // Text columns are left-aligned, counts right-aligned.
    constexpr std::array<bool, columns> numeric{false, false, false, false, false,
                                                true,  true,  true,  true};
    std::vector<std::array<std::string, columns>> rows;
    rows.push_back(
        {"#", "path", "layer", "input", "output", "params", "offset", "MACs", "act_bytes"});
    for (std::size_t k = 0; k < figures::size; ++k) {
        const layer_figure& f = figures::value[k];
        rows.push_back({std::to_string(k), figures::path(k), figures::name(k),
                        detail::shape_text(f.input), detail::shape_text(f.output),
                        std::to_string(f.parameters), std::to_string(f.parameter_offset),
                        std::to_string(f.macs), std::to_string(f.activation_bytes)});
    }
    std::array<std::size_t, columns> width{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < columns; ++c)
            width[c] = std::max(width[c], row[c].size());

    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string pad(width[c] - row[c].size(), ' ');
            if (c)
                line += "  ";
            line += numeric[c] ? pad + row[c] : row[c] + pad;
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line;
        out += '\n';
    }
    out += "total parameters: " + std::to_string(totals::parameters) + '\n';
    out += "total buffers: " + std::to_string(totals::buffers) + '\n';
    out += "total MACs per sample: " + std::to_string(totals::macs) + '\n';
    out += "total activation bytes per sample: " + std::to_string(totals::activation_bytes) + " (" +
           std::to_string(sizeof(T)) + "-byte values; input " +
           std::to_string(totals::input_bytes) + ")\n";
    return out;
}

} // namespace typenet
