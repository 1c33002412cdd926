#pragma once
// network<Net, In>: everything derived at compile time from a network type and an input shape —
// the program of nodes (compose/program.hpp: the leaf layers in order, a residual flattened into
// its branches and a residual_add node), the shape of every activation slot (a fold of In through
// the nodes), the parameter and buffer offsets and counts — and the static drivers that run the
// nodes for one sample. Holds no data: parameters, buffers and workspaces are passed in (model/
// owns them); the batch-level passes that batch_norm needs are model/data_parallel.hpp's.

#include "typenet/compose/program.hpp"
#include "typenet/compose/residual.hpp"
#include "typenet/compose/seq.hpp"
#include "typenet/layers/layer.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet {

/// A loss must be the network's last layer: `Index` is its position among `Count` layers.
template<class Layer, std::size_t Index, std::size_t Count>
struct loss_is_last : std::bool_constant<Index + 1 == Count> {};

namespace detail {

/// Checks Layer at position Index of Count on input In, once, in this order, with one
/// static_assert for the first failure: that it is a layer at all (is_layer), its own rules
/// (Layer::check), the rest of the layer protocol for that input (implements_layer_protocol), and
/// that a loss comes last (loss_is_last). An input that is already invalid is passed over
/// silently: the layer that produced it has reported.
template<class Layer, class In, std::size_t Index, std::size_t Count>
constexpr bool check_layer() {
    if constexpr (!is_shape_v<In>) {
        return false;
    } else {
        static_assert(is_layer<Layer>{},
                      "typenet::seq: an element is not a layer; a seq holds layers, seqs and "
                      "residuals (a layer provides input_rank, is_loss, name() and the members "
                      "layers/layer.hpp lists)");
        if constexpr (!is_layer<Layer>::value) {
            return false;
        } else if constexpr (!Layer::template check<In>()) {
            return false;
        } else {
            static_assert(implements_layer_protocol<Layer, In>{},
                          "typenet::seq: a layer does not implement the layer protocol for its "
                          "input: it needs out_shape, param_count, params() and forward/backward "
                          "(a loss: loss()) for float and double, as layers/layer.hpp lists");
            if constexpr (!implements_layer_protocol<Layer, In>::value) {
                return false;
            } else if constexpr (Layer::is_loss) {
                static_assert(loss_is_last<Layer, Index, Count>{},
                              "typenet::seq: the loss (softmax_ce) must be the last layer; move "
                              "it to the end or remove the layers after it");
                // A misplaced loss is a failed rule like any other: it invalidates the network,
                // so whole-network checks (forward_backward's has_loss) do not report it a
                // second time.
                return loss_is_last<Layer, Index, Count>::value;
            } else {
                return true;
            }
        }
    }
}

template<class Layer, class In>
struct lazy_out_shape {
    using type = typename Layer::template out_shape<In>;
};

/// The shape Layer (at Index of Count) makes of In, or invalid_shape after a failed rule.
template<class Layer, class In, std::size_t Index, std::size_t Count>
struct layer_out {
    static constexpr bool ok = check_layer<Layer, In, Index, Count>();
    using type = typename std::conditional_t<ok, lazy_out_shape<Layer, In>,
                                             std::type_identity<invalid_shape>>::type;
};

template<class L>
struct is_residual_add : std::false_type {};
template<class R>
struct is_residual_add<residual_add<R>> : std::true_type {};
template<class L>
inline constexpr bool is_residual_add_v = is_residual_add<L>::value;

/// The shape of slot K of the program Nodes on input In: In for K = 0, else what node K - 1
/// makes of the slot(s) it reads. Memoised per K by the instantiation.
template<class Nodes, class In, std::size_t K>
struct slot_shape;

template<class Nodes, class In, class Node, std::size_t Index,
         bool Join = is_residual_add_v<typename Node::layer>>
struct node_out {
    using type =
        typename layer_out<typename Node::layer, typename slot_shape<Nodes, In, Node::in>::type,
                           Index, Nodes::size>::type;
};
template<class Main, class Skip>
constexpr bool both_shapes() {
    return is_shape_v<Main> && is_shape_v<Skip>;
}
template<class Layer, class Main, class Skip>
constexpr bool check_join() {
    if constexpr (!both_shapes<Main, Skip>())
        return false;
    else
        return Layer::template check<Main, Skip>();
}
template<class Nodes, class In, class Node, std::size_t Index>
struct node_out<Nodes, In, Node, Index, true> {
    using main = typename slot_shape<Nodes, In, Node::in>::type;
    using skip = typename slot_shape<Nodes, In, Node::skip>::type;
    using type =
        std::conditional_t<check_join<typename Node::layer, main, skip>(), main, invalid_shape>;
};

template<class Nodes, class In, std::size_t K>
struct slot_shape {
    using type = typename node_out<Nodes, In, typename type_at<K - 1, Nodes>::type, K - 1>::type;
};
template<class Nodes, class In>
struct slot_shape<Nodes, In, 0> {
    using type = In;
};

template<class Layer, class In>
constexpr std::size_t param_count_of() {
    if constexpr (!is_shape_v<In> || !is_layer<Layer>::value)
        return 0;
    else if constexpr (Layer::template valid<In>)
        return Layer::template param_count<In>;
    else
        return 0;
}
template<class Layer, class In>
constexpr std::size_t buffer_count_of() {
    if constexpr (!is_shape_v<In> || !is_layer<Layer>::value)
        return 0;
    else if constexpr (!Layer::template valid<In>)
        return 0;
    else if constexpr (requires { Layer::template buffer_count<In>; })
        return Layer::template buffer_count<In>;
    else
        return 0;
}

template<class Layer>
constexpr bool is_loss_layer() {
    if constexpr (is_layer<Layer>::value)
        return Layer::is_loss;
    else
        return false;
}
template<class Nodes>
constexpr bool program_ends_in_loss() {
    if constexpr (Nodes::size == 0)
        return false;
    else
        return is_loss_layer<typename type_at<Nodes::size - 1, Nodes>::type::layer>();
}

template<class Layer, class In, std::size_t S, class T>
inline constexpr bool has_forward_batch_v = requires {
    &Layer::template forward_batch<In, S, T>;
};
template<class Layer, class In, std::size_t S, class T>
inline constexpr bool has_backward_batch_v = requires {
    &Layer::template backward_batch<In, S, T>;
};

/// Nothing: the scratch slot of a node that writes its input gradient in place.
struct no_scratch {};
} // namespace detail

