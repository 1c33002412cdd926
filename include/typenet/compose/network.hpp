#pragma once
// network<Net, In>: everything derived at compile time from a network type and an input shape —
// the flat layer list, the shape of every activation (a fold of In through the layers), the
// parameter offsets and total count — and the static forward/backward drivers that walk the
// layers. Holds no data: parameters and workspaces are passed in (model/ owns them).

#include "typenet/compose/seq.hpp"
#include "typenet/layers/layer.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>
#include <boost/hana/back.hpp>
#include <boost/hana/core/to.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/range.hpp>
#include <boost/hana/scan_left.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>
#include <boost/hana/zip.hpp>

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
namespace hana = boost::hana;

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
                      "typenet::seq: an element is not a layer; a seq holds layers and seqs "
                      "(a layer provides input_rank, is_loss, name() and the members "
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

template<class Layer, class In>
constexpr std::size_t param_count_of() {
    if constexpr (!is_shape_v<In> || !is_layer<Layer>::value)
        return 0;
    else if constexpr (Layer::template valid<In>)
        return Layer::template param_count<In>;
    else
        return 0;
}
} // namespace detail

namespace detail {
template<class Layer>
constexpr bool is_loss_layer() {
    if constexpr (is_layer<Layer>::value)
        return Layer::is_loss;
    else
        return false;
}
template<class Net>
constexpr bool ends_in_loss() {
    constexpr std::size_t n = decltype(boost::hana::length(layers_of<Net>))::value;
    if constexpr (n == 0)
        return false;
    else
        return is_loss_layer<typename decltype(+boost::hana::back(layers_of<Net>))::type>();
}
} // namespace detail

/// Does the network end in a loss (needed by forward_backward)?
template<class Net>
struct has_loss : std::bool_constant<detail::ends_in_loss<Net>()> {};

/// Whether a chunk of samples may go through Layer together with its neighbours: a layer with
/// batch kernels (forward_batch / backward_batch), or a cheap element-wise one that simply runs
/// sample by sample in between. Layers say so with `static constexpr bool joins_batched_tail`.
template<class Layer>
inline constexpr bool joins_batched_tail_v = requires {
    requires Layer::joins_batched_tail;
};

namespace detail {
/// The first of the last body layers (of `body` layers) that all join a batched tail.
template<class... Layers>
constexpr std::size_t batched_tail_start(std::size_t body) {
    constexpr std::array<bool, sizeof...(Layers)> joins{joins_batched_tail_v<Layers>...};
    std::size_t from = body;
    while (from > 0 && joins[from - 1])
        --from;
    return from;
}

template<class Layer, class In, std::size_t S, class T>
inline constexpr bool has_forward_batch_v = requires {
    &Layer::template forward_batch<In, S, T>;
};
template<class Layer, class In, std::size_t S, class T>
inline constexpr bool has_backward_batch_v = requires {
    &Layer::template backward_batch<In, S, T>;
};
} // namespace detail

template<class Net, class In>
struct network {
    static_assert(is_shape_v<In>, "typenet: the input shape must be typenet::shape<C,H,W> (or "
                                  "shape<N> for a network that starts with dense)");

    /// The leaf layers, nested seqs spliced in.
    static constexpr auto layers = layers_of<Net>;
    static constexpr std::size_t layer_count = decltype(boost::hana::length(layers))::value;

    /// Shapes of every activation: [In, out of layer 0, ..., out of layer N-1], folded through
    /// the layers at compile time. After a rule fails, the rest are invalid_shape.
    static constexpr auto shapes = [] {
        namespace hana = boost::hana;
        constexpr auto indexed = hana::zip(
            layers, hana::to_tuple(hana::make_range(hana::size_c<0>, hana::size_c<layer_count>)));
        return hana::scan_left(indexed, hana::type_c<In>, [](auto s, auto li) {
            using layer_t = typename decltype(+hana::at_c<0>(li))::type;
            constexpr std::size_t index = decltype(+hana::at_c<1>(li))::value;
            using in_t = typename decltype(s)::type;
            return hana::type_c<
                typename detail::layer_out<layer_t, in_t, index, layer_count>::type>;
        });
    }();

