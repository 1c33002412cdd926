#pragma once
// Generic evaluators: how to compute one coefficient of each expression node.
// An evaluator is built from a node and answers coeff(i...) for an index of the node's rank;
// element-wise nodes over same-shape leaves also answer coeff_linear(k) (row-major position),
// which lets the assignment loop run flat and vectorise. Faster kernels for whole expressions
// are specialisations of `assignment` (assign.hpp), never changes to the nodes.

#include "typenet/expr/correlate.hpp"
#include "typenet/expr/correlate_channels.hpp"
#include "typenet/expr/elementwise.hpp"
#include "typenet/expr/linalg.hpp"
#include "typenet/expr/rot180.hpp"
#include "typenet/expr/sum.hpp"
#include "typenet/expr/zero_pad.hpp"
#include "typenet/kernels/sum.hpp"
#include "typenet/shape/shape.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace typenet {

template<class T, class Shape>
class tensor_view;

template<class E>
struct evaluator;

namespace detail {
/// Calls f(i...) for every index of Shape in row-major order (nested loops, innermost last).
template<class Shape, class F, class... I>
constexpr void for_each_index(F&& f, I... i) {
    if constexpr (sizeof...(I) == Shape::rank) {
        f(i...);
    } else {
        constexpr std::size_t n = Shape::dims[sizeof...(I)];
        for (std::size_t k = 0; k < n; ++k)
            for_each_index<Shape>(f, i..., k);
    }
}

/// e.coeff(ix[0], ..., ix[R-1]): for nodes that move some coordinates of an index of any rank.
template<class E, std::size_t R, std::size_t... K>
constexpr auto coeff_at(const E& e, const std::array<std::size_t, R>& ix,
                        std::index_sequence<K...>) {
    return e.coeff(ix[K]...);
}
template<class E, std::size_t R>
constexpr auto coeff_at(const E& e, const std::array<std::size_t, R>& ix) {
    return coeff_at(e, ix, std::make_index_sequence<R>{});
}
} // namespace detail

template<class T, class Shape>
struct evaluator<tensor_view<T, Shape>> {
    static constexpr bool linear_access = true;
    using value_type = std::remove_const_t<T>;
    const T* data;
    constexpr explicit evaluator(const tensor_view<T, Shape>& v)
        : data(v.data()) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        return data[linear_index<Shape>(i...)];
    }
    constexpr value_type coeff_linear(std::size_t k) const { return data[k]; }
};

template<class A, class K>
struct evaluator<correlate_expr<A, K>> {
    static constexpr bool linear_access = false;
    using value_type = typename correlate_expr<A, K>::value_type;
    static constexpr std::size_t kh = dim_v<typename K::shape_type, 0>;
    static constexpr std::size_t kw = dim_v<typename K::shape_type, 1>;
    evaluator<A> a;
    evaluator<K> k;
    constexpr explicit evaluator(const correlate_expr<A, K>& e)
        : a(e.input)
        , k(e.kernel) {}
    constexpr value_type coeff(std::size_t i, std::size_t j) const {
        value_type acc{};
        for (std::size_t m = 0; m < kh; ++m)
            for (std::size_t n = 0; n < kw; ++n)
                acc += a.coeff(i + m, j + n) * k.coeff(m, n);
        return acc;
    }
};

template<std::size_t PH, std::size_t PW, class A>
struct evaluator<zero_pad_expr<PH, PW, A>> {
    static constexpr bool linear_access = false;
    using value_type = typename A::value_type;
    static constexpr std::size_t rank = A::shape_type::rank;
    static constexpr std::size_t h = dim_v<typename A::shape_type, rank - 2>;
    static constexpr std::size_t w = dim_v<typename A::shape_type, rank - 1>;
    evaluator<A> a;
    constexpr explicit evaluator(const zero_pad_expr<PH, PW, A>& e)
        : a(e.input) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        std::array<std::size_t, rank> ix{static_cast<std::size_t>(i)...};
        std::size_t &y = ix[rank - 2], &x = ix[rank - 1];
        if (y < PH || y >= PH + h || x < PW || x >= PW + w)
            return value_type{};
        y -= PH;
        x -= PW;
        return detail::coeff_at(a, ix);
    }
};

template<class A>
struct evaluator<rot180_expr<A>> {
    static constexpr bool linear_access = false;
    using value_type = typename A::value_type;
    static constexpr std::size_t rank = A::shape_type::rank;
    static constexpr std::size_t h = dim_v<typename A::shape_type, rank - 2>;
    static constexpr std::size_t w = dim_v<typename A::shape_type, rank - 1>;
    evaluator<A> a;
    constexpr explicit evaluator(const rot180_expr<A>& e)
        : a(e.input) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        std::array<std::size_t, rank> ix{static_cast<std::size_t>(i)...};
        ix[rank - 2] = h - 1 - ix[rank - 2];
        ix[rank - 1] = w - 1 - ix[rank - 1];
        return detail::coeff_at(a, ix);
    }
};

/// sum_c sum_{m,n} a(c, i + m, j + n) k(f, c, m, n)
template<class A, class K>
struct evaluator<correlate_channels_expr<A, K>> {
    static constexpr bool linear_access = false;
    using value_type = typename correlate_channels_expr<A, K>::value_type;
    static constexpr std::size_t channels = dim_v<typename K::shape_type, 1>;
    static constexpr std::size_t kh = dim_v<typename K::shape_type, 2>;
    static constexpr std::size_t kw = dim_v<typename K::shape_type, 3>;
    evaluator<A> a;
    evaluator<K> k;
    constexpr explicit evaluator(const correlate_channels_expr<A, K>& e)
        : a(e.input)
        , k(e.kernel) {}
    constexpr value_type coeff(std::size_t f, std::size_t i, std::size_t j) const {
        value_type acc{};
        for (std::size_t c = 0; c < channels; ++c)
            for (std::size_t m = 0; m < kh; ++m)
                for (std::size_t n = 0; n < kw; ++n)
                    acc += a.coeff(c, i + m, j + n) * k.coeff(f, c, m, n);
        return acc;
    }
};

