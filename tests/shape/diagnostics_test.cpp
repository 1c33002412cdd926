// The rule traits (include/typenet/shape/diagnostics.hpp and the layer-specific rules in
// include/typenet/layers/): each misuse must be *detectable* as a false trait, not only a failed
// build (compile-fail cases for the messages live in tests/compile_fail/).
#define BOOST_TEST_MODULE shape.diagnostics
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/seed_net.hpp"

#include <boost/test/unit_test.hpp>

#include "typenet.hpp"

namespace tn = typenet;
using tn::shape;

// rank_matches: conv and pools need C×H×W; relu, dense, flatten and softmax_ce take any rank.
static_assert(tn::rank_matches<tn::conv<2, 2>, shape<1, 5, 5>>::value);
static_assert(!tn::rank_matches<tn::conv<2, 2>, shape<25>>::value);
static_assert(!tn::rank_matches<tn::conv<2, 2>, shape<5, 5>>::value);
static_assert(!tn::rank_matches<tn::conv<2, 2>, tn::invalid_shape>::value);
static_assert(tn::rank_matches<tn::maxpool<2>, shape<3, 4, 4>>::value);
static_assert(!tn::rank_matches<tn::avgpool<2>, shape<16>>::value);
static_assert(tn::rank_matches<tn::relu, shape<7>>::value);
static_assert(tn::rank_matches<tn::relu, shape<2, 3, 4>>::value);
static_assert(tn::rank_matches<tn::dense<3>, shape<2, 3, 4>>::value);
static_assert(!tn::rank_matches<tn::dense<3>, tn::invalid_shape>::value);

// kernel_nonempty / kernel_fits / filters_nonzero (layers/conv.hpp).
static_assert(tn::kernel_nonempty<tn::conv<1, 1>>::value);
static_assert(!tn::kernel_nonempty<tn::conv<0, 3>>::value);
static_assert(!tn::kernel_nonempty<tn::conv<3, 0>>::value);
static_assert(tn::kernel_fits<tn::conv<2, 3>, shape<1, 2, 3>>::value);
static_assert(tn::kernel_fits<tn::conv<5, 5>, shape<6, 12, 12>>::value);
static_assert(!tn::kernel_fits<tn::conv<3, 2>, shape<1, 2, 3>>::value);
static_assert(!tn::kernel_fits<tn::conv<2, 4>, shape<1, 2, 3>>::value);
static_assert(!tn::kernel_fits<tn::conv<5, 5>, shape<1, 3, 3>>::value);
static_assert(!tn::kernel_fits<tn::conv<1, 1>, shape<9>>::value);
static_assert(tn::filters_nonzero<tn::conv<3, 3, tn::filters<4>>>::value);
static_assert(tn::filters_nonzero<tn::conv<3, 3>>::value);
static_assert(!tn::filters_nonzero<tn::conv<3, 3, tn::filters<0>>>::value);

// pool_tiles (layers/pool.hpp): 1 <= P <= H, W and P divides both.
static_assert(tn::pool_tiles<tn::maxpool<2>, shape<1, 4, 4>>::value);
static_assert(tn::pool_tiles<tn::avgpool<3>, shape<2, 6, 9>>::value);
static_assert(tn::pool_tiles<tn::maxpool<1>, shape<1, 3, 5>>::value);
static_assert(!tn::pool_tiles<tn::maxpool<2>, shape<1, 5, 4>>::value);
static_assert(!tn::pool_tiles<tn::maxpool<2>, shape<1, 4, 5>>::value);
static_assert(!tn::pool_tiles<tn::avgpool<4>, shape<1, 2, 2>>::value);
static_assert(!tn::pool_tiles<tn::maxpool<0>, shape<1, 4, 4>>::value);
static_assert(!tn::pool_tiles<tn::maxpool<2>, shape<16>>::value);

// units_nonzero (layers/dense.hpp).
static_assert(tn::units_nonzero<tn::dense<1>>::value);
static_assert(!tn::units_nonzero<tn::dense<0>>::value);