/// Does the network end in a loss (needed by forward_backward)?
template<class Net>
struct has_loss : std::bool_constant<detail::program_ends_in_loss<detail::program_of<Net>>()> {};

/// Whether a chunk of samples may go through Layer together with its neighbours: a layer with
/// batch kernels (forward_batch / backward_batch), or a cheap element-wise one that simply runs
/// sample by sample in between. Layers say so with `static constexpr bool joins_batched_tail`.
template<class Layer>
inline constexpr bool joins_batched_tail_v = requires {
    requires Layer::joins_batched_tail;
};

template<class Net, class In>
struct network {
    static_assert(is_shape_v<In>, "typenet: the input shape must be typenet::shape<C,H,W> (or "
                                  "shape<N> for a network that starts with dense)");

    /// The program: a type_list of detail::node<Layer, in, skip, path>.
    using nodes = detail::program_of<Net>;
    static constexpr std::size_t layer_count = nodes::size;

    template<std::size_t I>
    using node_at = typename detail::type_at<I, nodes>::type;
    template<std::size_t I>
    using layer = typename node_at<I>::layer;
    /// shape_at<0> is the input; shape_at<I + 1> is the output of node I.
    template<std::size_t I>
    using shape_at = typename detail::slot_shape<nodes, In, I>::type;
    /// The shape node I reads (the previous slot in a chain).
    template<std::size_t I>
    using input_shape_at = shape_at<node_at<I>::in>;

