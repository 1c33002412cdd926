#pragma once
// The figures of a network, computed at compile time: per node of the program (compose/program.hpp:
// every leaf layer, the layers inside residual blocks and shortcuts, and each residual_add), its
// input and output shapes, parameter and buffer counts and offsets, multiply-accumulates of one
// sample's forward pass and the bytes of the activation it writes; and their totals. All of it is
// constexpr, so a program can static_assert on it (compose/budget.hpp turns a failed limit into a
// message that shows the figure).
//
//   using figures = tn::layer_figures<tn::dsl::lenet5, tn::dsl::lenet5_input>;
//   static_assert(figures::value[0].macs == 86'400);              // conv<5,5,filters<6>>
//   static_assert(tn::network_figures<tn::dsl::lenet5, tn::dsl::lenet5_input>::macs < 300'000);
//
// MACs count the products of the forward pass of one sample, as profilers of PyTorch models do:
// a conv makes out_elements · (C/G) · KH · KW of them (padded zeros included), a dense layer
// in · out; biases, activations, pools, batch norm, dropout, residual adds and the loss count 0 —
// their element-wise work is not a MAC and is not counted here. Another layer gets its figure by
// specialising layer_macs.

#include "typenet/compose/memory_plan.hpp"
#include "typenet/compose/network.hpp"
#include "typenet/layers/conv.hpp"
#include "typenet/layers/dense.hpp"
#include "typenet/layers/layer.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace typenet {

/// The largest rank a shape_figure holds (typenet's activations have rank 1 or 3).
inline constexpr std::size_t max_figure_rank = 4;

/// A shape as a value: its rank, extents (dims[rank..] are 0) and element count. An invalid shape
/// (after a failed rule, which has been reported) is rank 0 with size 0.
struct shape_figure {
    std::size_t rank = 0;
    std::array<std::size_t, max_figure_rank> dims{};
    std::size_t size = 0;

    constexpr bool operator==(const shape_figure&) const = default;
};

/// The figure of shape S.
template<class S>
constexpr shape_figure shape_figure_of() {
    shape_figure f;
    if constexpr (is_shape_v<S>) {
        static_assert(S::rank <= max_figure_rank,
                      "typenet::shape_figure: the shape has more dimensions than a shape_figure "
                      "holds (max_figure_rank)");
        f.rank = S::rank;
        for (std::size_t i = 0; i < S::rank; ++i)
            f.dims[i] = S::dims[i];
        f.size = S::size;
    }
    return f;
}

/// Multiply-accumulates of Layer's forward pass on one sample of shape In (a valid input); 0
/// unless specialised. Specialise it (a static member `value`) for a layer of your own that
/// multiplies.
template<class Layer, class In>
struct layer_macs : std::integral_constant<std::size_t, 0> {};

/// conv: every output element is a dot product over its group's C/G input channels and the
/// KH×KW window.
template<std::size_t KH, std::size_t KW, class... Opts, class In>
struct layer_macs<conv<KH, KW, Opts...>, In> {
    using layer = conv<KH, KW, Opts...>;
    static constexpr std::size_t value =
        layer::template out_shape<In>::size * (dim_v<In, 0> / layer::group_count) * KH * KW;
};

/// dense: one product per weight.
template<std::size_t N, class In>
struct layer_macs<dense<N>, In> : std::integral_constant<std::size_t, In::size * N> {};

/// The figures of one node of the program.
struct layer_figure {
    /// The value of `skip` for a node that reads one slot.
    static constexpr std::size_t no_skip = detail::no_slot;

    /// The slot the node reads (slot 0 is the network's input; node k writes slot k + 1) and,
    /// for a residual_add, the shortcut's slot.
    std::size_t reads = 0;
    std::size_t skip = no_skip;
    bool is_residual_add = false;
    bool is_loss = false;
    /// The shape read from `reads` and the shape made (for the loss: the logits it consumes).
    shape_figure input;
    shape_figure output;
    /// Counts and offsets in the model's flat parameter and buffer blocks.
    std::size_t parameters = 0;
    std::size_t parameter_offset = 0;
    std::size_t buffers = 0;
    std::size_t buffer_offset = 0;
    /// Multiply-accumulates of the forward pass, per sample (layer_macs).
    std::size_t macs = 0;
    /// Bytes of the slot the node writes, per sample: output.size · sizeof(T). 0 for the loss,
    /// which writes no activation.
    std::size_t activation_bytes = 0;

    constexpr bool operator==(const layer_figure&) const = default;
};

namespace detail {
template<class Layer>
std::string name_text() {
    return Layer::name();
}
template<class Path>
std::string path_text() {
    return Path::str();
}

template<class Layer, class In>
constexpr std::size_t macs_of() {
    if constexpr (!is_shape_v<In> || !is_layer<Layer>::value || is_residual_add_v<Layer>)
        return 0;
    else if constexpr (!Layer::template valid<In>)
        return 0;
    else
        return layer_macs<Layer, In>::value;
}
} // namespace detail

