#pragma once
// summary<Net, In>(): the compile-time derivation made visible — a table, returned as a string
// (nothing is printed), with one row per leaf layer: its input and output shapes, parameter count
// and offset.

#include "typenet/compose/network.hpp"

#include <cstddef>
#include <sstream>
#include <string>
#include <utility>

namespace typenet {

/// The table as text, one line per leaf layer and a total; the caller prints it (or compares it).
template<class Net, class In>
[[nodiscard]] std::string summary() {
    using net = network<Net, In>;
    std::ostringstream os;
    os << "#  layer                      input       output      params  offset\n";
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using L = typename net::template layer<I>;
                std::string name = L::name();
                name.resize(std::max<std::size_t>(name.size(), 26), ' ');
                std::string in = to_string<typename net::template input_shape_at<I>>();
                std::string out = to_string<typename net::template shape_at<I + 1>>();
                in.resize(std::max<std::size_t>(in.size(), 11), ' ');
                out.resize(std::max<std::size_t>(out.size(), 11), ' ');
                os << I << (I < 10 ? "  " : " ") << name << ' ' << in << ' ' << out << ' '
                   << (net::offsets[I + 1] - net::offsets[I]) << "  " << net::offsets[I] << '\n';
            }(),
            ...);
    }
    (std::make_index_sequence<net::layer_count>{});
    os << "total parameters: " << net::parameter_count << '\n';
    return os.str();
}

} // namespace typenet
