#pragma once
// tensor<T, Shape>: fixed-size, 64-byte aligned, row-major storage. No heap: a tensor is its
// elements, so a model's activations live wherever the model lives.

#include "typenet/expr/assign.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <array>
#include <cstddef>

namespace typenet {

/// Cache-line (and AVX-512 register) alignment of every tensor.
inline constexpr std::size_t tensor_alignment = 64;

template<class T, class Shape>
class tensor {
public:
    using value_type = T;
    using shape_type = Shape;
    static constexpr std::size_t rank = Shape::rank;

    /// Zero-initialised.
    constexpr tensor() = default;
    /// Evaluates an expression of the same shape.
    template<expression E>
    explicit tensor(const E& e) {
        view() = e;
    }

    static constexpr std::size_t size() noexcept { return Shape::size; }
    T* data() noexcept { return data_.data(); }
    const T* data() const noexcept { return data_.data(); }

    template<class... I>
        requires(sizeof...(I) == Shape::rank)
    T& operator()(I... i) noexcept {
        return data_[linear_index<Shape>(i...)];
    }
    template<class... I>
        requires(sizeof...(I) == Shape::rank)
    const T& operator()(I... i) const noexcept {
        return data_[linear_index<Shape>(i...)];
    }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }

    tensor_view<T, Shape> view() noexcept { return tensor_view<T, Shape>(data()); }
    tensor_view<const T, Shape> view() const noexcept {
        return tensor_view<const T, Shape>(data());
    }

    template<expression E>
    tensor& operator=(const E& e) {
        view() = e;
        return *this;
    }
    template<expression_like E>
    tensor& operator+=(const E& e) {
        view() += e;
        return *this;
    }
    template<expression_like E>
    tensor& operator-=(const E& e) {
        view() -= e;
        return *this;
    }

    void fill(T v) noexcept { data_.fill(v); }

    T* begin() noexcept { return data(); }
    T* end() noexcept { return data() + Shape::size; }
    const T* begin() const noexcept { return data(); }
    const T* end() const noexcept { return data() + Shape::size; }

    friend bool operator==(const tensor&, const tensor&) = default;

private:
    alignas(tensor_alignment) std::array<T, Shape::size> data_{};
};

/// Channel `c` of a C×H×W tensor as an H×W plane view.
template<class T, class Shape>
    requires(Shape::rank == 3)
auto channel(tensor<T, Shape>& t, std::size_t c) noexcept {
    return slice(t.view(), c);
}
template<class T, class Shape>
    requires(Shape::rank == 3)
auto channel(const tensor<T, Shape>& t, std::size_t c) noexcept {
    return slice(t.view(), c);
}
template<class T, class Shape>
    requires(Shape::rank == 3)
auto channel(tensor_view<T, Shape> v, std::size_t c) noexcept {
    return slice(v, c);
}

} // namespace typenet
