#pragma once
// stored_weights<T, P, B, Key>: a network's parameters and buffers that live outside any model,
// typically `constexpr` arrays in a header that tools/weights_header.cpp wrote from a
// safetensors file, which the linker keeps in flash (.rodata). The counts and the layout key
// (compose/layout_key.hpp) are part of the type, so the network that reads them checks at
// compile time that they were made for it (inference's constructor).
//
//   // lenet5_weights.hpp, generated:
//   alignas(64) inline constexpr float parameters[44426] = {...};
//   inline constexpr typenet::stored_weights<float, 44426, 0, 0x8c1b...ull> weights{
//       parameters, nullptr, signature};

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace typenet {

template<class T, std::size_t Parameters, std::size_t Buffers, std::uint64_t LayoutKey>
struct stored_weights {
    static constexpr std::size_t parameter_count = Parameters;
    static constexpr std::size_t buffer_count = Buffers;
    static constexpr std::uint64_t layout_key = LayoutKey;

    /// Parameters values in PyTorch's named_parameters() order and layout.
    const T* parameter_data;
    /// Buffers values (batch_norm's running statistics) in named_buffers() order; nullptr when
    /// there are none.
    const T* buffer_data;
    /// The network's text signature (model::signature()), for people and for host-side checks.
    const char* signature;

    constexpr std::span<const T, Parameters> parameters() const {
        return std::span<const T, Parameters>(parameter_data, Parameters);
    }
    constexpr std::span<const T, Buffers> buffers() const {
        return std::span<const T, Buffers>(buffer_data, Buffers);
    }
};

/// Rule of inference's constructor: weights of layout key Given for a network of key Expected.
template<std::uint64_t Expected, std::uint64_t Given>
struct weights_made_for_network : std::bool_constant<Expected == Given> {};
/// Rule: Given values stored for a network that has Expected (parameters, then buffers).
template<std::size_t Expected, std::size_t Given>
struct stored_count_matches : std::bool_constant<Expected == Given> {};

} // namespace typenet
