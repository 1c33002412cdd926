#pragma once
// The layer protocol, written down once. A layer is a *spec*: an empty type that names its
// configuration (`conv<3,3,filters<8>>`) and has only static members. Its parameters live in the
// model's flat block and its activations in a workspace; both are handed in. network<Net, In>
// checks every leaf layer of a network against this protocol, once, and then calls only what it
// lists here.
//
// Required of every layer L, for an input shape In:
//   L::input_rank                  the rank L consumes (0: any rank)
//   L::is_loss                     true only for a loss
//   L::valid<In>                   whether every rule of L holds for In: a trait, it never fires
//   L::check<In>()                 one static_assert for the first rule that fails (naming the
//                                  layer, the shapes and the fix); returns valid<In>
//   L::out_shape<In>               the shape L makes of In (formed only when valid<In>)
//   L::param_count<In>             its number of parameters
//   L::params<In>()                its parameter tensors, in PyTorch order (param_desc)
//   L::name()                      its spelling in signatures and summaries
// A body layer (not a loss), for T = float and double, `p` its parameters and `g` their gradient:
//   L::forward<In>(p, x, y)              y = L(x)
//   L::backward<In>(p, x, y, dy, dx, g)  writes dx = dL/dx; ADDS dL/dp to g
// Optional members, found by network when present:
//   L::backward_params<In>(p, x, y, dy, g)   backward without dx (for a first layer, whose input
//                                            gradient nobody reads)
//   L::joins_batched_tail                     true: cheap, or batched, so a chunk of samples may
//                                            pass it together (network::forward_chunk)
//   L::forward_in_place                       true: forward may be given y over x (element-
//                                            wise), so an inference pass reuses x's memory
//                                            (compose/memory_plan.hpp)
//   L::forward_batch<In, S>(p, xs, ys)        a chunk of S samples at once (array of pointers)
//   L::backward_batch<In, S>(p, xs, dys, dxs, g)
// For export to PyTorch (io/pytorch_export.hpp), which needs the first of every body layer:
//   L::pytorch_module<In>()        a Python expression building L's torch.nn module on In
//                                 ("nn.ReLU()"): one module, whose state_dict holds exactly
//                                 params<In>() and buffers<In>() under their names
//   L::pytorch_definitions<In>()   optional: Python classes that expression uses
//   L::pytorch_loss()              optional, a loss: its PyTorch form ("nn.CrossEntropyLoss()")
// A loss (is_loss true) must be the last layer; its input is the network's output (the logits):
//   L::loss<In>(logits, label, dlogits)  returns the loss for `label`, writes dL/dlogits
//
// A layer whose result depends on the mode, on a generator or on state other than its parameters
// (dropout, batch_norm) says `static constexpr bool uses_pass_context = true` and takes, instead
// of the plain forward and backward, with c the pass_context and b its buffers:
//   L::forward<In>(c, p, b, x, y)               L::backward<In>(c, p, b, x, y, dy, dx, g)
// Buffers are non-trainable state (batch_norm's running statistics): optimisers never see them.
//   L::buffer_count<In>, L::buffers<In>()      their number and tensors (param_desc), PyTorch order
//   L::init_buffers<In>(b)                    their initial values (PyTorch's)
// A layer that in training mode normalises with statistics of the whole batch says
// `static constexpr bool batch_statistics = true`; its training pass is then two per-sample steps
// around a reduction over the batch, in each direction, which the engine runs with the batch split
// over threads (forward partials and backward partials merged in thread order):
//   L::forward_partial<In, T>, L::backward_partial<In, T>, L::batch_state<In, T>   types
//   L::forward_reduce<In>(x, fp)                 adds one sample to its thread's partial
//   L::merge<In>(fp, fp'), L::merge<In>(bp, bp')  merges partials (in thread order)
//   L::forward_combine<In>(fp, b, state)         the batch's statistics; updates the buffers
//   L::forward_apply<In>(p, state, x, y)         y of one sample
//   L::backward_reduce<In>(state, x, dy, bp)     adds one sample's dy to its thread's partial
//   L::backward_combine<In>(bp, g)               ADDS dL/dp of the batch to g
//   L::backward_apply<In>(p, state, bp, x, dy, dx)   dx of one sample
// In evaluation mode such a layer runs sample by sample through its context forward/backward.
//
// layer_base<L> gives the defaults (any rank, no rules of its own, no parameters), and
// elementwise_layer<L, Fn> makes an activation out of a function object Fn with value(x) and
// derivative(x, y) (ops/elementwise.hpp): tanh is that plus its name.

#include "typenet/layers/param_desc.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/ops/elementwise.hpp"
#include "typenet/shape/diagnostics.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <concepts>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