    template<std::size_t I>
    using layer = typename decltype(+boost::hana::at_c<I>(layers))::type;
    /// shape_at<0> is the input; shape_at<I + 1> is the output of layer I.
    template<std::size_t I>
    using shape_at = typename decltype(+boost::hana::at_c<I>(shapes))::type;

    /// False when some layer rule failed (and was reported).
    static constexpr bool valid = is_shape_v<shape_at<layer_count>>;
    static constexpr bool ends_in_loss = has_loss<Net>::value;
    /// Layers that compute activations; a final loss only consumes the logits.
    static constexpr std::size_t body_count = ends_in_loss ? layer_count - 1 : layer_count;
    /// The network's output: the logits when it ends in a loss.
    using output_shape = shape_at<body_count>;
    using input_shape = In;

    /// Parameter offset of each layer in the flat parameter block; offsets[layer_count] is the
    /// total count.
    template<std::size_t... I>
    static constexpr auto make_offsets(std::index_sequence<I...>) {
        std::array<std::size_t, layer_count + 1> o{};
        ((o[I + 1] = o[I] + detail::param_count_of<layer<I>, shape_at<I>>()), ...);
        return o;
    }
    static constexpr std::array<std::size_t, layer_count + 1> offsets =
        make_offsets(std::make_index_sequence<layer_count>{});
    static constexpr std::size_t parameter_count = offsets[layer_count];

    template<class T, std::size_t... I>
    static auto make_activations(std::index_sequence<I...>)
        -> boost::hana::tuple<tensor<T, shape_at<I>>...>;
    /// hana::tuple<tensor<T, shape_at<0>>, ..., tensor<T, output_shape>>: the input and the
    /// output of every body layer.
    template<class T>
    using activations = decltype(make_activations<T>(std::make_index_sequence<body_count + 1>{}));

    /// Forward through the body: acts[0] must hold the input; fills acts[1..body_count].
    template<class T>
    static void forward(const T* params, activations<T>& acts) {
        forward_layers<0, body_count>(params, acts);
    }

    /// Backward through the body: grads[body_count] must hold dL/d(output); fills
    /// grads[0..body_count-1] and ADDS the parameter gradients to `dparams`. With
    /// InputGradient = false, grads[0] (dL/dx) may be left unwritten when the first layer can
    /// skip it, which saves a whole correlation pass for a first conv.
    template<bool InputGradient = true, class T>
    static void backward(const T* params, const activations<T>& acts, activations<T>& grads,
                         T* dparams) {
        backward_layers<0, body_count, InputGradient>(params, acts, grads, dparams);
    }

    /// Forward through body layers [From, To): acts[From] must hold their input.
    template<std::size_t From, std::size_t To, class T>
    static void forward_layers(const T* params, activations<T>& acts) {
        forward_from<From>(params, acts, std::make_index_sequence<To - From>{});
    }
    /// Backward through body layers To-1 down to From: grads[To] must hold dL/d(their output).
    template<std::size_t From, std::size_t To, bool InputGradient, class T>
    static void backward_layers(const T* params, const activations<T>& acts, activations<T>& grads,
                                T* dparams) {
        backward_down_to<From, To, InputGradient>(params, acts, grads, dparams,
                                                  std::make_index_sequence<To - From>{});
    }

    /// The batched tail: the body's last layers that join it (joins_batched_tail_v), which a
    /// chunk of samples runs through together; body_count when the last body layer does not.
    static constexpr std::size_t batched_tail_from =
        boost::hana::unpack(layers, [](auto... layer_type) {
            return detail::batched_tail_start<typename decltype(layer_type)::type...>(body_count);
        });