    /// False when some layer rule failed (and was reported).
    static constexpr bool valid = is_shape_v<shape_at<layer_count>>;
    static constexpr bool ends_in_loss = has_loss<Net>::value;
    /// Nodes that compute activations; a final loss only consumes the logits.
    static constexpr std::size_t body_count = ends_in_loss ? layer_count - 1 : layer_count;
    /// The network's output: the logits when it ends in a loss.
    using output_shape = shape_at<body_count>;
    using input_shape = In;

private:
    template<std::size_t... I>
    static constexpr auto make_offsets(std::index_sequence<I...>) {
        std::array<std::size_t, layer_count + 1> o{};
        ((o[I + 1] = o[I] + detail::param_count_of<layer<I>, input_shape_at<I>>()), ...);
        return o;
    }
    template<std::size_t... I>
    static constexpr auto make_buffer_offsets(std::index_sequence<I...>) {
        std::array<std::size_t, layer_count + 1> o{};
        ((o[I + 1] = o[I] + detail::buffer_count_of<layer<I>, input_shape_at<I>>()), ...);
        return o;
    }
    template<std::size_t... I>
    static constexpr auto make_reads(std::index_sequence<I...>) {
        return std::array<std::size_t, layer_count>{node_at<I>::in...};
    }
    template<std::size_t... I>
    static constexpr auto make_skips(std::index_sequence<I...>) {
        return std::array<std::size_t, layer_count>{node_at<I>::skip...};
    }
    template<std::size_t... I>
    static constexpr auto make_batch_flags(std::index_sequence<I...>) {
        return std::array<bool, layer_count>{has_batch_statistics_v<layer<I>>...};
    }
    template<std::size_t... I>
    static constexpr auto make_tail_flags(std::index_sequence<I...>) {
        return std::array<bool, layer_count>{
            (joins_batched_tail_v<layer<I>> && node_at<I>::in == I)...};
    }

public:
    /// Parameter offset of each node in the flat parameter block; offsets[layer_count] is the
    /// total count. Node order is PyTorch's parameters() order (a residual: block, shortcut).
    static constexpr std::array<std::size_t, layer_count + 1> offsets =
        make_offsets(std::make_index_sequence<layer_count>{});
    static constexpr std::size_t parameter_count = offsets[layer_count];
    /// The same for buffers (batch_norm's running statistics), in named_buffers() order.
    static constexpr std::array<std::size_t, layer_count + 1> buffer_offsets =
        make_buffer_offsets(std::make_index_sequence<layer_count>{});
    static constexpr std::size_t buffer_count = buffer_offsets[layer_count];

    /// The slot each node reads, and the second slot a residual_add reads (detail::no_slot).
    static constexpr std::array<std::size_t, layer_count> reads =
        make_reads(std::make_index_sequence<layer_count>{});
    static constexpr std::array<std::size_t, layer_count> skips =
        make_skips(std::make_index_sequence<layer_count>{});
    /// Nodes that take the whole batch's statistics in training mode (batch_norm).
    static constexpr std::array<bool, layer_count> batch_flags =
        make_batch_flags(std::make_index_sequence<layer_count>{});
    static constexpr std::size_t batch_node_count =
        static_cast<std::size_t>(std::count(batch_flags.begin(), batch_flags.end(), true));
    /// The positions of those nodes, in order.
    static constexpr std::array<std::size_t, batch_node_count> batch_nodes = [] {
        std::array<std::size_t, batch_node_count> b{};
        std::size_t n = 0;
        for (std::size_t k = 0; k < layer_count; ++k)
            if (batch_flags[k])
                b[n++] = k;
        return b;
    }();
    /// Whether node K's backward must ADD its input gradient to the slot it reads, because a later
    /// node (which runs earlier in the backward pass) reads that slot too and wrote it first.
    static constexpr bool adds_input_gradient(std::size_t k) { return adds_to(k, reads[k], true); }
    /// Whether any node does (the network has a residual).
    static constexpr bool any_adds = [] {
        for (std::size_t k = 0; k < layer_count; ++k)
            if (adds_input_gradient(k))
                return true;
        return false;
    }();

private:
    /// Whether a node after k (or node k's own first edge, when `own` is false) reads slot s.
    static constexpr bool adds_to(std::size_t k, std::size_t s, bool own) {
        if (!own && reads[k] == s)
            return true;
        for (std::size_t j = k + 1; j < layer_count; ++j)
            if (reads[j] == s || skips[j] == s)
                return true;
        return false;
    }

public:
    template<class T, std::size_t... I>
    static auto make_activations(std::index_sequence<I...>)
        -> boost::hana::tuple<tensor<T, shape_at<I>>...>;
    /// hana::tuple<tensor<T, shape_at<0>>, ..., tensor<T, output_shape>>: the input and the
    /// output of every body node.
    template<class T>
    using activations = decltype(make_activations<T>(std::make_index_sequence<body_count + 1>{}));

