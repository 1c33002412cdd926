#pragma once
// inference_plan<Net, In, T>: where an inference pass keeps each activation, decided at compile
// time. A training pass keeps every activation (the backward reads them all); an inference pass
// needs a slot only from the node that writes it to the last node that reads it, so slots whose
// lives do not overlap share a buffer. The plan walks the program once, in order:
//   - slot 0, the input, stays where the caller has it (flash, a sensor's buffer): no buffer;
//   - node k's output goes over its input when the layer computes in place (forward_in_place:
//     the element-wise activations and a residual's add) and no later node reads that input;
//   - otherwise into a buffer that holds no live slot (the largest such, so buffers grow least),
//     or a new one; a buffer is as large as the largest slot it ever holds;
//   - after node k, every slot whose last reader is k frees its buffer; the network's output is
//     never freed (the caller reads it).
// A chain needs two buffers (a node's input and output are live together), a residual three
// (the shortcut's slot lives across the block). The buffers lie one after the other in an arena,
// each starting on a tensor_alignment boundary.

#include "typenet/compose/network.hpp"
#include "typenet/layers/layer.hpp"
#include "typenet/tensor/tensor.hpp"

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace typenet {

namespace detail {
/// The elements of slot shape S; 0 for a slot after a failed rule (which has been reported).
template<class S>
constexpr std::size_t slot_size() {
    if constexpr (is_shape_v<S>)
        return S::size;
    else
        return 0;
}
} // namespace detail

/// Whether L's forward may be given an output that is its (first) input: an element-wise layer,
/// which reads each element before it writes it (elementwise_layer, residual_add).
template<class L>
inline constexpr bool forward_in_place_v = requires {
    requires L::forward_in_place;
};

template<class Net, class In, class T = float>
struct inference_plan {
    using network_type = network<Net, In>;
    /// Slots of an inference pass: the input and the output of every body node.
    static constexpr std::size_t slots = network_type::body_count + 1;
    /// The buffer_of value of the input slot, which the caller owns.
    static constexpr std::size_t caller_owned = static_cast<std::size_t>(-1);
    /// Elements per tensor_alignment boundary.
    static constexpr std::size_t align_elements = tensor_alignment / sizeof(T) > 0
                                                      ? tensor_alignment / sizeof(T)
                                                      : 1;

private:
    template<std::size_t... K>
    static constexpr std::array<std::size_t, slots> make_sizes(std::index_sequence<K...>) {
        return {detail::slot_size<typename network_type::template shape_at<K>>()...};
    }
    template<std::size_t... K>
    static constexpr std::array<bool, slots - 1> make_in_place(std::index_sequence<K...>) {
        return {forward_in_place_v<typename network_type::template layer<K>>...};
    }

    struct layout {
        std::array<std::size_t, slots> buffer_of{};
        std::array<std::size_t, slots> buffer_size{}; // per buffer, in elements
        std::size_t buffers = 0;
    };
    static constexpr layout plan() {
        constexpr auto size = make_sizes(std::make_index_sequence<slots>{});
        constexpr auto in_place = make_in_place(std::make_index_sequence<slots - 1>{});
        constexpr std::size_t body = slots - 1;
        // The last body node that reads each slot; the output is read after the pass.
        std::array<std::size_t, slots> last_read{};
        for (std::size_t k = 0; k < body; ++k) {
            last_read[network_type::reads[k]] = k;
            if (network_type::skips[k] != detail::no_slot)
                last_read[network_type::skips[k]] = k;
        }
        last_read[body] = body;

        layout l;
        l.buffer_of[0] = caller_owned;
        std::array<std::size_t, slots> holder{}; // per buffer: the slot it holds, or none
        constexpr std::size_t none = static_cast<std::size_t>(-1);
        for (auto& h : holder)
            h = none;
        for (std::size_t k = 0; k < body; ++k) {
            const std::size_t out = k + 1, in = network_type::reads[k];
            std::size_t b = none;
            if (in_place[k] && in != 0 && last_read[in] == k && size[in] == size[out])
                b = l.buffer_of[in];
            else // the largest free buffer
                for (std::size_t c = 0; c < l.buffers; ++c)
                    if (holder[c] == none && (b == none || l.buffer_size[c] > l.buffer_size[b]))
                        b = c;
            if (b == none)
                b = l.buffers++;
            l.buffer_of[out] = b;
            holder[b] = out;
            if (size[out] > l.buffer_size[b])
                l.buffer_size[b] = size[out];
            // Slots read for the last time by node k free their buffers (not the one k wrote).
            for (std::size_t c = 0; c < l.buffers; ++c)
                if (holder[c] != none && holder[c] != out && last_read[holder[c]] == k)
                    holder[c] = none;
        }
        return l;
    }
    static constexpr layout layout_ = plan();

    static constexpr std::size_t round_up(std::size_t n) {
        return (n + align_elements - 1) / align_elements * align_elements;
    }
    static constexpr std::array<std::size_t, slots> make_buffer_offsets() {
        std::array<std::size_t, slots> o{};
        std::size_t at = 0;
        for (std::size_t b = 0; b < layout_.buffers; ++b) {
            o[b] = at;
            at += round_up(layout_.buffer_size[b]);
        }
        return o;
    }
    static constexpr std::array<std::size_t, slots> buffer_offsets_ = make_buffer_offsets();

public:
    /// The number of buffers the pass needs.
    static constexpr std::size_t buffer_count = layout_.buffers;
    /// The buffer each slot lives in (caller_owned for the input).
    static constexpr std::array<std::size_t, slots> buffer_of = layout_.buffer_of;
    /// Each buffer's size in elements (buffer_count entries are meaningful).
    static constexpr std::array<std::size_t, slots> buffer_elements = layout_.buffer_size;
    /// Where each slot starts in the arena, in elements (0 for the input, which is not in it).
    static constexpr std::array<std::size_t, slots> offsets = [] {
        std::array<std::size_t, slots> o{};
        for (std::size_t s = 1; s < slots; ++s)
            o[s] = buffer_offsets_[layout_.buffer_of[s]];
        return o;
    }();
    /// The arena: every buffer, each rounded up to a tensor_alignment boundary (at least one
    /// element, so that an arena type exists for a network of no body nodes).
    static constexpr std::size_t arena_elements = [] {
        std::size_t n = 0;
        for (std::size_t b = 0; b < layout_.buffers; ++b)
            n += round_up(layout_.buffer_size[b]);
        return n > 0 ? n : 1;
    }();
    static constexpr std::size_t arena_bytes = arena_elements * sizeof(T);
};

} // namespace typenet
