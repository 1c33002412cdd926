#pragma once
// pytorch_module_source<Net, In>(): the Python source of the torch.nn module that is network Net
// on input In, for loading typenet's weight files into PyTorch (io/safetensors.hpp) and running
// them there. The source defines
//   class Residual(nn.Module)   typenet's residual<Block, Shortcut> (compose/residual.hpp)
//   the classes the layers' PyTorch forms use (FlattenLinear for a dense layer on a feature map)
//   def make_model()            the nn.Sequential of the network, ending at the logits
// and starts with a comment holding the network's signature(). make_model()'s state_dict() has
// the names, order and shapes of the tensors typenet writes (network::parameter_entries(),
// buffer_entries(), batch_counter_names()), so
//   net.load_state_dict(<the tensors of a typenet .safetensors file>, strict=True)
// accepts a file of this network. The numbering is typenet's: each item of a seq (nested seqs
// spliced in, a residual one item) is one child of its nn.Sequential, numbered 0, 1, …; a
// residual's block and shortcut are nn.Sequentials numbered the same way, or the one module of a
// single-layer branch. So every layer must be ONE module holding exactly its parameters and
// buffers: dense on a feature map flattens inside its module instead of after an nn.Flatten()
// child, global_avgpool is one parameterless nn.Sequential(AdaptiveAvgPool2d(1), Flatten()).
// The loss has no module (the network ends at the logits; a comment names its PyTorch form).
//
// Each layer says its own PyTorch form, next to its name(): `pytorch_module<In>()`, a Python
// expression building the module on input In, and optionally `pytorch_definitions<In>()`, classes
// that expression uses (layers/layer.hpp). The source imports `torch` and `from torch import nn`
// for them. A layer without pytorch_module stops the export with one error naming the layer.

#include "typenet/compose/network.hpp"
#include "typenet/compose/program.hpp"
#include "typenet/compose/residual.hpp"
#include "typenet/compose/seq.hpp"
#include "typenet/shape/shape.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace typenet {

/// Rule of the export: layer L has a PyTorch form on In, `L::pytorch_module<In>()`.
template<class L, class In>
    struct has_pytorch_module : std::bool_constant < requires {
    { L::template pytorch_module<In>() } -> std::convertible_to<std::string>;
} > {};

namespace detail::pytorch {

/// The shape an item of a seq (a layer or a residual), a residual's branch, or a list of items
/// makes of In — the program's shapes (compose/program.hpp), followed through the tree.
template<class Item, class In>
struct item_shape {
    using type = typename Item::template out_shape<In>;
};
template<class Branch, class In>
struct branch_shape;
template<class Items, class In>
struct items_shape {
    using type = In;
};
template<class First, class... Rest, class In>
struct items_shape<type_list<First, Rest...>, In>
    : items_shape<type_list<Rest...>, typename item_shape<First, In>::type> {};
template<class Block, class Shortcut, class In>
struct item_shape<residual<Block, Shortcut>, In> : branch_shape<Block, In> {};
template<class Branch, class In>
struct branch_shape : item_shape<Branch, In> {};
template<class... Ls, class In>
struct branch_shape<seq<Ls...>, In> : items_shape<typename items_of<seq<Ls...>>::type, In> {};
template<class In>
struct branch_shape<identity_shortcut, In> {
    using type = In;
};

/// The source being written: make_model's children, and the classes they use (each once, in the
/// order of first use).
struct writer {
    std::string children;
    std::vector<std::string> definitions;

