#pragma once
// residual<Block> and residual<Block, Shortcut>: Block(x) + x, or Block(x) + Shortcut(x).
// PyTorch equivalent: the module below (docs/dsl.md, "Residual blocks"); parameters and buffers
// are Block's, then Shortcut's, named "<i>.block.<j>.weight" and "<i>.shortcut.<k>.weight".
//
//     class Residual(nn.Module):
//         def __init__(self, block, shortcut=None):
//             super().__init__(); self.block = block
//             self.shortcut = shortcut if shortcut is not None else nn.Identity()
//         def forward(self, x): return self.block(x) + self.shortcut(x)
//
// A residual is not a layer: network flattens it (compose/program.hpp) into Block's layers, then
// Shortcut's layers reading the residual's input, then one residual_add node that sums the two
// branches. So a residual's inner activations are ordinary slots of the workspace, batch norm
// inside a block takes its statistics like anywhere else, and residuals nest.

#include "typenet/expr/elementwise.hpp"
#include "typenet/layers/param_desc.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace typenet {

namespace detail {
/// The shortcut of residual<Block>: the identity, which adds no layer.
struct identity_shortcut {};
} // namespace detail

template<class Block, class Shortcut = detail::identity_shortcut>
struct residual {};

/// Rule: both branches of a residual make the same shape (Block(x) and x, or Block(x) and
/// Shortcut(x)), for the residual R on input In.
template<class R, class BlockOut, class ShortcutOut>
struct residual_shapes_match : std::is_same<BlockOut, ShortcutOut> {};

/// The node that ends residual R: y = main + skip, where main is the block's output and skip the
/// shortcut's (or the residual's input). Its backward hands dy to both branches.
template<class R>
struct residual_add {
    static constexpr std::size_t input_rank = 0;
    static constexpr bool is_loss = false;
    static std::string name() { return "add"; }
    /// y = main + skip element by element, so y may be main's memory.
    static constexpr bool forward_in_place = true;
    template<class In>
    static constexpr bool valid = true;
    template<class In>
    static constexpr std::size_t param_count = 0;
    template<class In>
    static std::vector<param_desc> params() {
        return {};
    }

    template<class Main, class Skip>
    static constexpr bool check() {
        static_assert(residual_shapes_match<R, Main, Skip>{},
                      "typenet::residual: the block's output and the shortcut's output (the "
                      "residual's input for residual<Block>) have different shapes; make the "
                      "block keep the shape, or give the residual a shortcut that maps the input "
                      "to the block's output shape (e.g. a 1x1 conv with the same stride)");
        return residual_shapes_match<R, Main, Skip>::value;
    }

    template<class S, class T>
    static void forward(tensor_view<const T, S> main, tensor_view<const T, S> skip,
                        tensor_view<T, S> y) {
        y = main + skip;
    }
};

} // namespace typenet