    template<class T, std::size_t K>
    using scratch_slot = std::conditional_t<adds_input_gradient(K), tensor<T, input_shape_at<K>>,
                                            detail::no_scratch>;
    template<class T, std::size_t... K>
    static auto make_scratch(std::index_sequence<K...>)
        -> boost::hana::tuple<scratch_slot<T, K>...>;
    /// Per body node: where a node that adds its input gradient (the first layer of a residual's
    /// block) writes it before adding; empty for every other node.
    template<class T>
    using scratch = decltype(make_scratch<T>(std::make_index_sequence<body_count>{}));

    /// One sample's state during a pass: activations, their gradients, the scratch.
    template<class T>
    struct sample_state {
        activations<T> acts{};
        activations<T> grads{};
        scratch<T> scratch_{};
    };

    /// Forward through the body: acts[0] must hold the input; fills acts[1..body_count]. For a
    /// network with buffers (batch_norm) use the overload that takes them.
    template<class T>
    static void forward(const T* params, activations<T>& acts) {
        static_assert(buffer_count == 0,
                      "typenet::network::forward: this network has buffers; pass them");
        forward_nodes<0, body_count>(params, static_cast<const T*>(nullptr), pass_context{}, acts);
    }

    /// Backward through the body: grads[body_count] must hold dL/d(output); fills
    /// grads[0..body_count-1] and ADDS the parameter gradients to `dparams`. With
    /// InputGradient = false, grads[0] (dL/dx) may be left unwritten when the first layer can
    /// skip it, which saves a whole correlation pass for a first conv. For chains only (no
    /// residual, no buffers); sample_state's overloads take everything.
    template<bool InputGradient = true, class T>
    static void backward(const T* params, const activations<T>& acts, activations<T>& grads,
                         T* dparams) {
        static_assert(buffer_count == 0 && !any_adds,
                      "typenet::network::backward: this network has buffers or residuals; use "
                      "the sample_state overload");
        scratch<T> none{};
        backward_nodes<0, body_count, InputGradient>(params, static_cast<const T*>(nullptr),
                                                     pass_context{}, acts, grads, none, dparams);
    }

    /// Nodes [From, To) for one sample: acts[reads of those nodes] must hold their inputs.
    /// Batch-statistics nodes run their evaluation form here (the batch pass runs the
    /// training form, model/data_parallel.hpp).
    template<std::size_t From, std::size_t To, class T>
    static void forward_nodes(const T* params, const T* buffers, const pass_context& ctx,
                              activations<T>& acts) {
        forward_from<From>(params, buffers, ctx, acts, std::make_index_sequence<To - From>{});
    }
    /// Backward through nodes To-1 down to From for one sample: grads[To] must hold dL/d(their
    /// output) and every slot they write that a later node also reads must be complete.
    template<std::size_t From, std::size_t To, bool InputGradient, class T>
    static void backward_nodes(const T* params, const T* buffers, const pass_context& ctx,
                               const activations<T>& acts, activations<T>& grads,
                               scratch<T>& scratch_, T* dparams) {
        backward_down_to<From, To, InputGradient>(params, buffers, ctx, acts, grads, scratch_,
                                                  dparams, std::make_index_sequence<To - From>{});
    }