    /// One line at nesting depth `depth` (0: a child of make_model's nn.Sequential).
    void line(std::size_t depth, std::string_view code, std::string_view comment) {
        children.append(8 + 4 * depth, ' ');
        children += code;
        if (!comment.empty()) {
            if (!code.empty())
                children += "  ";
            children += "# ";
            children += comment;
        }
        children += '\n';
    }
    void define(std::string definition) {
        if (!definition.empty() &&
            std::find(definitions.begin(), definitions.end(), definition) == definitions.end())
            definitions.push_back(std::move(definition));
    }
};

inline std::string child_path(const std::string& parent, std::size_t j) {
    return parent.empty() ? std::to_string(j) : parent + "." + std::to_string(j);
}

template<class Item, class In>
struct emit_item;

/// The items of a list, numbered from J under `parent`, the first reading In.
template<class In, class... Items>
void emit_items(writer& w, std::size_t depth, const std::string& parent, std::size_t j,
                type_list<Items...>) {
    if constexpr (sizeof...(Items) > 0) {
        [&]<class First, class... Rest>(type_list<First, Rest...>) {
            emit_item<First, In>::run(w, depth, child_path(parent, j));
            emit_items<typename item_shape<First, In>::type>(w, depth, parent, j + 1,
                                                             type_list<Rest...>{});
        }(type_list<Items...>{});
    }
}

/// A residual's branch at `path`: an nn.Sequential of a seq's items, or a single layer's module.
template<class Branch, class In>
struct emit_branch {
    static void run(writer& w, std::size_t depth, const std::string& path) {
        emit_item<Branch, In>::run(w, depth, path);
    }
};
template<class... Ls, class In>
struct emit_branch<seq<Ls...>, In> {
    static void run(writer& w, std::size_t depth, const std::string& path) {
        w.line(depth, "nn.Sequential(", path);
        emit_items<In>(w, depth + 1, path, 0, typename items_of<seq<Ls...>>::type{});
        w.line(depth, "),", {});
    }
};

/// A layer: its module, or for the loss a comment naming its PyTorch form.
template<class L, class In>
struct emit_item {
    static void run(writer& w, std::size_t depth, const std::string& path) {
        const std::string what = path + " " + L::name() + ": ";
        if constexpr (L::is_loss) {
            if constexpr (requires { L::pytorch_loss(); })
                w.line(depth, {}, what + "not a module; " + L::pytorch_loss() + " on the logits");
            else
                w.line(depth, {}, what + "not a module (the loss of the logits)");
        } else {
            static_assert(has_pytorch_module<L, In>{},
                          "typenet::pytorch_module_source: a layer has no PyTorch form; give it "
                          "`template<class In> static std::string pytorch_module()` returning the "
                          "Python expression of its torch.nn module (layers/layer.hpp)");
            if constexpr (has_pytorch_module<L, In>::value) {
                if constexpr (requires { L::template pytorch_definitions<In>(); })
                    w.define(L::template pytorch_definitions<In>());
                w.line(depth, L::template pytorch_module<In>() + ",",
                       what + to_string<In>() + " -> " +
                           to_string<typename L::template out_shape<In>>());
            }
        }
    }
};

template<class Block, class Shortcut, class In>
struct emit_item<residual<Block, Shortcut>, In> {
    static void run(writer& w, std::size_t depth, const std::string& path) {
        constexpr bool identity = std::is_same_v<Shortcut, identity_shortcut>;
        w.line(
            depth, "Residual(",
            path +
                (identity ? " residual: block(x) + x, " : " residual: block(x) + shortcut(x), ") +
                to_string<In>() + " -> " + to_string<typename branch_shape<Block, In>::type>());
        emit_branch<Block, In>::run(w, depth + 1, path + ".block");
        if constexpr (!identity)
            emit_branch<Shortcut, In>::run(w, depth + 1, path + ".shortcut");
        w.line(depth, "),", {});
    }
};

inline bool is_python_identifier(std::string_view s) {
    static constexpr std::array<std::string_view, 35> keywords{
        "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
        "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
        "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
    const auto letter = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (s.empty() || !letter(s.front()))
        return false;
    if (!std::all_of(s.begin(), s.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); }))
        return false;
    return std::find(keywords.begin(), keywords.end(), s) == keywords.end();
}

inline constexpr std::string_view residual_class =
    "class Residual(nn.Module):\n"
    "    \"\"\"typenet's residual<Block, Shortcut>: block(x) + shortcut(x); the shortcut is the\n"
    "    identity for residual<Block>.\"\"\"\n"
    "\n"
    "    def __init__(self, block, shortcut=None):\n"
    "        super().__init__()\n"
    "        self.block = block\n"
    "        self.shortcut = shortcut if shortcut is not None else nn.Identity()\n"
    "\n"
    "    def forward(self, x):\n"
    "        return self.block(x) + self.shortcut(x)\n";

} // namespace detail::pytorch

/// The Python source of network<Net, In> as a torch.nn module: a comment with the network's
/// signature(), class Residual, the classes the layers use, and `def <function_name>()`
/// returning the nn.Sequential whose state_dict() names, orders and shapes its tensors as
/// typenet's weight files do. Each child is commented with its typenet path, layer and shapes.
/// Throws std::invalid_argument when function_name is not a Python identifier.
template<class Net, class In>
std::string pytorch_module_source(std::string_view function_name = "make_model") {
    using net = network<Net, In>;
    if (!detail::pytorch::is_python_identifier(function_name))
        throw std::invalid_argument("typenet::pytorch_module_source: '" +
                                    std::string(function_name) +
                                    "' is not a Python identifier (the function's name)");
    if constexpr (!net::valid) {
        return {}; // the failed rule has been reported
    } else {
        detail::pytorch::writer w;
        detail::pytorch::emit_items<In>(w, 0, {}, 0, typename detail::items_of<Net>::type{});

        std::string s = "# typenet network: " + net::signature() + "\n";
        s +=
            "# Written by typenet::pytorch_module_source (include/typenet/io/pytorch_export.hpp):\n"
            "# the torch.nn module of this network. Its state_dict() has the names, order and\n"
            "# shapes of typenet's weight files, so load_state_dict(tensors, strict=True) takes\n"
            "# them; it ends at the logits.\n"
            "import torch\n"
            "from torch import nn\n"
            "\n\n";
        s += detail::pytorch::residual_class;
        for (const auto& d : w.definitions) {
            s += "\n\n";
            s += d;
        }
        s += "\n\ndef ";
        s += function_name;
        s += "():\n    \"\"\"Input: a batch N x ";
        s += to_string<In>();
        s += "; output: N x ";
        s += to_string<typename net::output_shape>();
        s += ".\"\"\"\n    return nn.Sequential(\n";
        s += w.children;
        s += "    )\n";
        return s;
    }
}

} // namespace typenet
