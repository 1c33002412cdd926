#pragma once
// seq<L...>: composition of layers. A seq may contain seqs (reusable blocks); for shapes,
// parameters and names the network is the flat list of its leaf layers, in order — the same
// positions torch.nn.Sequential gives to its children when the blocks are spliced in.

#include <boost/hana/basic_tuple.hpp>
#include <boost/hana/flatten.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

namespace typenet {

/// Layers applied one after the other. `seq` alone is shape-polymorphic; bind it to an input
/// shape with model<seq<...>, shape<...>>.
template<class... Layers>
struct seq {};

namespace detail {
namespace hana = boost::hana;

template<class Layer>
constexpr auto flatten_layers(hana::basic_type<Layer>) {
    return hana::make_tuple(hana::type_c<Layer>);
}
template<class... Layers>
constexpr auto flatten_layers(hana::basic_type<seq<Layers...>>) {
    return hana::flatten(hana::make_tuple(flatten_layers(hana::type_c<Layers>)...));
}
} // namespace detail

/// The leaf layers of `Net` as a hana::tuple of hana::type, nested seqs spliced in.
template<class Net>
inline constexpr auto layers_of = detail::flatten_layers(boost::hana::type_c<Net>);

} // namespace typenet