    /// Hands dx, the gradient of node K's (first) input, to the slot it reads: in place, or through
    /// the node's scratch and an add when a later node wrote that slot first. `write(view)` writes
    /// dx into the view.
    template<std::size_t K, class T, class Write>
    static void emit_input_gradient(activations<T>& grads, scratch<T>& scratch_, Write&& write) {
        auto& slot = boost::hana::at_c<node_at<K>::in>(grads);
        if constexpr (adds_input_gradient(K)) {
            auto& tmp = boost::hana::at_c<K>(scratch_);
            write(tmp.view());
            slot.view() += std::as_const(tmp).view();
        } else {
            write(slot.view());
        }
    }

    /// The batched tail: the body's last nodes that join it (joins_batched_tail_v, reading the
    /// previous slot), which a chunk of samples runs through together; body_count when the last
    /// body node does not.
    static constexpr std::size_t batched_tail_from = [] {
        constexpr auto joins = make_tail_flags(std::make_index_sequence<layer_count>{});
        std::size_t from = body_count;
        while (from > 0 && joins[from - 1])
            --from;
        return from;
    }();

    /// Forward for a chunk of S samples (acts[s][0] holding sample s): the nodes before the
    /// batched tail sample by sample (each sample's activations stay in cache from layer to
    /// layer), then the tail layer by layer over the chunk, through the layers' batch kernels.
    /// Batch-statistics nodes run their evaluation form; ctx.sample is the chunk's first sample.
    template<std::size_t S, class T>
    static void forward_chunk(const T* params, const T* buffers,
                              std::array<sample_state<T>, S>& states, pass_context ctx) {
        const std::size_t first = ctx.sample;
        for (std::size_t s = 0; s < S; ++s) {
            ctx.sample = first + s;
            forward_nodes<0, batched_tail_from>(params, buffers, ctx, states[s].acts);
        }
        ctx.sample = first;
        forward_tail<S>(params, buffers, states, ctx,
                        std::make_index_sequence<body_count - batched_tail_from>{});
    }
    /// Backward for the chunk (grads[body_count] of each sample holding its dL/d(output)), the
    /// reverse of forward_chunk; ADDS the chunk's parameter gradients to `dparams`, the samples'
    /// contributions in sample order for the per-sample layers.
    template<bool InputGradient, std::size_t S, class T>
    static void backward_chunk(const T* params, const T* buffers,
                               std::array<sample_state<T>, S>& states, T* dparams,
                               pass_context ctx) {
        const std::size_t first = ctx.sample;
        backward_tail<S>(params, buffers, states, dparams, ctx,
                         std::make_index_sequence<body_count - batched_tail_from>{});
        for (std::size_t s = 0; s < S; ++s) {
            ctx.sample = first + s;
            backward_nodes<0, batched_tail_from, InputGradient>(
                params, buffers, ctx, states[s].acts, states[s].grads, states[s].scratch_, dparams);
        }
    }

    /// The loss of the network's logits for `label` (checked by the caller); writes
    /// dL/dlogits. Only for a valid network that ends in a loss.
    template<class T>
    static T loss(tensor_view<const T, output_shape> logits, std::size_t label,
                  tensor_view<T, output_shape> dlogits) {
        return layer<layer_count - 1>::template loss<output_shape>(logits, label, dlogits);
    }
    /// The same for a sample whose loss weighs `scale` in the caller's objective (1/B for a
    /// batch's mean): returns scale · loss and writes scale · dL/dlogits.
    template<class T>
    static T loss(tensor_view<const T, output_shape> logits, std::size_t label,
                  tensor_view<T, output_shape> dlogits, T scale) {
        const T l = loss(logits, label, dlogits);
        if (scale == T{1})
            return l;
        for (auto& v : dlogits)
            v *= scale;
        return l * scale;
    }

