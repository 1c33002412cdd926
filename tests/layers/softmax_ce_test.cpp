// softmax_ce (include/typenet/layers/softmax_ce.hpp): the loss spec — last layer, classes =
// element count of its input, logits pass through (out_shape = in), no parameters. Its values
// are tested in tests/ops/softmax_cross_entropy_test.cpp.
#define BOOST_TEST_MODULE layers.softmax_ce
#include "typenet/layers/softmax_ce.hpp"

#include <boost/test/unit_test.hpp>

#include <type_traits>

namespace tn = typenet;
using tn::shape;

static_assert(tn::softmax_ce::is_loss);
static_assert(tn::softmax_ce::input_rank == 0);
static_assert(std::is_same_v<tn::softmax_ce::out_shape<shape<10>>, shape<10>>);
static_assert(std::is_same_v<tn::softmax_ce::out_shape<shape<1, 2, 2>>, shape<1, 2, 2>>);
static_assert(tn::softmax_ce::op<shape<1, 2, 2>>::classes == 4);
static_assert(tn::softmax_ce::param_count<shape<10>> == 0);
static_assert(tn::softmax_ce::valid<shape<3>> && !tn::softmax_ce::valid<tn::invalid_shape>);

BOOST_AUTO_TEST_CASE(name_and_no_parameters) {
    BOOST_TEST(tn::softmax_ce::name() == "softmax_ce");
    BOOST_TEST(tn::softmax_ce::params<shape<10>>().empty());
}