// loss_is_last and has_loss.
static_assert(tn::loss_is_last<tn::softmax_ce, 3, 4>::value);
static_assert(!tn::loss_is_last<tn::softmax_ce, 2, 4>::value);
static_assert(tn::has_loss<tn::dsl::seed_net>::value);
static_assert(tn::has_loss<tn::dsl::lenet5>::value);
static_assert(!tn::has_loss<tn::seq<tn::conv<2, 2>, tn::relu>>::value);
static_assert(
    tn::has_loss<tn::seq<tn::seq<tn::relu>, tn::seq<tn::dense<2>, tn::softmax_ce>>>::value);
static_assert(!tn::has_loss<tn::seq<>>::value);

BOOST_AUTO_TEST_CASE(fits_combines_every_rule_of_a_layer) {
    // The README's example: a 5x5 kernel does not fit a 3x3 plane.
    BOOST_TEST(!(tn::fits_v<tn::conv<5, 5>, shape<1, 3, 3>>));
    BOOST_TEST((tn::fits_v<tn::conv<5, 5>, shape<1, 5, 5>>));
    BOOST_TEST((tn::fits_v<tn::conv<5, 5, tn::filters<6>>, shape<1, 28, 28>>));
    BOOST_TEST(!(tn::fits_v<tn::conv<3, 3, tn::filters<0>>, shape<1, 5, 5>>));
    BOOST_TEST(!(tn::fits_v<tn::conv<0, 2>, shape<1, 5, 5>>));
    BOOST_TEST(!(tn::fits_v<tn::conv<2, 2>, shape<25>>));
    BOOST_TEST(!(tn::fits_v<tn::conv<2, 2>, tn::invalid_shape>));

    BOOST_TEST((tn::fits_v<tn::maxpool<2>, shape<6, 24, 24>>));
    BOOST_TEST(!(tn::fits_v<tn::maxpool<2>, shape<6, 25, 24>>));
    BOOST_TEST(!(tn::fits_v<tn::avgpool<2>, shape<36>>));
    BOOST_TEST((tn::fits_v<tn::avgpool<3>, shape<1, 3, 3>>));

    BOOST_TEST((tn::fits_v<tn::dense<10>, shape<16, 4, 4>>));
    BOOST_TEST((tn::fits_v<tn::dense<10>, shape<84>>));
    BOOST_TEST(!(tn::fits_v<tn::dense<0>, shape<84>>));
    BOOST_TEST(!(tn::fits_v<tn::dense<10>, tn::invalid_shape>));

    BOOST_TEST((tn::fits_v<tn::relu, shape<3>>));
    BOOST_TEST((tn::fits_v<tn::flatten, shape<2, 3, 4>>));
    BOOST_TEST((tn::fits_v<tn::softmax_ce, shape<10>>));
    BOOST_TEST(!(tn::fits_v<tn::relu, tn::invalid_shape>));
    BOOST_TEST(!(tn::fits_v<tn::flatten, tn::invalid_shape>));
}

BOOST_AUTO_TEST_CASE(traits_and_fits_agree) {
    // fits is exactly the conjunction of the layer's rules.
    BOOST_TEST((tn::fits_v<tn::conv<3, 2, tn::filters<2>>, shape<3, 5, 6>>) ==
               (tn::kernel_nonempty<tn::conv<3, 2, tn::filters<2>>>::value &&
                tn::filters_nonzero<tn::conv<3, 2, tn::filters<2>>>::value &&
                tn::rank_matches<tn::conv<3, 2, tn::filters<2>>, shape<3, 5, 6>>::value &&
                tn::kernel_fits<tn::conv<3, 2, tn::filters<2>>, shape<3, 5, 6>>::value));
    BOOST_TEST((tn::fits_v<tn::maxpool<3>, shape<2, 6, 7>>) ==
               (tn::pool_tiles<tn::maxpool<3>, shape<2, 6, 7>>::value));
}