/// What every layer has, whatever its input: the members that need no input shape.
template<class L>
concept layer_spec = requires {
    { L::input_rank } -> std::convertible_to<std::size_t>;
    { L::is_loss } -> std::convertible_to<bool>;
    { L::name() } -> std::convertible_to<std::string>;
};

/// Does L take a pass_context and its buffers in forward and backward (dropout, batch_norm)?
template<class L>
inline constexpr bool uses_pass_context_v = requires {
    requires L::uses_pass_context;
};
/// Does L normalise with statistics of the whole batch in training mode (batch_norm)?
template<class L>
inline constexpr bool has_batch_statistics_v = requires {
    requires L::batch_statistics;
};

namespace detail {
template<class L, class In, class T>
concept context_layer_for = requires(const pass_context& c, const T* p, const T* b, T* g,
                                     tensor_view<const T, In> x, tensor_view<T, In> dx,
                                     tensor_view<T, typename L::template out_shape<In>> y,
                                     tensor_view<const T, typename L::template out_shape<In>> cy) {
    L::template forward<In>(c, p, b, x, y);
    L::template backward<In>(c, p, b, x, cy, cy, dx, g);
};

template<class L, class In, class T>
concept body_layer_for = requires(const T* p, T* g, tensor_view<const T, In> x,
                                  tensor_view<T, In> dx,
                                  tensor_view<T, typename L::template out_shape<In>> y,
                                  tensor_view<const T, typename L::template out_shape<In>> cy) {
    L::template forward<In>(p, x, y);
    L::template backward<In>(p, x, cy, cy, dx, g);
};

template<class L, class In, class T>
concept loss_layer_for = requires(tensor_view<const T, In> logits, std::size_t label,
                                  tensor_view<T, In> dlogits) {
    { L::template loss<In>(logits, label, dlogits) } -> std::convertible_to<T>;
};

template<class L, class In>
concept shape_members_for = requires {
    typename L::template out_shape<In>;
    requires is_shape_v<typename L::template out_shape<In>>;
    { L::template param_count<In> } -> std::convertible_to<std::size_t>;
    { L::template params<In>() } -> std::convertible_to<std::vector<param_desc>>;
};

template<class L, class In, class T>
constexpr bool implements_for() {
    if constexpr (!shape_members_for<L, In>)
        return false;
    else if constexpr (L::is_loss)
        return loss_layer_for<L, In, T>;
    else if constexpr (uses_pass_context_v<L>)
        return context_layer_for<L, In, T>;
    else
        return body_layer_for<L, In, T>;
}
} // namespace detail

/// Is L a layer at all (layer_spec)? The first thing network checks of each leaf.
template<class L>
struct is_layer : std::bool_constant<layer_spec<L>> {};

/// Does L, on an input In its rules accept, provide the rest of the protocol (out_shape,
/// param_count, params, and forward/backward, or loss for a loss) for float and double?
template<class L, class In>
struct implements_layer_protocol : std::bool_constant<detail::implements_for<L, In, float>() &&
                                                      detail::implements_for<L, In, double>()> {};

/// The defaults of the protocol, for a layer L deriving from layer_base<L>: any rank, valid for
/// every input of its rank, no parameters. A layer with rules of its own declares valid and
/// check; one of a fixed rank declares input_rank.
template<class L>
struct layer_base {
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = false;
    template<class In>
    static constexpr bool valid = rank_matches<L, In>::value;
    template<class In>
    static constexpr bool check() {
        return L::template valid<In>;
    }
    template<class In>
    static constexpr std::size_t param_count = 0;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }
    template<class In>
    static constexpr std::size_t buffer_count = 0;
    template<class In>
    static std::vector<param_desc> buffers() {
        return {};
    }
};

/// An element-wise layer of any shape, y = Fn::value(x) and dL/dx = dL/dy · Fn::derivative(x, y)
/// (ops::elementwise). It is cheap, so a chunk of samples passes it one sample at a time between
/// batched layers, and it may write y over x.
template<class L, class Fn>
struct elementwise_layer : layer_base<L> {
    using function = Fn;
    template<class In>
    using out_shape = In;
    static constexpr bool joins_batched_tail = true;
    static constexpr bool forward_in_place = true;

    template<class In, class T>
    static void forward(const T*, tensor_view<const T, In> x, tensor_view<T, In> y) {
        ops::elementwise<Fn, In>::forward(x, y);
    }
    template<class In, class T>
    static void backward(const T*, tensor_view<const T, In> x, tensor_view<const T, In> y,
                         tensor_view<const T, In> dy, tensor_view<T, In> dx, T*) {
        ops::elementwise<Fn, In>::backward(x, y, dy, dx);
    }
};

} // namespace typenet
