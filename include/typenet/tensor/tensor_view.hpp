#pragma once
// tensor_view<T, Shape>: a non-owning, row-major window of static shape onto contiguous memory.
// It is the leaf of every kernel expression, so it is cheap to copy (one pointer) and is held
// by value inside expression nodes.

#include "typenet/expr/node.hpp"
#include "typenet/shape/shape.hpp"

#include <cstddef>
#include <type_traits>

namespace typenet {

template<class T, class Shape>
class tensor_view : public expr_base {
public:
    using value_type = std::remove_const_t<T>;
    using shape_type = Shape;
    static constexpr std::size_t rank = Shape::rank;

    constexpr explicit tensor_view(T* data) noexcept : data_(data) {}
    constexpr tensor_view(const tensor_view&) noexcept = default;
    /// A view of mutable memory is also a view of const memory.
    constexpr operator tensor_view<const T, Shape>() const noexcept
        requires(!std::is_const_v<T>)
    {
        return tensor_view<const T, Shape>(data_);
    }

    constexpr T* data() const noexcept { return data_; }
    static constexpr std::size_t size() noexcept { return Shape::size; }

    template<class... I>
        requires(sizeof...(I) == Shape::rank)
    constexpr T& operator()(I... i) const noexcept {
        return data_[linear_index<Shape>(i...)];
    }
    constexpr T& operator[](std::size_t i) const noexcept { return data_[i]; }

    // Evaluating assignment from a kernel expression; defined in expr/assign.hpp.
    template<expression_like E>
    const tensor_view& operator=(const E& e) const;
    template<expression_like E>
    const tensor_view& operator+=(const E& e) const;
    template<expression_like E>
    const tensor_view& operator-=(const E& e) const;
    /// Copy the elements (not the pointer) of another view of the same shape.
    const tensor_view& operator=(const tensor_view& other) const;

    constexpr T* begin() const noexcept { return data_; }
    constexpr T* end() const noexcept { return data_ + Shape::size; }

private:
    T* data_;
};

/// The I-th slice along the leading dimension: channel c of a C×H×W map, filter f of a weight.
template<class T, class Shape>
constexpr auto slice(tensor_view<T, Shape> v, std::size_t i) noexcept {
    using sub = drop_front_t<Shape>;
    return tensor_view<T, sub>(v.data() + i * sub::size);
}

/// Reinterpret the same elements under another shape of equal size (row-major flattening).
template<class NewShape, class T, class Shape>
constexpr auto reshape(tensor_view<T, Shape> v) noexcept {
    static_assert(NewShape::size == Shape::size, "typenet: reshape must keep the element count");
    return tensor_view<T, NewShape>(v.data());
}

} // namespace typenet

// The evaluating assignments above need the evaluators, which need the view: include them last so
// that this header works on its own whatever the include order.
#include "typenet/expr/assign.hpp"
