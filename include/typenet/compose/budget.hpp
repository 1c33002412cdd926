#pragma once
// Budgets: limits on a network's compile-time figures (compose/figures.hpp), checked where the
// network is defined.
//
//   static_assert(tn::check_budget<net, tn::shape<1, 28, 28>, float, tn::max_macs<20'000'000>,
//                                  tn::max_total_bytes<256 * 1024>>());
//
// A limit that fails stops the build with one error per failed limit, naming the figure; the
// figure's value and the limit are the arguments of the rule trait within_limit<Limit, Figure>,
// which g++ 12 and clang 14 both print with the values substituted ("within_limit<max_macs<
// 100000>, 281640>" evaluates to false). A plain static_assert(network_figures<...>::macs <= N)
// works too, but only g++ shows the figure ("the comparison reduces to (281640 <= 100000)");
// clang 14 prints the expression as written. fits_budget_v is the same test as a trait, without
// the diagnostics.

#include "typenet/compose/figures.hpp"
#include "typenet/compose/network.hpp"

#include <cstddef>
#include <type_traits>

namespace typenet {

/// Limits of a budget, each on one figure of network_figures.
template<std::size_t N>
struct max_parameters {
    static constexpr std::size_t value = N;
};
/// Multiply-accumulates of one sample's forward pass.
template<std::size_t N>
struct max_macs {
    static constexpr std::size_t value = N;
};
/// Bytes of the activations one sample's forward pass writes.
template<std::size_t N>
struct max_activation_bytes {
    static constexpr std::size_t value = N;
};
/// Parameters, buffers, one sample's input and activations, in bytes (network_figures's
/// total_bytes).
template<std::size_t N>
struct max_total_bytes {
    static constexpr std::size_t value = N;
};

/// Parameters, buffers and the RAM of an inference pass (network_figures's inference_bytes).
template<std::size_t N>
struct max_inference_bytes {
    static constexpr std::size_t value = N;
};
/// The RAM of an inference pass with parameters and buffers in flash: one input and the
/// inference object that holds the planned activations (inference_ram_bytes).
template<std::size_t N>
struct max_inference_ram_bytes {
    static constexpr std::size_t value = N;
};
/// One training step on one sample (training_step_bytes).
template<std::size_t N>
struct max_training_step_bytes {
    static constexpr std::size_t value = N;
};

template<class L>
struct is_budget_limit : std::false_type {};
template<std::size_t N>
struct is_budget_limit<max_parameters<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_macs<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_activation_bytes<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_total_bytes<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_inference_bytes<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_inference_ram_bytes<N>> : std::true_type {};
template<std::size_t N>
struct is_budget_limit<max_training_step_bytes<N>> : std::true_type {};

/// Rule: the figure does not exceed the limit, e.g. within_limit<max_macs<20'000'000>, 281'640>.
template<class Limit, std::size_t Figure>
struct within_limit : std::bool_constant<(Figure <= Limit::value)> {};

namespace detail {
/// The figure of Figures (a network_figures) that Limit bounds.
template<class Limit, class Figures>
struct limited_figure;
template<std::size_t N, class Figures>
struct limited_figure<max_parameters<N>, Figures>
    : std::integral_constant<std::size_t, Figures::parameters> {};
template<std::size_t N, class Figures>
struct limited_figure<max_macs<N>, Figures> : std::integral_constant<std::size_t, Figures::macs> {};
template<std::size_t N, class Figures>
struct limited_figure<max_activation_bytes<N>, Figures>
    : std::integral_constant<std::size_t, Figures::activation_bytes> {};
template<std::size_t N, class Figures>
struct limited_figure<max_total_bytes<N>, Figures>
    : std::integral_constant<std::size_t, Figures::total_bytes> {};
template<std::size_t N, class Figures>
struct limited_figure<max_inference_bytes<N>, Figures>
    : std::integral_constant<std::size_t, Figures::inference_bytes> {};
template<std::size_t N, class Figures>
struct limited_figure<max_inference_ram_bytes<N>, Figures>
    : std::integral_constant<std::size_t, Figures::inference_ram_bytes> {};
template<std::size_t N, class Figures>
struct limited_figure<max_training_step_bytes<N>, Figures>
    : std::integral_constant<std::size_t, Figures::training_step_bytes> {};

template<class Limit, class Figures>
using limit_holds = within_limit<Limit, limited_figure<Limit, Figures>::value>;

// Each assertion spells within_limit with the figure itself, so that the compilers print its value.
template<class Figures, std::size_t N>
constexpr void check_limit(max_parameters<N>) {
    static_assert(within_limit<max_parameters<N>, Figures::parameters>{},
                  "typenet::check_budget: the network has more parameters than max_parameters<N> "
                  "allows (within_limit<limit, figure> shows both); make it smaller or raise the "
                  "limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_macs<N>) {
    static_assert(within_limit<max_macs<N>, Figures::macs>{},
                  "typenet::check_budget: the network's forward pass makes more multiply-"
                  "accumulates per sample than max_macs<N> allows (within_limit<limit, figure> "
                  "shows both); make it smaller or raise the limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_activation_bytes<N>) {
    static_assert(within_limit<max_activation_bytes<N>, Figures::activation_bytes>{},
                  "typenet::check_budget: the activations of one sample take more bytes than "
                  "max_activation_bytes<N> allows (within_limit<limit, figure> shows both); make "
                  "the network smaller or raise the limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_total_bytes<N>) {
    static_assert(within_limit<max_total_bytes<N>, Figures::total_bytes>{},
                  "typenet::check_budget: parameters, buffers and one sample's activations take "
                  "more bytes than max_total_bytes<N> allows (within_limit<limit, figure> shows "
                  "both); make the network smaller or raise the limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_inference_bytes<N>) {
    static_assert(within_limit<max_inference_bytes<N>, Figures::inference_bytes>{},
                  "typenet::check_budget: parameters, buffers, one input and the planned "
                  "activations of an inference pass take more bytes than max_inference_bytes<N> "
                  "allows (within_limit<limit, figure> shows both); make the network smaller or "
                  "raise the limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_inference_ram_bytes<N>) {
    static_assert(within_limit<max_inference_ram_bytes<N>, Figures::inference_ram_bytes>{},
                  "typenet::check_budget: one input and the planned activations of an inference "
                  "pass take more bytes than max_inference_ram_bytes<N> allows (within_limit<"
                  "limit, figure> shows both); make the activations smaller or raise the limit");
}
template<class Figures, std::size_t N>
constexpr void check_limit(max_training_step_bytes<N>) {
    static_assert(within_limit<max_training_step_bytes<N>, Figures::training_step_bytes>{},
                  "typenet::check_budget: a training step (parameters, gradients, activations "
                  "and their gradients) takes more bytes than max_training_step_bytes<N> allows "
                  "(within_limit<limit, figure> shows both); make the network smaller or raise "
                  "the limit");
}
} // namespace detail

/// Whether network<Net, In> with values of type T keeps every limit (a trait: no diagnostics).
template<class Net, class In, class T, class... Limits>
inline constexpr bool
    fits_budget_v = (detail::limit_holds<Limits, network_figures<Net, In, T>>::value && ...);

/// One static_assert per limit the network exceeds, naming the figure; returns true (a limit
/// that fails stops the build), so it reads as static_assert(check_budget<...>()). An invalid
/// network has reported its own error and is not checked again.
template<class Net, class In, class T, class... Limits>
consteval bool check_budget() {
    static_assert((is_budget_limit<Limits>::value && ...),
                  "typenet::check_budget: a limit is not one of max_parameters<N>, max_macs<N>, "
                  "max_activation_bytes<N>, max_total_bytes<N>, max_inference_bytes<N>, "
                  "max_inference_ram_bytes<N>, max_training_step_bytes<N>");
    if constexpr ((is_budget_limit<Limits>::value && ...) && network<Net, In>::valid)
        (detail::check_limit<network_figures<Net, In, T>>(Limits{}), ...);
    return true;
}

} // namespace typenet