/// The figures of every node of network<Net, In>, in program order, with activations of type T.
template<class Net, class In, class T = float>
struct layer_figures {
    using network_type = network<Net, In>;
    static constexpr std::size_t size = network_type::layer_count;

private:
    template<std::size_t I>
    static constexpr layer_figure figure_of() {
        using net = network_type;
        using N = typename net::template node_at<I>;
        using L = typename N::layer;
        layer_figure f;
        f.reads = N::in;
        f.skip = N::skip;
        f.is_residual_add = detail::is_residual_add_v<L>;
        f.is_loss = detail::is_loss_layer<L>();
        f.input = shape_figure_of<typename net::template input_shape_at<I>>();
        f.output = shape_figure_of<typename net::template shape_at<I + 1>>();
        f.parameters = net::offsets[I + 1] - net::offsets[I];
        f.parameter_offset = net::offsets[I];
        f.buffers = net::buffer_offsets[I + 1] - net::buffer_offsets[I];
        f.buffer_offset = net::buffer_offsets[I];
        f.macs = detail::macs_of<L, typename net::template input_shape_at<I>>();
        f.activation_bytes = f.is_loss ? 0 : f.output.size * sizeof(T);
        return f;
    }
    template<std::size_t... I>
    static constexpr std::array<layer_figure, size> make(std::index_sequence<I...>) {
        return {figure_of<I>()...};
    }
    using text_of_node = std::string (*)();
    template<std::size_t... I>
    static constexpr std::array<text_of_node, size> make_names(std::index_sequence<I...>) {
        return {&detail::name_text<typename network_type::template layer<I>>...};
    }
    template<std::size_t... I>
    static constexpr std::array<text_of_node, size> make_paths(std::index_sequence<I...>) {
        return {&detail::path_text<typename network_type::template node_at<I>::path>...};
    }
    static constexpr std::array<text_of_node, size> names_ =
        make_names(std::make_index_sequence<size>{});
    static constexpr std::array<text_of_node, size> paths_ =
        make_paths(std::make_index_sequence<size>{});

public:
    /// value[k]: the figures of node k.
    static constexpr std::array<layer_figure, size> value = make(std::make_index_sequence<size>{});

    /// Node k's layer as summaries spell it ("conv<3,3,filters<8>,padding<1>>", "add").
    static std::string name(std::size_t k) { return names_.at(k)(); }
    /// Node k's place as PyTorch names it: "3" at the top level, "3.block.0" and "3.shortcut.1"
    /// inside the residual at position 3, "3" for that residual's add.
    static std::string path(std::size_t k) { return paths_.at(k)(); }
};

/// The totals of network<Net, In> with parameters and activations of type T, per sample.
template<class Net, class In, class T = float>
struct network_figures {
    using figures = layer_figures<Net, In, T>;

private:
    template<class Field>
    static constexpr std::size_t sum(Field field) {
        std::size_t s = 0;
        for (const layer_figure& f : figures::value)
            s += field(f);
        return s;
    }

public:
    /// Nodes of the program (leaf layers and residual adds).
    static constexpr std::size_t nodes = figures::size;
    static constexpr std::size_t parameters =
        sum([](const layer_figure& f) { return f.parameters; });
    static constexpr std::size_t buffers = sum([](const layer_figure& f) { return f.buffers; });
    /// Multiply-accumulates of one sample's forward pass.
    static constexpr std::size_t macs = sum([](const layer_figure& f) { return f.macs; });
    static constexpr std::size_t parameter_bytes = parameters * sizeof(T);
    static constexpr std::size_t buffer_bytes = buffers * sizeof(T);
    /// One sample's input, and every activation the forward pass writes for it.
    static constexpr std::size_t input_bytes = shape_figure_of<In>().size * sizeof(T);
    static constexpr std::size_t activation_bytes =
        sum([](const layer_figure& f) { return f.activation_bytes; });
    /// Parameters, buffers, one sample's input and activations: the memory of a forward pass of
    /// one sample laid out as typenet lays it out (every slot kept, none reused), gradients and
    /// optimiser state not included.
    static constexpr std::size_t total_bytes =
        parameter_bytes + buffer_bytes + input_bytes + activation_bytes;

    /// An inference pass (model/inference.hpp): its activations in the buffers of
    /// inference_plan, which slots whose lives do not overlap share.
    static constexpr std::size_t inference_activation_bytes =
        inference_plan<Net, In, T>::arena_bytes;
    /// The RAM of an inference pass whose parameters and buffers are in flash (stored_weights):
    /// one input and an inference object, which holds the planned activations and two pointers
    /// (padded to the arena's alignment): sizeof(inference<Net, In, T>) + input_bytes.
    static constexpr std::size_t inference_ram_bytes =
        input_bytes +
        (inference_activation_bytes + 2 * sizeof(const void*) + tensor_alignment - 1) /
            tensor_alignment * tensor_alignment;
    /// Parameters, buffers and the inference pass's RAM.
    static constexpr std::size_t inference_bytes =
        parameter_bytes + buffer_bytes + inference_ram_bytes;
    /// One training step on one sample (a workspace: every activation, its gradient, the
    /// residuals' scratch, the parameter gradient) with the parameters and buffers in RAM;
    /// an optimiser's state is extra (SGD with momentum: one more parameter block).
    static constexpr std::size_t training_step_bytes =
        parameter_bytes + buffer_bytes +
        sizeof(typename network<Net, In>::template sample_state<T>) +
        (parameter_bytes + tensor_alignment - 1) / tensor_alignment * tensor_alignment;
};

/// The figures of network<Net, In> with values of type T, as an object, for
///   constexpr auto& fp = typenet::footprint<net, shape<1, 28, 28>>;
///   static_assert(fp.inference_ram_bytes <= 32 * 1024);
template<class Net, class In, class T = float>
inline constexpr network_figures<Net, In, T> footprint{};

} // namespace typenet
