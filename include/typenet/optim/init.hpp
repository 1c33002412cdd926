#pragma once
// Parameter initialisation from a seed. Every scheme draws from a uniform distribution whose
// bound comes from the tensor's fan-in / fan-out (param_desc, computed as PyTorch's
// _calculate_fan_in_and_fan_out does):
//
//   pytorch_default   weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)): what nn.Conv2d and
//                     nn.Linear's reset_parameters() do (kaiming_uniform_ with a = sqrt(5) for
//                     the weight, whose gain sqrt(2 / (1 + 5)) makes the bound 1/sqrt(fan_in))
//   kaiming_uniform   weight ~ U(-sqrt(6/fan_in), sqrt(6/fan_in)), bias 0: He et al. 2015 for
//                     ReLU (nn.init.kaiming_uniform_ with a = 0, mode fan_in)
//   xavier_uniform    weight ~ U(-sqrt(6/(fan_in+fan_out)), +...), bias 0: Glorot & Bengio 2010
//                     (nn.init.xavier_uniform_, gain 1)
//
// A tensor with a fixed initial value (param_desc::fixed_init: batch_norm's weight 1 and bias 0)
// gets it under every scheme and draws nothing from the stream.
//
// The stream is std::mt19937_64 (fully specified by the standard) mapped to [0, 1) by taking 53
// bits, not std::uniform_real_distribution (whose algorithm differs between standard
// libraries): a seed gives the same parameters with any compiler.

#include "typenet/compose/network.hpp"
#include "typenet/detail/failure.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/model/model.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace typenet {

enum class init_scheme { pytorch_default, kaiming_uniform, xavier_uniform };

/// "pytorch_default", "kaiming_uniform", "xavier_uniform" (also "he" and "glorot"), for a CLI.
inline init_scheme parse_init_scheme(std::string_view name) {
    if (name == "pytorch_default" || name == "pytorch" || name == "default")
        return init_scheme::pytorch_default;
    if (name == "kaiming_uniform" || name == "kaiming" || name == "he")
        return init_scheme::kaiming_uniform;
    if (name == "xavier_uniform" || name == "xavier" || name == "glorot")
        return init_scheme::xavier_uniform;
    typenet::detail::fail<std::invalid_argument>([&] {
        return "typenet: unknown initialisation '" + std::string(name) +
               "' (expected pytorch_default, kaiming_uniform or xavier_uniform)";
    });
}

inline const char* to_string(init_scheme s) {
    switch (s) {
    case init_scheme::pytorch_default:
        return "pytorch_default";
    case init_scheme::kaiming_uniform:
        return "kaiming_uniform";
    case init_scheme::xavier_uniform:
        return "xavier_uniform";
    }
    return "?";
}

/// The half-width b of U(-b, b) that `scheme` draws the tensor `d` from (0: all zero).
inline double init_bound(const param_desc& d, init_scheme scheme) {
    if (d.fan_in == 0)
        return 0.0;
    switch (scheme) {
    case init_scheme::pytorch_default:
        return 1.0 / std::sqrt(static_cast<double>(d.fan_in));
    case init_scheme::kaiming_uniform:
        return d.is_bias ? 0.0 : std::sqrt(6.0 / static_cast<double>(d.fan_in));
    case init_scheme::xavier_uniform:
        return d.is_bias ? 0.0 : std::sqrt(6.0 / static_cast<double>(d.fan_in + d.fan_out));
    }
    return 0.0;
}

/// Fills every tensor of `entries` (network::parameter_entries(): desc and offset into
/// `params`) from U(-b, b), b = init_bound(desc, scheme), drawing in entry order from one
/// mt19937_64 seeded with `seed`.
template<class T, std::size_t N, class Entries>
void init_parameters(std::span<T, N> params, const Entries& entries, init_scheme scheme,
                     std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (const auto& e : entries) {
        const std::size_t n = e.desc.size();
        if (e.offset + n > params.size())
            typenet::detail::fail<std::invalid_argument>([&] {
                return "typenet::init_parameters: tensor '" + e.name + "' lies outside the " +
                       std::to_string(params.size()) + " parameters given";
            });
        if (e.desc.fixed_init) {
            // As PyTorch's reset_parameters for batch norm: ones and zeros, no draw.
            for (std::size_t i = 0; i < n; ++i)
                params[e.offset + i] = static_cast<T>(e.desc.init_value);
            continue;
        }
        const double b = init_bound(e.desc, scheme);
        for (std::size_t i = 0; i < n; ++i) {
            // u in [0, 1) with 53 random bits; x = b (2u - 1) in [-b, b).
            const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
            params[e.offset + i] = static_cast<T>(b * (2.0 * u - 1.0));
        }
    }
}

/// The same for the parameter block of network<Net, In> (e.g. a trainer's shared parameters).
template<class Net, class In, class T, std::size_t N>
void init_parameters(std::span<T, N> params, init_scheme scheme, std::uint64_t seed) {
    if (params.size() != network<Net, In>::parameter_count)
        typenet::detail::fail<std::invalid_argument>([&] {
            return "typenet::init_parameters: " + std::to_string(params.size()) +
                   " parameters given for a network of " +
                   std::to_string(network<Net, In>::parameter_count);
        });
    init_parameters(params, network<Net, In>::parameter_entries(), scheme, seed);
}

/// The same for a model.
template<class Net, class In, class T>
void init_parameters(model<Net, In, T>& m, init_scheme scheme, std::uint64_t seed) {
    init_parameters(m.parameters(), model<Net, In, T>::parameter_entries(), scheme, seed);
}

/// The same names under typenet::optim, the folder they live in.
namespace optim {
using ::typenet::init_bound;
using ::typenet::init_parameters;
using ::typenet::init_scheme;
using ::typenet::parse_init_scheme;
} // namespace optim

} // namespace typenet
