#pragma once
// softmax_cross_entropy: p = softmax(f) over all logits, L = -log p_y, dL/df = p - onehot(y)
// (docs/derivations.md §8). Computed through log-sum-exp with the maximum subtracted, so large
// logits neither overflow exp nor lose the loss to log(0).

#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace typenet::ops {

template<class Shape>
struct softmax_cross_entropy {
    static constexpr std::size_t classes = Shape::size;

    /// Loss for `label`; writes p - onehot(label) into `df`. The caller checks the label range.
    template<class T>
    static T forward_backward(tensor_view<const T, Shape> f, std::size_t label,
                              tensor_view<T, Shape> df) {
        const T max = *std::max_element(f.begin(), f.end());
        T total{};
        for (std::size_t k = 0; k < classes; ++k) {
            df[k] = std::exp(f[k] - max);
            total += df[k];
        }
        for (std::size_t k = 0; k < classes; ++k)
            df[k] /= total;
        df[label] -= T{1};
        // L = log_sum_exp - f_y = (max - f_y) + log(total): subtracting the two large terms
        // first keeps the loss exact to float precision even when the logits are ~1000.
        return (max - f[label]) + std::log(total);
    }
};

} // namespace typenet::ops