    /// Every parameter tensor in PyTorch named_parameters() order: "<i>.weight", "<i>.bias",
    /// with i the leaf layer's position (as torch.nn.Sequential numbers its children), and
    /// "<i>.block.<j>.weight" inside a residual.
    struct parameter_entry {
        std::string name;
        param_desc desc;
        std::size_t offset;
    };
    static std::vector<parameter_entry> parameter_entries() {
        std::vector<parameter_entry> out;
        append_entries<false>(out, std::make_index_sequence<layer_count>{});
        return out;
    }
    /// Every buffer tensor in named_buffers() order without num_batches_tracked:
    /// "<i>.running_mean", "<i>.running_var", with offsets into the buffer block.
    static std::vector<parameter_entry> buffer_entries() {
        std::vector<parameter_entry> out;
        append_entries<true>(out, std::make_index_sequence<layer_count>{});
        return out;
    }
    /// Sets every buffer to its layer's initial value (PyTorch's: running_mean 0, running_var 1).
    template<class T>
    static void init_buffers(T* buffers) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (init_buffers_of<I>(buffers), ...);
        }
        (std::make_index_sequence<layer_count>{});
    }

    /// The names PyTorch gives the batch-statistics nodes' step counters
    /// ("<i>.num_batches_tracked"), in batch_nodes order.
    static std::vector<std::string> batch_counter_names() {
        std::vector<std::string> out;
        [&]<std::size_t... B>(std::index_sequence<B...>) {
            (out.push_back(node_at<batch_nodes[B]>::path::str() + ".num_batches_tracked"), ...);
        }
        (std::make_index_sequence<batch_node_count>{});
        return out;
    }

    /// "1x28x28 conv<5,5,filters<6>> relu ...": the input shape and the nodes, which together fix
    /// the parameter layout. A node that does not read the previous slot is marked "@<slot>", a
    /// residual's sum is "add<main,skip>". Stored in weight files to recognise their architecture.
    static std::string signature() { return signature_of(std::make_index_sequence<layer_count>{}); }

