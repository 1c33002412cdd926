#pragma once
// Which kernel computes a padded, strided conv of geometry Cv (conv_geometry<...>, one group):
// a single plane (one channel, one filter: a depthwise conv's group) goes to the
// depthwise_conv_* kernels, whose lanes run along the positions; anything wider to the
// padded_conv_* kernels, whose lanes run along the filters (forward, dK) or the channels (dx),
// which one plane cannot fill. And whether that kernel's stack stays within `stack_limit`
// (larger convs keep the generic loop).

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/depthwise_conv_input_gradient.hpp"
#include "typenet/kernels/depthwise_conv_weight_gradient.hpp"
#include "typenet/kernels/padded_conv_forward.hpp"
#include "typenet/kernels/padded_conv_input_gradient.hpp"
#include "typenet/kernels/padded_conv_weight_gradient.hpp"

#include <cstddef>

namespace typenet::kernels {

/// The most stack, in bytes, a strided conv kernel may use.
inline constexpr std::size_t stack_limit = 131072;

template<class Cv>
inline constexpr bool single_plane_v = Cv::C == 1 && Cv::F == 1 && Cv::G == 1;
/// A single plane as the depthwise kernels take it (one group of one channel).
template<class Cv>
using plane_geometry =
    conv_geometry<1, Cv::H, Cv::W, 1, Cv::KH, Cv::KW, Cv::SH, Cv::SW, Cv::PH, Cv::PW, 1>;

template<class Cv, class T>
constexpr bool strided_conv_forward_fits() {
    if constexpr (single_plane_v<Cv>)
        return depthwise_conv_forward_stack_bytes<plane_geometry<Cv>, T> <= stack_limit;
    else
        return padded_conv_forward_stack_bytes<Cv, T> <= stack_limit;
}
template<class Cv, class T>
constexpr bool strided_conv_weight_gradient_fits() {
    if constexpr (single_plane_v<Cv>)
        return depthwise_conv_weight_gradient_stack_bytes<plane_geometry<Cv>, T> <= stack_limit;
    else
        return padded_conv_weight_gradient_stack_bytes<Cv, T> <= stack_limit;
}
template<class Cv, class T>
constexpr bool strided_conv_input_gradient_fits() {
    if constexpr (single_plane_v<Cv>)
        return depthwise_conv_input_gradient_stack_bytes<plane_geometry<Cv>, T> <= stack_limit;
    else
        return padded_conv_input_gradient_stack_bytes<Cv, T> <= stack_limit;
}

/// z (=|+=) the conv of x with k.
template<class Cv, bool Accumulate, class T>
inline void strided_conv_forward(T* z, const T* x, const T* k) {
    if constexpr (single_plane_v<Cv>)
        depthwise_conv_forward<plane_geometry<Cv>, Accumulate>(z, x, k);
    else
        padded_conv_forward<Cv, Accumulate>(z, x, k);
}
/// dk (=|+=) the weight gradient from x and dz.
template<class Cv, bool Accumulate, class T>
inline void strided_conv_weight_gradient(T* dk, const T* x, const T* dz) {
    if constexpr (single_plane_v<Cv>)
        depthwise_conv_weight_gradient<plane_geometry<Cv>, Accumulate>(dk, x, dz);
    else
        padded_conv_weight_gradient<Cv, Accumulate>(dk, x, dz);
}
/// dx (=|+=) the input gradient from k and dz.
template<class Cv, bool Accumulate, class T>
inline void strided_conv_input_gradient(T* dx, const T* k, const T* dz) {
    if constexpr (single_plane_v<Cv>)
        depthwise_conv_input_gradient<plane_geometry<Cv>, Accumulate>(dx, k, dz);
    else
        padded_conv_input_gradient<Cv, Accumulate>(dx, k, dz);
}

} // namespace typenet::kernels