    /// Forward for a chunk of S samples (acts[s][0] holding sample s): the layers before the
    /// batched tail sample by sample (each sample's activations stay in cache from layer to
    /// layer), then the tail layer by layer over the chunk, through the layers' batch kernels.
    template<std::size_t S, class T>
    static void forward_chunk(const T* params, std::array<activations<T>, S>& acts) {
        for (auto& a : acts)
            forward_layers<0, batched_tail_from>(params, a);
        forward_tail<S>(params, acts, std::make_index_sequence<body_count - batched_tail_from>{});
    }
    /// Backward for the chunk (grads[s][body_count] holding sample s's dL/d(output)), the
    /// reverse of forward_chunk; ADDS the chunk's parameter gradients to `dparams`, the samples'
    /// contributions in sample order for the per-sample layers.
    template<bool InputGradient, std::size_t S, class T>
    static void backward_chunk(const T* params, const std::array<activations<T>, S>& acts,
                               std::array<activations<T>, S>& grads, T* dparams) {
        backward_tail<S>(params, acts, grads, dparams,
                         std::make_index_sequence<body_count - batched_tail_from>{});
        for (std::size_t s = 0; s < S; ++s)
            backward_layers<0, batched_tail_from, InputGradient>(params, acts[s], grads[s],
                                                                 dparams);
    }

    /// The loss of the network's logits for `label` (checked by the caller); writes
    /// dL/dlogits. Only for a valid network that ends in a loss.
    template<class T>
    static T loss(tensor_view<const T, output_shape> logits, std::size_t label,
                  tensor_view<T, output_shape> dlogits) {
        return layer<layer_count - 1>::template loss<output_shape>(logits, label, dlogits);
    }

    /// Every parameter tensor in PyTorch named_parameters() order: "<i>.weight", "<i>.bias",
    /// with i the leaf layer's position (as torch.nn.Sequential numbers its children).
    struct parameter_entry {
        std::string name;
        param_desc desc;
        std::size_t offset;
    };
    static std::vector<parameter_entry> parameter_entries() {
        std::vector<parameter_entry> out;
        append_entries(out, std::make_index_sequence<layer_count>{});
        return out;
    }

    /// "1x28x28>conv<5,5,filters<6>>>relu>...": the input shape and the layers, which together
    /// fix the parameter layout. Stored in weight files to recognise their architecture.
    static std::string signature() { return signature_of(std::make_index_sequence<layer_count>{}); }

private:
    // [[maybe_unused]]: a network that is only a loss (seq<softmax_ce>) has no body layers, and
    // g++ then warns that the pointers are unused (an error under -Werror).
    template<std::size_t From, class T, std::size_t... I>
    static void forward_from([[maybe_unused]] const T* params, activations<T>& acts,
                             std::index_sequence<I...>) {
        (forward_layer<From + I>(params, acts), ...);
    }
    template<std::size_t From, std::size_t To, bool InputGradient, class T, std::size_t... K>
    static void backward_down_to([[maybe_unused]] const T* params, const activations<T>& acts,
                                 activations<T>& grads, [[maybe_unused]] T* dparams,
                                 std::index_sequence<K...>) {
        // Layers run last to first: step K handles layer To - 1 - K.
        (backward_layer<To - 1 - K, InputGradient>(params, acts, grads, dparams), ...);
    }

    template<std::size_t S, class T, std::size_t... I>
    static void forward_tail([[maybe_unused]] const T* params,
                             [[maybe_unused]] std::array<activations<T>, S>& acts,
                             std::index_sequence<I...>) {
        (forward_layer_chunk<batched_tail_from + I, S>(params, acts), ...);
    }
    template<std::size_t S, class T, std::size_t... K>
    static void backward_tail([[maybe_unused]] const T* params,
                              [[maybe_unused]] const std::array<activations<T>, S>& acts,
                              [[maybe_unused]] std::array<activations<T>, S>& grads,
                              [[maybe_unused]] T* dparams, std::index_sequence<K...>) {
        (backward_layer_chunk<body_count - 1 - K, S>(params, acts, grads, dparams), ...);
    }

