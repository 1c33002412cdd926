#pragma once
// leaky_relu<> / leaky_relu<std::ratio<N, D>>: element-wise x for x > 0, else (N/D) x, on any
// shape; the slope is 1/100 by default. PyTorch equivalent: torch.nn.LeakyReLU(N/D). No
// parameters.

#include "typenet/layers/layer.hpp"
#include "typenet/ops/leaky_relu.hpp"

#include <ratio>
#include <string>
#include <type_traits>

namespace typenet {

/// Rule: the slope is a std::ratio.
template<class Slope>
struct leaky_relu_slope_is_ratio : std::false_type {};
template<std::intmax_t N, std::intmax_t D>
struct leaky_relu_slope_is_ratio<std::ratio<N, D>> : std::true_type {};

template<class Slope = std::ratio<1, 100>>
struct leaky_relu : elementwise_layer<leaky_relu<Slope>, ops::leaky_relu_fn<Slope>> {
    template<class In>
    static constexpr bool valid = leaky_relu_slope_is_ratio<Slope>::value&& is_shape_v<In>;
    template<class In>
    static constexpr bool check() {
        static_assert(leaky_relu_slope_is_ratio<Slope>{},
                      "typenet::leaky_relu: the slope is a std::ratio, e.g. "
                      "leaky_relu<std::ratio<1, 5>> for 0.2");
        return valid<In>;
    }
    /// The slope as written in signatures: std::ratio reduces it, so 2/10 and 1/5 are one
    /// architecture.
    static std::string name() {
        if constexpr (leaky_relu_slope_is_ratio<Slope>::value)
            return "leaky_relu<" + std::to_string(Slope::num) + "/" + std::to_string(Slope::den) +
                   ">";
        else
            return "leaky_relu<?>";
    }
    /// Its PyTorch module (io/pytorch_export.hpp), the slope written as the division N / D.
    template<class In>
    static std::string pytorch_module() {
        return "nn.LeakyReLU(" + std::to_string(Slope::num) + " / " + std::to_string(Slope::den) +
               ")";
    }
};

} // namespace typenet
