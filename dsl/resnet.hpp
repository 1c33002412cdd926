#pragma once
// A residual network for 1x28x28 images and 10 classes, ResNet-style (He et al. 2016, the CIFAR
// variant): a 3x3 stem, then stages of basic blocks (two 3x3 convolutions with batch norm, the
// input added back, ReLU); the first block of every stage after the first halves the resolution
// with a stride-2 convolution and a stride-2 1x1 projection shortcut (with batch norm) that
// matches the new channel count. A global average pool and one dense layer classify.
// resnet<W, N> has stages of W, 2W and 4W channels at 28x28, 14x14 and 7x7, N blocks each.
// PyTorch equivalent (Residual as in docs/dsl.md), same parameter and buffer order and layout:
//   def conv3(c, f, s=1): return nn.Conv2d(c, f, 3, s, 1)
//   def basic(c): return [Residual(nn.Sequential(conv3(c, c), nn.BatchNorm2d(c), nn.ReLU(),
//                                                conv3(c, c), nn.BatchNorm2d(c))), nn.ReLU()]
//   def down(c, f): return [Residual(nn.Sequential(conv3(c, f, 2), nn.BatchNorm2d(f), nn.ReLU(),
//                                                  conv3(f, f), nn.BatchNorm2d(f)),
//                                    nn.Sequential(nn.Conv2d(c, f, 1, 2), nn.BatchNorm2d(f))),
//                           nn.ReLU()]
//   resnet<W, N>:  nn.Sequential(conv3(1, W), nn.BatchNorm2d(W), nn.ReLU(), *basic(W) * N,
//                    *down(W, 2W), *basic(2W) * (N-1), *down(2W, 4W), *basic(4W) * (N-1),
//                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4W, 10))
//   resnet_fmnist: nn.Sequential(conv3(1, 24), nn.BatchNorm2d(24), nn.ReLU(), nn.MaxPool2d(2),
//                    *basic(24), *basic(24), *down(24, 48), *basic(48),
//                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, 10))

#include <cstddef>
#include <utility>

#include "typenet.hpp"

namespace typenet::dsl {

/// 3x3 convolution to F channels at stride S with padding 1: the resolution is kept (S = 1) or
/// halved (S = 2).
template<std::size_t F, std::size_t S = 1>
using conv3x3 = conv<3, 3, filters<F>, stride<S>, padding<1>>;

/// Two 3x3 convolutions with batch norm, the input added back, ReLU: F channels in and out.
template<std::size_t F>
using basic_block = seq<residual<seq<conv3x3<F>, batch_norm, relu, conv3x3<F>, batch_norm>>, relu>;

/// A basic block that halves the resolution and goes to F channels; the shortcut is a stride-2
/// 1x1 projection with batch norm.
template<std::size_t F>
using down_block = seq<residual<seq<conv3x3<F, 2>, batch_norm, relu, conv3x3<F>, batch_norm>,
                                seq<conv<1, 1, filters<F>, stride<2>>, batch_norm>>,
                       relu>;

namespace detail {
template<class Block, class Indices>
struct repeat_block;
template<class Block, std::size_t... I>
struct repeat_block<Block, std::index_sequence<I...>> {
    template<std::size_t>
    using same = Block;
    using type = seq<same<I>...>;
};
} // namespace detail

/// N copies of Block in a row (N = 0: an empty seq).
template<class Block, std::size_t N>
using repeat = typename detail::repeat_block<Block, std::make_index_sequence<N>>::type;

/// Stages of W, 2W and 4W channels with N basic blocks each (the first block of the second and
/// third stages is a down_block).
template<std::size_t W, std::size_t N>
using resnet = seq<conv3x3<W>, batch_norm, relu,                         // W x 28 x 28
                   repeat<basic_block<W>, N>,                            //
                   down_block<2 * W>, repeat<basic_block<2 * W>, N - 1>, // 2W x 14 x 14
                   down_block<4 * W>, repeat<basic_block<4 * W>, N - 1>, // 4W x 7 x 7
                   global_avgpool, dense<10>, softmax_ce>;

/// The main job's network (tools/train.sh): the stem in ResNet's ImageNet form, small — a 3x3
/// convolution to 24 channels and a 2x2 max-pool to 14x14 — then two basic blocks of 24
/// channels, a down_block to 48 channels at 7x7 and one more basic block. Against resnet<16, 1>
/// it moves the work from 28x28 to 14x14 (7.8 against 9.3 million multiply-adds per image) and
/// trains about 1.4x as many images per second here, more accurately per epoch
/// (docs/performance.md, "The main job's network").
using resnet_fmnist = seq<conv3x3<24>, batch_norm, relu, maxpool<2>, // 24 x 14 x 14
                          repeat<basic_block<24>, 2>,                //
                          down_block<48>, basic_block<48>,           // 48 x 7 x 7
                          global_avgpool, dense<10>, softmax_ce>;
using resnet_fmnist_input = shape<1, 28, 28>;

} // namespace typenet::dsl