private:
    // [[maybe_unused]]: a network that is only a loss (seq<softmax_ce>) has no body layers, and
    // g++ then warns that the pointers are unused (an error under -Werror).
    template<std::size_t From, class T, std::size_t... I>
    static void forward_from([[maybe_unused]] const T* params, [[maybe_unused]] const T* buffers,
                             [[maybe_unused]] const pass_context& ctx, activations<T>& acts,
                             std::index_sequence<I...>) {
        (forward_node<From + I>(params, buffers, ctx, acts), ...);
    }
    template<std::size_t From, std::size_t To, bool InputGradient, class T, std::size_t... K>
    static void
    backward_down_to([[maybe_unused]] const T* params, [[maybe_unused]] const T* buffers,
                     [[maybe_unused]] const pass_context& ctx,
                     [[maybe_unused]] const activations<T>& acts,
                     [[maybe_unused]] activations<T>& grads, [[maybe_unused]] scratch<T>& scratch_,
                     [[maybe_unused]] T* dparams, std::index_sequence<K...>) {
        // Nodes run last to first: step K handles node To - 1 - K.
        (backward_node<To - 1 - K, InputGradient>(params, buffers, ctx, acts, grads, scratch_,
                                                  dparams),
         ...);
    }

    template<std::size_t S, class T, std::size_t... I>
    static void forward_tail([[maybe_unused]] const T* params, [[maybe_unused]] const T* buffers,
                             [[maybe_unused]] std::array<sample_state<T>, S>& states,
                             [[maybe_unused]] const pass_context& ctx, std::index_sequence<I...>) {
        (forward_node_chunk<batched_tail_from + I, S>(params, buffers, states, ctx), ...);
    }
    template<std::size_t S, class T, std::size_t... K>
    static void backward_tail([[maybe_unused]] const T* params, [[maybe_unused]] const T* buffers,
                              [[maybe_unused]] std::array<sample_state<T>, S>& states,
                              [[maybe_unused]] T* dparams, [[maybe_unused]] const pass_context& ctx,
                              std::index_sequence<K...>) {
        (backward_node_chunk<body_count - 1 - K, S>(params, buffers, states, dparams, ctx), ...);
    }

    template<std::size_t I, std::size_t S, class T>
    static void forward_node_chunk(const T* params, const T* buffers,
                                   std::array<sample_state<T>, S>& states, pass_context ctx) {
        using L = layer<I>;
        if constexpr (detail::has_forward_batch_v<L, shape_at<I>, S, T>) {
            std::array<const T*, S> x;
            std::array<T*, S> y;
            for (std::size_t s = 0; s < S; ++s) {
                x[s] = boost::hana::at_c<I>(states[s].acts).data();
                y[s] = boost::hana::at_c<I + 1>(states[s].acts).data();
            }
            L::template forward_batch<shape_at<I>, S>(params + offsets[I], x, y);
        } else {
            const std::size_t first = ctx.sample;
            for (std::size_t s = 0; s < S; ++s) {
                ctx.sample = first + s;
                forward_node<I>(params, buffers, ctx, states[s].acts);
            }
        }
    }
    template<std::size_t I, std::size_t S, class T>
    static void backward_node_chunk(const T* params, const T* buffers,
                                    std::array<sample_state<T>, S>& states, T* dparams,
                                    pass_context ctx) {
        using L = layer<I>;
        if constexpr (detail::has_backward_batch_v<L, shape_at<I>, S, T>) {
            std::array<const T*, S> x, dy;
            std::array<T*, S> dx;
            for (std::size_t s = 0; s < S; ++s) {
                x[s] = boost::hana::at_c<I>(states[s].acts).data();
                dy[s] = boost::hana::at_c<I + 1>(states[s].grads).data();
                dx[s] = boost::hana::at_c<I>(states[s].grads).data();
            }
            L::template backward_batch<shape_at<I>, S>(params + offsets[I], x, dy, dx,
                                                       dparams + offsets[I]);
        } else {
            const std::size_t first = ctx.sample;
            for (std::size_t s = 0; s < S; ++s) {
                ctx.sample = first + s;
                backward_node<I, true>(params, buffers, ctx, states[s].acts, states[s].grads,
                                       states[s].scratch_, dparams);
            }
        }
    }

    template<std::size_t I, bool Buffers>
    static void append_entries_of(std::vector<parameter_entry>& out) {
        using L = layer<I>;
        using S = input_shape_at<I>;
        if constexpr (is_shape_v<S> && !detail::is_residual_add_v<L>) {
            std::size_t off = Buffers ? buffer_offsets[I] : offsets[I];
            std::vector<param_desc> descs;
            if constexpr (!Buffers)
                descs = L::template params<S>();
            else if constexpr (requires { L::template buffers<S>(); })
                descs = L::template buffers<S>();
            const std::string prefix = node_at<I>::path::str();
            for (auto& d : descs) {
                const std::size_t n = d.size();
                std::string name = prefix;
                name += '.';
                name += d.name;
                out.push_back({std::move(name), std::move(d), off});
                off += n;
            }
        }
    }
    template<std::size_t I, class T>
    static void init_buffers_of([[maybe_unused]] T* buffers) {
        using L = layer<I>;
        using S = input_shape_at<I>;
        if constexpr (detail::buffer_count_of<L, S>() > 0)
            L::template init_buffers<S>(buffers + buffer_offsets[I]);
    }
    template<bool Buffers, std::size_t... I>
    static void append_entries(std::vector<parameter_entry>& out, std::index_sequence<I...>) {
        (append_entries_of<I, Buffers>(out), ...);
    }
    template<std::size_t I>
    static void append_token(std::string& s) {
        using N = node_at<I>;
        s += ' ';
        if constexpr (detail::is_residual_add_v<typename N::layer>) {
            s += "add<";
            s += std::to_string(N::in);
            s += ',';
            s += std::to_string(N::skip);
            s += '>';
        } else {
            s += N::layer::name();
            if constexpr (N::in != I) {
                s += '@';
                s += std::to_string(N::in);
            }
        }
    }
    template<std::size_t... I>
    static std::string signature_of(std::index_sequence<I...>) {
        std::string s = to_string<In>();
        (append_token<I>(s), ...);
        return s;
    }

    template<class T, class S>
    static tensor_view<const T, S> cview(const tensor<T, S>& t) {
        return t.view();
    }

    template<std::size_t I, class T>
    static void forward_node(const T* params, const T* buffers, pass_context ctx,
                             activations<T>& acts) {
        using N = node_at<I>;
        const T* skip = nullptr;
        if constexpr (detail::is_residual_add_v<typename N::layer>)
            skip = boost::hana::at_c<N::skip>(acts).data();
        forward_node_at<I>(params, buffers, ctx,
                           std::as_const(boost::hana::at_c<N::in>(acts)).data(), skip,
                           boost::hana::at_c<I + 1>(acts).data());
    }