    template<std::size_t I, std::size_t S, class T>
    static void forward_layer_chunk(const T* params, std::array<activations<T>, S>& acts) {
        using L = layer<I>;
        if constexpr (detail::has_forward_batch_v<L, shape_at<I>, S, T>) {
            std::array<const T*, S> x;
            std::array<T*, S> y;
            for (std::size_t s = 0; s < S; ++s) {
                x[s] = boost::hana::at_c<I>(acts[s]).data();
                y[s] = boost::hana::at_c<I + 1>(acts[s]).data();
            }
            L::template forward_batch<shape_at<I>, S>(params + offsets[I], x, y);
        } else {
            for (auto& a : acts)
                forward_layer<I>(params, a);
        }
    }
    template<std::size_t I, std::size_t S, class T>
    static void backward_layer_chunk(const T* params, const std::array<activations<T>, S>& acts,
                                     std::array<activations<T>, S>& grads, T* dparams) {
        using L = layer<I>;
        if constexpr (detail::has_backward_batch_v<L, shape_at<I>, S, T>) {
            std::array<const T*, S> x, dy;
            std::array<T*, S> dx;
            for (std::size_t s = 0; s < S; ++s) {
                x[s] = boost::hana::at_c<I>(acts[s]).data();
                dy[s] = boost::hana::at_c<I + 1>(grads[s]).data();
                dx[s] = boost::hana::at_c<I>(grads[s]).data();
            }
            L::template backward_batch<shape_at<I>, S>(params + offsets[I], x, dy, dx,
                                                       dparams + offsets[I]);
        } else {
            for (std::size_t s = 0; s < S; ++s)
                backward_layer<I, true>(params, acts[s], grads[s], dparams);
        }
    }

    template<std::size_t I>
    static void append_entries_of(std::vector<parameter_entry>& out) {
        if constexpr (is_shape_v<shape_at<I>>) {
            std::size_t off = offsets[I];
            for (auto& d : layer<I>::template params<shape_at<I>>()) {
                const std::size_t n = d.size();
                out.push_back({std::to_string(I) + "." + d.name, std::move(d), off});
                off += n;
            }
        }
    }
    template<std::size_t... I>
    static void append_entries(std::vector<parameter_entry>& out, std::index_sequence<I...>) {
        (append_entries_of<I>(out), ...);
    }
    template<std::size_t... I>
    static std::string signature_of(std::index_sequence<I...>) {
        std::string s = to_string<In>();
        ((s += ' ', s += layer<I>::name()), ...);
        return s;
    }

    template<class T, class S>
    static tensor_view<const T, S> cview(const tensor<T, S>& t) {
        return t.view();
    }

    template<std::size_t I, class T>
    static void forward_layer(const T* params, activations<T>& acts) {
        layer<I>::template forward<shape_at<I>>(params + offsets[I],
                                                cview(boost::hana::at_c<I>(acts)),
                                                boost::hana::at_c<I + 1>(acts).view());
    }

    template<std::size_t I, bool InputGradient, class T>
    static void backward_layer(const T* params, const activations<T>& acts, activations<T>& grads,
                               T* dparams) {
        using L = layer<I>;
        using In_I = shape_at<I>;
        if constexpr (I == 0 && !InputGradient &&
                      requires { &L::template backward_params<In_I, T>; }) {
            L::template backward_params<In_I>(
                params + offsets[I], cview(boost::hana::at_c<I>(acts)),
                cview(boost::hana::at_c<I + 1>(acts)), cview(boost::hana::at_c<I + 1>(grads)),
                dparams + offsets[I]);
        } else {
            L::template backward<In_I>(params + offsets[I], cview(boost::hana::at_c<I>(acts)),
                                       cview(boost::hana::at_c<I + 1>(acts)),
                                       cview(boost::hana::at_c<I + 1>(grads)),
                                       boost::hana::at_c<I>(grads).view(), dparams + offsets[I]);
        }
    }
};

} // namespace typenet
