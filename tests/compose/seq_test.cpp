// seq<L...> and layers_of<Net> (include/typenet/compose/seq.hpp): nested seqs are spliced into
// one flat list of leaf layers, in order, as torch.nn.Sequential numbers spliced blocks.
#define BOOST_TEST_MODULE compose.seq
#include <boost/hana/equal.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/test/unit_test.hpp>

#include "typenet.hpp"

namespace tn = typenet;
namespace hana = boost::hana;

using block = tn::seq<tn::conv<3, 3>, tn::relu>;
using net = tn::seq<block, tn::seq<tn::seq<tn::maxpool<2>>>, tn::seq<>, tn::dense<3>,
                    tn::seq<tn::seq<tn::softmax_ce>>>;

static_assert(decltype(hana::equal(
    tn::layers_of<net>, hana::make_tuple(hana::type_c<tn::conv<3, 3>>, hana::type_c<tn::relu>,
                                         hana::type_c<tn::maxpool<2>>, hana::type_c<tn::dense<3>>,
                                         hana::type_c<tn::softmax_ce>)))::value);
static_assert(decltype(hana::length(tn::layers_of<tn::seq<>>))::value == 0);
static_assert(decltype(hana::length(tn::layers_of<tn::seq<block, block, block>>))::value == 6);
// A seq alone is shape-polymorphic: the same type binds to different inputs.
static_assert(tn::network<block, tn::shape<1, 5, 5>>::parameter_count == 10);
static_assert(tn::network<block, tn::shape<2, 9, 9>>::parameter_count == 19);
static_assert(
    std::is_same_v<tn::network<block, tn::shape<2, 9, 9>>::output_shape, tn::shape<1, 7, 7>>);

BOOST_AUTO_TEST_CASE(a_layer_that_is_not_a_seq_is_its_own_list) {
    BOOST_TEST(decltype(hana::length(tn::layers_of<tn::relu>))::value == 1u);
    BOOST_TEST((decltype(hana::equal(tn::layers_of<tn::dense<4>>,
                                     hana::make_tuple(hana::type_c<tn::dense<4>>)))::value));
}