public:
    /// Node I's forward, wherever its slots live: x holds the slot it reads, skip a residual
    /// add's second slot (unused otherwise), y receives its output (y may be x when the layer
    /// computes in place, forward_in_place_v). The one forward dispatch of every driver.
    template<std::size_t I, class T>
    static void forward_node_at(const T* params, [[maybe_unused]] const T* buffers,
                                [[maybe_unused]] pass_context ctx, const T* x_data,
                                [[maybe_unused]] const T* skip, T* y_data) {
        using N = node_at<I>;
        using L = typename N::layer;
        const tensor_view<const T, shape_at<N::in>> x(x_data);
        const tensor_view<T, shape_at<I + 1>> y(y_data);
        if constexpr (detail::is_residual_add_v<L>) {
            L::forward(x, tensor_view<const T, shape_at<N::skip>>(skip), y);
        } else if constexpr (uses_pass_context_v<L>) {
            ctx.layer = I;
            L::template forward<shape_at<N::in>>(ctx, params + offsets[I],
                                                 buffers + buffer_offsets[I], x, y);
        } else {
            L::template forward<shape_at<N::in>>(params + offsets[I], x, y);
        }
    }

private:
    template<std::size_t I, bool InputGradient, class T>
    static void backward_node(const T* params, [[maybe_unused]] const T* buffers,
                              [[maybe_unused]] pass_context ctx, const activations<T>& acts,
                              activations<T>& grads, scratch<T>& scratch_, T* dparams) {
        using N = node_at<I>;
        using L = typename N::layer;
        using In_I = shape_at<N::in>;
        const auto x = cview(boost::hana::at_c<N::in>(acts));
        const auto y = cview(boost::hana::at_c<I + 1>(acts));
        const auto dy = cview(boost::hana::at_c<I + 1>(grads));
        if constexpr (detail::is_residual_add_v<L>) {
            hand_on<N::in, adds_to(I, N::in, true)>(grads, dy);
            hand_on<N::skip, adds_to(I, N::skip, false)>(grads, dy);
        } else if constexpr (N::in == 0 && !InputGradient &&
                             requires { &L::template backward_params<In_I, T>; }) {
            L::template backward_params<In_I>(params + offsets[I], x, y, dy, dparams + offsets[I]);
        } else {
            emit_input_gradient<I, T>(grads, scratch_, [&](tensor_view<T, In_I> dx) {
                if constexpr (uses_pass_context_v<L>) {
                    ctx.layer = I;
                    L::template backward<In_I>(ctx, params + offsets[I],
                                               buffers + buffer_offsets[I], x, y, dy, dx,
                                               dparams + offsets[I]);
                } else {
                    L::template backward<In_I>(params + offsets[I], x, y, dy, dx,
                                               dparams + offsets[I]);
                }
            });
        }
    }

    /// A residual_add's backward: dy goes to slot S unchanged (added when S was written first).
    template<std::size_t S, bool Add, class T, class Shape>
    static void hand_on(activations<T>& grads, tensor_view<const T, Shape> dy) {
        if constexpr (Add)
            boost::hana::at_c<S>(grads).view() += dy;
        else
            boost::hana::at_c<S>(grads).view() = dy;
    }
};

} // namespace typenet
