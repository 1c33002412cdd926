// flatten (include/typenet/layers/flatten.hpp): C×H×W -> C·H·W in row-major order, as
// torch.nn.Flatten on NCHW; backward reshapes the gradient back.
#define BOOST_TEST_MODULE layers.flatten
#include "typenet/layers/flatten.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/test/unit_test.hpp>

#include <tuple>
#include <type_traits>

namespace tn = typenet;
using tn::shape;
using value_types = std::tuple<float, double>;

static_assert(std::is_same_v<tn::flatten::out_shape<shape<16, 4, 4>>, shape<256>>);
static_assert(std::is_same_v<tn::flatten::out_shape<shape<5>>, shape<5>>);
static_assert(tn::flatten::param_count<shape<2, 3, 4>> == 0);
static_assert(tn::flatten::valid<shape<2, 3>> && !tn::flatten::valid<tn::invalid_shape>);

BOOST_AUTO_TEST_CASE_TEMPLATE(row_major_both_ways, T, value_types) {
    using in = shape<2, 3, 4>;
    BOOST_TEST(tn::flatten::name() == "flatten");
    BOOST_TEST(tn::flatten::params<in>().empty());
    tn::tensor<T, in> x;
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 3; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                x(c, h, w) = T(100 * c + 10 * h + w);
    tn::tensor<T, shape<24>> y, dy;
    tn::flatten::forward<in, T>(nullptr, x.view(), y.view());
    // torch.flatten order: index c*12 + h*4 + w.
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 3; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                BOOST_TEST(y[c * 12 + h * 4 + w] == T(100 * c + 10 * h + w));
    for (std::size_t i = 0; i < 24; ++i)
        dy[i] = T(i) - T(7.5);
    tn::tensor<T, in> dx;
    tn::flatten::backward<in, T>(nullptr, x.view(), y.view(), dy.view(), dx.view(), nullptr);
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t h = 0; h < 3; ++h)
            for (std::size_t w = 0; w < 4; ++w)
                BOOST_TEST(dx(c, h, w) == T(c * 12 + h * 4 + w) - T(7.5));
}