/// sum_{i,j} a(c, i + m, j + n) g(f, i, j)
template<class A, class G>
struct evaluator<correlate_outer_expr<A, G>> {
    static constexpr bool linear_access = false;
    using value_type = typename correlate_outer_expr<A, G>::value_type;
    static constexpr std::size_t gh = dim_v<typename G::shape_type, 1>;
    static constexpr std::size_t gw = dim_v<typename G::shape_type, 2>;
    evaluator<A> a;
    evaluator<G> g;
    constexpr explicit evaluator(const correlate_outer_expr<A, G>& e)
        : a(e.input)
        , g(e.kernel) {}
    constexpr value_type coeff(std::size_t f, std::size_t c, std::size_t m, std::size_t n) const {
        value_type acc{};
        for (std::size_t i = 0; i < gh; ++i)
            for (std::size_t j = 0; j < gw; ++j)
                acc += a.coeff(c, i + m, j + n) * g.coeff(f, i, j);
        return acc;
    }
};

template<class A>
struct evaluator<sum_expr<A>> {
    using value_type = typename A::value_type;
    evaluator<A> a;
    constexpr explicit evaluator(const sum_expr<A>& e)
        : a(e.input) {}
    constexpr value_type value() const {
        if constexpr (evaluator<A>::linear_access) {
            return kernels::sum_of<A::shape_type::size, value_type>(
                [this](std::size_t k) { return a.coeff_linear(k); });
        } else {
            value_type acc{};
            detail::for_each_index<typename A::shape_type>(
                [&](auto... i) { acc += a.coeff(i...); });
            return acc;
        }
    }
};

template<class A>
constexpr sum_expr<A>::operator value_type() const {
    return evaluator<sum_expr<A>>(*this).value();
}

template<class Op, class A, class B>
struct evaluator<binary_expr<Op, A, B>> {
    static constexpr bool linear_access =
        evaluator<A>::linear_access && evaluator<B>::linear_access;
    using value_type = typename binary_expr<Op, A, B>::value_type;
    evaluator<A> a;
    evaluator<B> b;
    [[no_unique_address]] Op op;
    constexpr explicit evaluator(const binary_expr<Op, A, B>& e)
        : a(e.lhs)
        , b(e.rhs)
        , op(e.op) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        return op(a.coeff(i...), b.coeff(i...));
    }
    constexpr value_type coeff_linear(std::size_t k) const {
        return op(a.coeff_linear(k), b.coeff_linear(k));
    }
};

template<class Op, class A>
struct evaluator<scalar_expr<Op, A>> {
    static constexpr bool linear_access = evaluator<A>::linear_access;
    using value_type = typename A::value_type;
    evaluator<A> a;
    value_type s;
    [[no_unique_address]] Op op;
    constexpr explicit evaluator(const scalar_expr<Op, A>& e)
        : a(e.input)
        , s(e.scalar)
        , op(e.op) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        return op(a.coeff(i...), s);
    }
    constexpr value_type coeff_linear(std::size_t k) const { return op(a.coeff_linear(k), s); }
};

template<class F, class A>
struct evaluator<map_expr<F, A>> {
    static constexpr bool linear_access = evaluator<A>::linear_access;
    using value_type = typename map_expr<F, A>::value_type;
    evaluator<A> a;
    F f;
    constexpr explicit evaluator(const map_expr<F, A>& e)
        : a(e.input)
        , f(e.f) {}
    template<class... I>
    constexpr value_type coeff(I... i) const {
        return f(a.coeff(i...));
    }
    constexpr value_type coeff_linear(std::size_t k) const { return f(a.coeff_linear(k)); }
};

template<class M, class V>
struct evaluator<matvec_expr<M, V>> {
    static constexpr bool linear_access = false;
    using value_type = typename matvec_expr<M, V>::value_type;
    static constexpr std::size_t cols = dim_v<typename M::shape_type, 1>;
    evaluator<M> m;
    evaluator<V> v;
    constexpr explicit evaluator(const matvec_expr<M, V>& e)
        : m(e.matrix)
        , v(e.vector) {}
    constexpr value_type coeff(std::size_t i) const {
        value_type acc{};
        for (std::size_t j = 0; j < cols; ++j)
            acc += m.coeff(i, j) * v.coeff(j);
        return acc;
    }
};

template<class A, class B>
struct evaluator<outer_expr<A, B>> {
    static constexpr bool linear_access = false;
    using value_type = typename outer_expr<A, B>::value_type;
    evaluator<A> a;
    evaluator<B> b;
    constexpr explicit evaluator(const outer_expr<A, B>& e)
        : a(e.lhs)
        , b(e.rhs) {}
    constexpr value_type coeff(std::size_t i, std::size_t j) const {
        return a.coeff(i) * b.coeff(j);
    }
};

template<class M>
struct evaluator<transpose_expr<M>> {
    static constexpr bool linear_access = false;
    using value_type = typename M::value_type;
    evaluator<M> m;
    constexpr explicit evaluator(const transpose_expr<M>& e)
        : m(e.input) {}
    template<class I0, class I1, class... I>
    constexpr value_type coeff(I0 i0, I1 i1, I... i) const {
        return m.coeff(i1, i0, i...);
    }
};

} // namespace typenet

// The assignment loop and every fast evaluator and assignment (assign.hpp), last: wherever the
// generic evaluators are, so are the fast ones.
#include "typenet/expr/assign.hpp"
