#pragma once
// The program of a network: its layers as a flat list of nodes, each reading one activation slot
// and writing the next. Slot 0 is the input; node k writes slot k + 1 and reads slot `in` — the
// previous one (k) in a chain, the residual's input for the first layer of a shortcut. A
// residual<Block, Shortcut> becomes Block's nodes, then Shortcut's, then a residual_add node
// reading the block's output (`in`) and the shortcut's (`skip`). Nested seqs are spliced in.
//
// Each node also carries its path, for names as PyTorch gives them: top-level positions 0, 1, …
// (a residual is one position), inside a residual at position i "i.block.j" and "i.shortcut.k",
// with "i.block" alone when the block is one layer rather than a seq.
//
// Everything here is a plain template recursion over the layer list, done once per network: a
// lookup by index (type_at) is one overload resolution against an index of the whole list.

#include "typenet/compose/residual.hpp"
#include "typenet/compose/seq.hpp"

#include <cstddef>
#include <limits>
#include <string>
#include <utility>

namespace typenet::detail {

template<class... Ts>
struct type_list {
    static constexpr std::size_t size = sizeof...(Ts);
};

template<class... Lists>
struct concat {
    using type = type_list<>;
};
template<class... A>
struct concat<type_list<A...>> {
    using type = type_list<A...>;
};
template<class... A, class... B, class... Rest>
struct concat<type_list<A...>, type_list<B...>, Rest...> {
    using type = typename concat<type_list<A..., B...>, Rest...>::type;
};

template<std::size_t I, class T>
struct indexed {
    using type = T;
};
template<class Seq, class... Ts>
struct indexer;
template<std::size_t... I, class... Ts>
struct indexer<std::index_sequence<I...>, Ts...> : indexed<I, Ts>... {};
template<std::size_t I, class T>
indexed<I, T> select_index(const indexed<I, T>&);

/// The I-th type of a type_list.
template<std::size_t I, class List>
struct type_at;
template<std::size_t I, class... Ts>
struct type_at<I, type_list<Ts...>> {
    using type = typename decltype(select_index<I>(
        std::declval<indexer<std::index_sequence_for<Ts...>, Ts...>>()))::type;
};

/// Paths of nodes, for PyTorch's names.
struct root_path {
    static std::string str() { return {}; }
};
template<class Parent, std::size_t I>
struct child_path {
    static std::string str() {
        std::string s = Parent::str();
        if (!s.empty())
            s += '.';
        s += std::to_string(I);
        return s;
    }
};
template<class Parent>
struct block_path {
    static std::string str() { return Parent::str() + ".block"; }
};
template<class Parent>
struct shortcut_path {
    static std::string str() { return Parent::str() + ".shortcut"; }
};

inline constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();

/// Node of the program: Layer reads slot In (and, for residual_add, slot Skip too).
template<class Layer, std::size_t In, std::size_t Skip, class Path>
struct node {
    using layer = Layer;
    using path = Path;
    static constexpr std::size_t in = In, skip = Skip;
};

/// The items of a seq: its layers and residuals, nested seqs spliced in.
template<class L>
struct items_of {
    using type = type_list<L>;
};
template<class... Ls>
struct items_of<seq<Ls...>> {
    using type = typename concat<typename items_of<Ls>::type...>::type;
};

/// An item at Path reading slot In, its first node numbered Index: `nodes`, the slot `out` holding
/// its result, and `next`, the number of its first node's successor.
template<class Item, class Path, std::size_t In, std::size_t Index>
struct flatten_item {
    using nodes = type_list<node<Item, In, no_slot, Path>>;
    static constexpr std::size_t out = Index + 1, next = Index + 1;
};

/// The items of a list, numbered J, J + 1, … under Parent, each reading the previous one's out.
template<class Items, class Parent, std::size_t J, std::size_t In, std::size_t Index>
struct flatten_items {
    using nodes = type_list<>;
    static constexpr std::size_t out = In, next = Index;
};
template<class First, class... Rest, class Parent, std::size_t J, std::size_t In, std::size_t Index>
struct flatten_items<type_list<First, Rest...>, Parent, J, In, Index> {
    using head = flatten_item<First, child_path<Parent, J>, In, Index>;
    using tail = flatten_items<type_list<Rest...>, Parent, J + 1, head::out, head::next>;
    using nodes = typename concat<typename head::nodes, typename tail::nodes>::type;
    static constexpr std::size_t out = tail::out, next = tail::next;
};

/// A residual's branch at Path: a seq's items numbered under it, one layer at Path itself, or
/// nothing (the identity shortcut, whose output is its input).
template<class Branch, class Path, std::size_t In, std::size_t Index>
struct flatten_branch : flatten_item<Branch, Path, In, Index> {};
template<class... Ls, class Path, std::size_t In, std::size_t Index>
struct flatten_branch<seq<Ls...>, Path, In, Index>
    : flatten_items<typename items_of<seq<Ls...>>::type, Path, 0, In, Index> {};
template<class Path, std::size_t In, std::size_t Index>
struct flatten_branch<identity_shortcut, Path, In, Index> {
    using nodes = type_list<>;
    static constexpr std::size_t out = In, next = Index;
};

template<class Block, class Shortcut, class Path, std::size_t In, std::size_t Index>
struct flatten_item<residual<Block, Shortcut>, Path, In, Index> {
    using block = flatten_branch<Block, block_path<Path>, In, Index>;
    using shortcut = flatten_branch<Shortcut, shortcut_path<Path>, In, block::next>;
    using nodes = typename concat<typename block::nodes, typename shortcut::nodes,
                                  type_list<node<residual_add<residual<Block, Shortcut>>,
                                                 block::out, shortcut::out, Path>>>::type;
    static constexpr std::size_t out = shortcut::next + 1, next = shortcut::next + 1;
};

/// The nodes of network type Net, as a type_list of node<...>.
template<class Net>
using program_of = typename flatten_items<typename items_of<Net>::type, root_path, 0, 0, 0>::nodes;

} // namespace typenet::detail
