// resnet_fmnist (dsl/resnet.hpp) and separable (dsl/separable.hpp) written directly against
// oneDNN's C++ API (Debian's oneDNN 2.6, CPU engine): a benchmark peer of bench/nets_bench.cpp and
// bench/pytorch_nets.py that has no framework between the program and oneDNN's primitives.
//
//   onednn_nets --check FILE --net resnet_fmnist|separable [--fused]
//   onednn_nets [--fused] [--quick] [--min-time S] [--reps N] [--nets resnet_fmnist,separable]
//
// Two variants of each network (see Design): plain, one primitive per PyTorch module, and, with
// --fused, the fusions oneDNN itself offers for these networks. A run checks or times one
// variant; every line it prints carries variant=plain or variant=fused.
//
// --check reads bench/onednn_reference.py's file (its docstring defines the format), loads the
// parameters, runs one training-mode forward and backward on its batch of 8 and compares the
// loss, every parameter gradient, the batch statistics folded into the running buffers and the
// eval-mode logits (computed after the training forward has updated the running statistics)
// with PyTorch's float64 values: max |a - b| / (max |ref| + 1e-6) per tensor, tolerance 1e-4.
// One exception: the bias of a convolution followed by a batch norm has an exact gradient of
// zero, and is measured against its convolution's weight gradient (parameter::
// zero_gradient_scale says why). It prints one `check` line per tensor and exits with 1, naming
// the tensors, when one fails.
//
// Timing (the policy of bench/timing.hpp, whose time_calls and random image pool are reused, so
// the images are nets_bench's): training steps (forward, softmax cross-entropy, backward, Adam)
// at batch 8, 16, 32 and 128 on 1 and 2 threads, inference (eval mode, argmax) at batch 1 and
// 128 on 1 thread; `result framework=onednn variant=... ...` lines, otherwise as nets_bench prints
// them (the variant field is the one addition). Then a per-layer profile of training at batch 128
// on 1 thread (`layer ...` lines, microseconds per batch; each primitive is timed on its own, so
// the sum is a little above a step's time) and the memory formats oneDNN chose (`format ...` lines,
// oneDNN's notation: dimensions outermost first, upper case when blocked, then the inner blocks,
// e.g. aBcd16b = nChw16c) with the implementation names; these too for the variant being timed,
// with its variant= field (a fused layer is named after all its modules, e.g. bn24@1+relu@2).
//
// Design:
// - Every primitive is created once per network instance, i.e. per (batch size, mode, threads),
//   and reused by every step. Convolutions get format_tag::any for src, weights and dst; the other
//   primitives take the layout of the tensor they consume, and a reorder is inserted only where a
//   consumer's chosen layout differs from its producer's (the input images are nchw; in practice
//   every activation ends up nChw16c in training and nhwc in inference, and no activation
//   reorder runs). Backward primitives are created with the forward primitive's descriptors
//   (and it as the hint), so gradients come out in the layout of the tensor they belong to. The
//   exception is the weights of the backward-data convolutions: oneDNN's jit kernels want them
//   blocked the other way round than the forward layout (with that one only its reference
//   kernel runs), so they get weights `any` and a reorder of the weights into that layout every
//   step (weights only: a few thousand floats per layer).
// - Parameters live in one flat float buffer, each tensor in the layout oneDNN chose for it
//   (possibly blocked and zero-padded); the gradients are a second buffer with the same layout,
//   written directly by the backward-weights primitives. Adam is element-wise, so it runs as one
//   plain loop over the flat buffers whatever the layouts (padding stays zero: its gradient is
//   zero). Reorders from and to PyTorch's layout happen only when loading parameters and when
//   checking gradients. The Adam loop is PyTorch's formula and nothing more (no flush of tiny
//   moments as typenet's adam does).
// - Batch norm: oneDNN's training forward (batch statistics, which it returns), then a small loop
//   updates the running mean and variance as PyTorch does (momentum 0.1, unbiased variance); eval
//   mode uses the running statistics (use_global_stats).
// - The residual sum is a binary add; in the backward pass the add passes its gradient on to both
//   sides without a copy, and a tensor with two consumers (a block's input with an identity
//   shortcut) gets its two gradients summed by one more binary add (counted in the backward time
//   of the layer that produced the tensor).
// - The global average pool is an average pooling over the whole 7x7 plane; the dense layer is an
//   inner product reading the pool's output as it is.
// - Softmax cross-entropy (10 classes x batch) is a plain loop over the logits, which the inner
//   product writes in nc.
// - The first convolution computes no gradient for the input images, as in PyTorch.
// - The plain variant runs one primitive per PyTorch module, as PyTorch's eager mode does (a
//   ReLU is an eltwise primitive, forward and backward, reading its input).
// - The fused variant (--fused), oneDNN at its best for these networks, in the same framework:
//   * batch norm + ReLU (resnet_fmnist's training; its inference folds the batch norms, below):
//     the batch norm with normalization_flags::fuse_norm_relu, forward (the ReLU's mask goes to
//     the primitive's workspace) and backward (which reads the workspace: no separate ReLU
//     backward). batch_norm() also supports it with use_global_stats, unused here;
//   * residual add + ReLU: the binary add with an eltwise ReLU post-op; its backward is an
//     eltwise_relu_use_dst_for_bwd backward reading the add's (post-ReLU) output, the gradient
//     of which then goes to both summands;
//   * convolution + ReLU (separable, training and inference): an eltwise ReLU post-op on the
//     convolution; in training its backward is the same dst-based ReLU backward on the
//     convolution's output, ahead of the convolution's backward-data and backward-weights;
//   * resnet_fmnist's inference: every batch norm is folded into the convolution before it (a
//     deployment's preparation, done when the parameters are loaded, not per step: weights
//     w * s, bias (b - mean) * s + beta, s = gamma / sqrt(running_var + eps), computed in double
//     and reordered into the convolution's layout), and the ReLU after it is a post-op of that
//     convolution; so inference is convolutions, max pool, add + ReLU, average pool and the
//     dense layer.
//   Not fused: the residual add into the second convolution of a block (a sum or binary post-op
//   on the convolution), the pools, and anything across the backward of two primitives. In
//   exact arithmetic the variants compute the same values (the dst-based ReLU backward differs
//   from the src-based one only at exact zeros), and --check holds both to the same reference
//   and tolerance.
// - Threads: Debian builds libdnnl with the OpenMP runtime (DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP,
//   libgomp), so omp_set_num_threads sets the thread count before a network instance's primitives
//   are created.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "timing.hpp"

static_assert(DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP,
              "onednn_nets sets its thread count with omp_set_num_threads");

namespace {

namespace tn = typenet;
using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;
using dims = memory::dims;

struct options {
    double min_time = 0.3;
    int reps = 5;
    bool quick = false;
    bool fused = false;
    std::string nets = "resnet_fmnist,separable";
    std::string check_file, check_net;
};

enum class mode { train, infer };

/// A layout in oneDNN's notation: dimensions from the largest stride to the smallest (upper case
/// when blocked), then the inner blocks. A dimension of size 1 has no definite place.
std::string format_of(const memory::desc& md) {
    const dnnl_memory_desc_t& d = md.data;
    if (d.format_kind != dnnl_blocked)
        return "opaque";
    const auto& b = d.format_desc.blocking;
    std::vector<int> order(std::size_t(d.ndims));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int i, int j) { return b.strides[i] > b.strides[j]; });
    std::string s;
    for (int i : order) {
        bool blocked = false;
        for (int k = 0; k < b.inner_nblks; ++k)
            blocked = blocked || b.inner_idxs[k] == i;
        s += char((blocked ? 'A' : 'a') + i);
    }
    for (int k = 0; k < b.inner_nblks; ++k)
        s += std::to_string(b.inner_blks[k]) + char('a' + b.inner_idxs[k]);
    return s;
}

/// Whether two plain (unblocked) layouts of the same dims put every element at the same offset
/// (they may differ only in the strides of dimensions of size 1).
bool same_bytes(const memory::desc& a, const memory::desc& b) {
    const dnnl_memory_desc_t &x = a.data, &y = b.data;
    if (x.format_kind != dnnl_blocked || y.format_kind != dnnl_blocked || x.ndims != y.ndims ||
        x.format_desc.blocking.inner_nblks != 0 || y.format_desc.blocking.inner_nblks != 0 ||
        a.get_size() != b.get_size() || x.offset0 != y.offset0)
        return false;
    for (int i = 0; i < x.ndims; ++i)
        if (x.dims[i] != y.dims[i] || (x.dims[i] > 1 && x.format_desc.blocking.strides[i] !=
                                                            y.format_desc.blocking.strides[i]))
            return false;
    return true;
}

/// One primitive execution (or a plain loop) of a network's forward or backward program.
struct step {
    std::size_t layer;
    dnnl::primitive prim;
    std::unordered_map<int, memory> args;
    std::function<void()> fn; // set for the plain loops
};

struct layer_info {
    std::string name;
    double fwd_s = 0, bwd_s = 0;
};

/// An activation: its layout, its memory and the gradients its consumers contributed (summed
/// when the producer's backward is planned).
struct activation {
    memory::desc md;
    memory mem;
    bool needs_diff = true;
    std::vector<memory> grads;
    std::size_t conv_weight = std::size_t(-1), conv_bias = std::size_t(-1); // when a conv made it
};

struct parameter {
    std::string name;                  // PyTorch's named_parameters() name
    dims torch_dims;                   // PyTorch's shape
    memory::desc plain;                // PyTorch's element order in oneDNN's dimensions
    memory::desc md;                   // as stored in the flat buffers (oneDNN's choice)
    float init_low = 0, init_high = 0; // uniform initialisation bounds (equal: a constant)
    // The bias of a convolution that a training-mode batch norm follows has an exact gradient of
    // zero (the batch norm subtracts the batch mean per channel): its reference is rounding noise
    // (1e-17 in float64) and float32 gives noise of the size of the gradients it sums (PyTorch's
    // own float32 gradient too). The check measures it against the convolution's weight gradient
    // instead, the index of which this holds.
    std::size_t zero_gradient_scale = std::size_t(-1);
    std::size_t offset = 0; // in floats, into the flat buffers
    memory value, grad;
};

struct running_stats {
    std::string path; // the batch norm's module name
    std::vector<float> mean, var;
    std::size_t count = 0; // values per channel in a batch
};

struct free_deleter {
    void operator()(float* p) const { std::free(p); }
};
using float_buffer = std::unique_ptr<float[], free_deleter>;

float_buffer zeroed_floats(std::size_t n) {
    const std::size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!p)
        throw std::bad_alloc();
    std::memset(p, 0, bytes);
    return float_buffer(p);
}

float* data_of(const memory& m) {
    return static_cast<float*>(m.get_data_handle());
}

class network {
public:
    network(const dnnl::engine& eng, std::size_t batch, mode m, bool fused)
        : eng_(eng)
        , strm_(eng)
        , batch_(batch)
        , mode_(m)
        , fused_(fused) {}

    const std::vector<parameter>& parameters() const { return params_; }
    const std::vector<layer_info>& layers() const { return layers_; }
    std::vector<std::unique_ptr<running_stats>>& running() { return running_; }
    const std::vector<std::string>& formats() const { return formats_; }
    float loss() const { return loss_; }
    const float* logits() const { return data_of(acts_[std::size_t(logits_)].mem); }

    // --- building (forward program; the backward planners run in finish()) ---

    int input() {
        const memory::desc md({dims::value_type(batch_), 1, 28, 28}, dt::f32, tag::nchw);
        const int id = add_activation(md, memory(md, eng_, DNNL_MEMORY_NONE));
        acts_[std::size_t(id)].needs_diff = false;
        input_ = id;
        return id;
    }

    // The builders' units: conv + ReLU, batch norm + ReLU, add + ReLU and conv + batch norm
    // (+ ReLU) run as separate primitives in the plain variant and fused in the fused one.

    int conv_relu(int in, dims::value_type oc, dims::value_type k, dims::value_type stride,
                  dims::value_type groups, const std::string& path, const std::string& relu_path) {
        if (fused_)
            return conv(in, oc, k, stride, groups, path, true, false, "+relu@" + relu_path);
        return relu(conv(in, oc, k, stride, groups, path), relu_path);
    }

    int bn_relu(int in, const std::string& path, const std::string& relu_path) {
        if (fused_)
            return batch_norm(in, path, true, relu_path);
        return relu(batch_norm(in, path), relu_path);
    }

    int add_relu(int a, int b, const std::string& path, const std::string& relu_path) {
        if (fused_)
            return add(a, b, path, true, relu_path);
        return relu(add(a, b, path), relu_path);
    }

    /// A convolution, its batch norm and, unless relu_path is empty, a ReLU. Fused inference
    /// folds the batch norm into the convolution's weights and bias (fold()).
    int conv_bn(int in, dims::value_type oc, dims::value_type k, dims::value_type stride,
                dims::value_type groups, const std::string& path, const std::string& bn_path,
                const std::string& relu_path) {
        const bool relu_too = !relu_path.empty();
        if (fused_ && mode_ == mode::infer) {
            const int out = conv(in, oc, k, stride, groups, path, relu_too, true,
                                 "+bn@" + bn_path + (relu_too ? "+relu@" + relu_path : ""));
            const bn_params bn = add_bn_params(out, bn_path, acts_[std::size_t(out)].md);
            folds_.back().gamma = bn.gamma;
            folds_.back().beta = bn.beta;
            folds_.back().stats = bn.stats;
            return out;
        }
        const int y = conv(in, oc, k, stride, groups, path);
        return relu_too ? bn_relu(y, bn_path, relu_path) : batch_norm(y, bn_path);
    }

    /// Convolution k x k (padding k / 2) with bias, `groups` groups; `relu_post` appends a ReLU
    /// post-op (its backward then reads the convolution's output), `fold` runs it with the
    /// folded weights and bias of folds_ instead of the parameters.
    int conv(int in, dims::value_type oc, dims::value_type k, dims::value_type stride,
             dims::value_type groups, const std::string& path, bool relu_post = false,
             bool fold = false, const std::string& suffix = "") {
        const dims xd = acts_[std::size_t(in)].md.dims();
        const dims::value_type n = xd[0], c = xd[1], h = xd[2], w = xd[3], pad = k / 2;
        const dims::value_type oh = (h + 2 * pad - k) / stride + 1,
                               ow = (w + 2 * pad - k) / stride + 1;
        const dims wdims =
            groups > 1 ? dims{groups, oc / groups, c / groups, k, k} : dims{oc, c, k, k};
        const dims strides{stride, stride}, padding{pad, pad};
        const memory::desc src_any({n, c, h, w}, dt::f32, tag::any);
        const memory::desc w_any(wdims, dt::f32, tag::any);
        const memory::desc b_md({oc}, dt::f32, tag::a);
        const memory::desc dst_any({n, oc, oh, ow}, dt::f32, tag::any);
        const dnnl::convolution_forward::desc d(prop(), dnnl::algorithm::convolution_direct,
                                                src_any, w_any, b_md, dst_any, strides, padding,
                                                padding);
        dnnl::primitive_attr attr;
        if (relu_post) {
            dnnl::post_ops po;
            po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0, 0);
            attr.set_post_ops(po);
        }
        const dnnl::convolution_forward::primitive_desc pd(d, attr, eng_);
        const std::string label = "conv" + std::to_string(k) + "x" + std::to_string(k) + "s" +
                                  std::to_string(stride) + (groups > 1 ? "dw" : "") + "_" +
                                  std::to_string(c) + "to" + std::to_string(oc);
        const std::size_t layer = add_layer(label + "@" + path + suffix);
        const float bound = 1.0f / std::sqrt(float(c / groups * k * k));
        const std::size_t wp =
            add_parameter(path + ".weight", {oc, c / groups, k, k},
                          memory::desc(wdims, dt::f32, groups > 1 ? tag::goihw : tag::oihw),
                          pd.weights_desc(), -bound, bound);
        const std::size_t bp =
            add_parameter(path + ".bias", {oc}, b_md, pd.bias_desc(), -bound, bound);
        if (in == input_ && same_bytes(acts_[std::size_t(in)].md, pd.src_desc())) {
            // One input channel: nchw and the nhwc the inference kernels choose are the same
            // bytes, so the images are described in the chosen layout instead of copied.
            acts_[std::size_t(in)].md = pd.src_desc();
            acts_[std::size_t(in)].mem = memory(pd.src_desc(), eng_, DNNL_MEMORY_NONE);
        }
        const memory src = converted(acts_[std::size_t(in)].mem, pd.src_desc(), layer, fwd_);
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        acts_[std::size_t(out)].conv_weight = wp;
        acts_[std::size_t(out)].conv_bias = bp;
        memory weights = params_[wp].value, bias = params_[bp].value;
        if (fold) {
            weights = memory(pd.weights_desc(), eng_);
            bias = memory(pd.bias_desc(), eng_);
            folds_.push_back({wp, bp, 0, 0, nullptr, weights, bias});
        }
        fwd_.push_back({layer,
                        dnnl::convolution_forward(pd),
                        {{DNNL_ARG_SRC, src},
                         {DNNL_ARG_WEIGHTS, weights},
                         {DNNL_ARG_BIAS, bias},
                         {DNNL_ARG_DST, acts_[std::size_t(out)].mem}},
                        {}});
        planners_.push_back([=, this] {
            const memory dy = relu_post ? relu_backward_from_dst(acts_[std::size_t(out)].mem,
                                                                 gathered(out, layer), layer)
                                        : gathered(out, layer);
            const dnnl::convolution_backward_weights::desc wd(
                dnnl::algorithm::convolution_direct, pd.src_desc(), pd.weights_desc(),
                pd.bias_desc(), pd.dst_desc(), strides, padding, padding);
            const dnnl::convolution_backward_weights::primitive_desc wpd(wd, eng_, pd);
            std::string all = impls_[layer] + " bwd_weights=" + wpd.impl_info_str() +
                              " bwd_weights_diff=" + format_of(wpd.diff_weights_desc());
            if (acts_[std::size_t(in)].needs_diff) {
                // The weights in the layout the backward-data kernel wants: oneDNN's jit kernels
                // block them the other way round (input channels innermost) than the forward
                // ones, and with the forward layout only the reference kernel accepts them; the
                // per-step reorder is a few thousand floats.
                const dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct,
                                                               pd.src_desc(), w_any, pd.dst_desc(),
                                                               strides, padding, padding);
                const dnnl::convolution_backward_data::primitive_desc dpd(dd, eng_, pd);
                const memory weights =
                    converted(params_[wp].value, dpd.weights_desc(), layer, bwd_);
                const memory dx(dpd.diff_src_desc(), eng_);
                bwd_.push_back({layer,
                                dnnl::convolution_backward_data(dpd),
                                {{DNNL_ARG_DIFF_DST, dy},
                                 {DNNL_ARG_WEIGHTS, weights},
                                 {DNNL_ARG_DIFF_SRC, dx}},
                                {}});
                acts_[std::size_t(in)].grads.push_back(dx);
                all += std::string(" bwd_data=") + dpd.impl_info_str() +
                       " bwd_data_weights=" + format_of(dpd.weights_desc());
            }
            bwd_.push_back({layer,
                            dnnl::convolution_backward_weights(wpd),
                            {{DNNL_ARG_SRC, src},
                             {DNNL_ARG_DIFF_DST, dy},
                             {DNNL_ARG_DIFF_WEIGHTS, params_[wp].grad},
                             {DNNL_ARG_DIFF_BIAS, params_[bp].grad}},
                            {}});
            impls_[layer] = all;
        });
        impls_[layer] = pd.impl_info_str();
        formats_.push_back("layer=" + path + " src=" + format_of(pd.src_desc()) + " weights=" +
                           format_of(pd.weights_desc()) + " dst=" + format_of(pd.dst_desc()));
        conv_layers_.push_back(layer);
        return out;
    }

    /// Batch norm; `relu_fused` adds normalization_flags::fuse_norm_relu (the ReLU's mask goes
    /// to a workspace in training, which the backward reads).
    int batch_norm(int in, const std::string& path, bool relu_fused = false,
                   const std::string& relu_path = "") {
        const memory::desc md = acts_[std::size_t(in)].md;
        const auto c = md.dims()[1];
        auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
        if (relu_fused)
            flags = flags | dnnl::normalization_flags::fuse_norm_relu;
        const dnnl::batch_normalization_forward::desc d(
            prop(), md, eps_,
            mode_ == mode::train ? flags : flags | dnnl::normalization_flags::use_global_stats);
        const dnnl::batch_normalization_forward::primitive_desc pd(d, eng_);
        const std::size_t layer = add_layer("bn" + std::to_string(c) + "@" + path +
                                            (relu_fused ? "+relu@" + relu_path : ""));
        const bn_params bn = add_bn_params(in, path, md);
        const std::size_t gp = bn.gamma, bp = bn.beta;
        running_stats& stats = *bn.stats;
        const memory::desc c_md({c}, dt::f32, tag::a);
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        const memory x = acts_[std::size_t(in)].mem, y = acts_[std::size_t(out)].mem;
        if (mode_ == mode::infer) {
            fwd_.push_back({layer,
                            dnnl::batch_normalization_forward(pd),
                            {{DNNL_ARG_SRC, x},
                             {DNNL_ARG_DST, y},
                             {DNNL_ARG_SCALE, params_[gp].value},
                             {DNNL_ARG_SHIFT, params_[bp].value},
                             {DNNL_ARG_MEAN, memory(c_md, eng_, stats.mean.data())},
                             {DNNL_ARG_VARIANCE, memory(c_md, eng_, stats.var.data())}},
                            {}});
            return out;
        }
        const memory mean(pd.mean_desc(), eng_), var(pd.variance_desc(), eng_);
        const memory ws = relu_fused ? memory(pd.workspace_desc(), eng_) : memory();
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x},
                                             {DNNL_ARG_DST, y},
                                             {DNNL_ARG_SCALE, params_[gp].value},
                                             {DNNL_ARG_SHIFT, params_[bp].value},
                                             {DNNL_ARG_MEAN, mean},
                                             {DNNL_ARG_VARIANCE, var}};
        if (relu_fused)
            args[DNNL_ARG_WORKSPACE] = ws;
        fwd_.push_back({layer, dnnl::batch_normalization_forward(pd), args, {}});
        // PyTorch's running statistics: momentum 0.1, the variance unbiased (oneDNN's is biased).
        running_stats* s = &stats;
        fwd_.push_back({layer, {}, {}, [s, mean, var] {
                            const float* bm = data_of(mean);
                            const float* bv = data_of(var);
                            const float unbias = float(s->count) / float(s->count - 1);
                            for (std::size_t i = 0; i < s->mean.size(); ++i) {
                                s->mean[i] = 0.9f * s->mean[i] + 0.1f * bm[i];
                                s->var[i] = 0.9f * s->var[i] + 0.1f * (bv[i] * unbias);
                            }
                        }});
        planners_.push_back([=, this] {
            const memory dy = gathered(out, layer);
            const dnnl::batch_normalization_backward::desc bd(dnnl::prop_kind::backward, md, md,
                                                              eps_, flags);
            const dnnl::batch_normalization_backward::primitive_desc bpd(bd, eng_, pd);
            const memory dx(bpd.diff_src_desc(), eng_);
            std::unordered_map<int, memory> bargs{
                {DNNL_ARG_SRC, x},
                {DNNL_ARG_MEAN, mean},
                {DNNL_ARG_VARIANCE, var},
                {DNNL_ARG_DIFF_DST, dy},
                {DNNL_ARG_SCALE, params_[gp].value},
                // oneDNN 2.6 refuses to run without the shift, which it does not read
                {DNNL_ARG_SHIFT, params_[bp].value},
                {DNNL_ARG_DIFF_SRC, dx},
                {DNNL_ARG_DIFF_SCALE, params_[gp].grad},
                {DNNL_ARG_DIFF_SHIFT, params_[bp].grad}};
            if (relu_fused)
                bargs[DNNL_ARG_WORKSPACE] = ws;
            bwd_.push_back({layer, dnnl::batch_normalization_backward(bpd), bargs, {}});
            acts_[std::size_t(in)].grads.push_back(dx);
        });
        return out;
    }

    int relu(int in, const std::string& path) {
        const memory::desc md = acts_[std::size_t(in)].md;
        const dnnl::eltwise_forward::desc d(prop(), dnnl::algorithm::eltwise_relu, md, 0, 0);
        const dnnl::eltwise_forward::primitive_desc pd(d, eng_);
        const std::size_t layer = add_layer("relu@" + path);
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        const memory x = acts_[std::size_t(in)].mem;
        fwd_.push_back({layer,
                        dnnl::eltwise_forward(pd),
                        {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, acts_[std::size_t(out)].mem}},
                        {}});
        planners_.push_back([=, this] {
            const memory dy = gathered(out, layer);
            const dnnl::eltwise_backward::desc bd(dnnl::algorithm::eltwise_relu, dy.get_desc(), md,
                                                  0, 0);
            const dnnl::eltwise_backward::primitive_desc bpd(bd, eng_, pd);
            const memory dx(bpd.diff_src_desc(), eng_);
            bwd_.push_back({layer,
                            dnnl::eltwise_backward(bpd),
                            {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}},
                            {}});
            acts_[std::size_t(in)].grads.push_back(dx);
        });
        return out;
    }

    /// Max pooling (alg pooling_max, window = stride = size) or the global average pool
    /// (size 0: the whole plane).
    int pool(int in, dims::value_type size, const std::string& path) {
        const memory::desc md = acts_[std::size_t(in)].md;
        const dims xd = md.dims();
        const bool global = size == 0;
        const dims kernel = global ? dims{xd[2], xd[3]} : dims{size, size};
        const dims strides = global ? dims{1, 1} : kernel, zero{0, 0};
        const auto alg =
            global ? dnnl::algorithm::pooling_avg_exclude_padding : dnnl::algorithm::pooling_max;
        const memory::desc dst_any({xd[0], xd[1], xd[2] / kernel[0], xd[3] / kernel[1]}, dt::f32,
                                   tag::any);
        const dnnl::pooling_forward::desc d(prop(), alg, md, dst_any, strides, kernel, zero, zero);
        const dnnl::pooling_forward::primitive_desc pd(d, eng_);
        const std::size_t layer =
            add_layer((global ? "avgpool" : "maxpool" + std::to_string(size)) + "@" + path);
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        const memory x = acts_[std::size_t(in)].mem;
        const bool has_ws = mode_ == mode::train && !global;
        const memory ws = has_ws ? memory(pd.workspace_desc(), eng_) : memory();
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x},
                                             {DNNL_ARG_DST, acts_[std::size_t(out)].mem}};
        if (has_ws)
            args[DNNL_ARG_WORKSPACE] = ws;
        fwd_.push_back({layer, dnnl::pooling_forward(pd), args, {}});
        planners_.push_back([=, this] {
            const memory dy = gathered(out, layer);
            const dnnl::pooling_backward::desc bd(alg, md, pd.dst_desc(), strides, kernel, zero,
                                                  zero);
            const dnnl::pooling_backward::primitive_desc bpd(bd, eng_, pd);
            const memory dx(bpd.diff_src_desc(), eng_);
            std::unordered_map<int, memory> bargs{{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}};
            if (has_ws)
                bargs[DNNL_ARG_WORKSPACE] = ws;
            bwd_.push_back({layer, dnnl::pooling_backward(bpd), bargs, {}});
            acts_[std::size_t(in)].grads.push_back(dx);
        });
        return out;
    }

    /// The residual sum a + b, in a's layout; `relu_post` appends a ReLU post-op, the backward
    /// of which reads the sum's (post-ReLU) output.
    int add(int a, int b, const std::string& path, bool relu_post = false,
            const std::string& relu_path = "") {
        const memory::desc md = acts_[std::size_t(a)].md;
        const dnnl::binary::desc d(dnnl::algorithm::binary_add, md, acts_[std::size_t(b)].md, md);
        dnnl::primitive_attr attr;
        if (relu_post) {
            dnnl::post_ops po;
            po.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0, 0);
            attr.set_post_ops(po);
        }
        const dnnl::binary::primitive_desc pd(d, attr, eng_);
        const std::size_t layer =
            add_layer("add@" + path + (relu_post ? "+relu@" + relu_path : ""));
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        fwd_.push_back({layer,
                        dnnl::binary(pd),
                        {{DNNL_ARG_SRC_0, acts_[std::size_t(a)].mem},
                         {DNNL_ARG_SRC_1, acts_[std::size_t(b)].mem},
                         {DNNL_ARG_DST, acts_[std::size_t(out)].mem}},
                        {}});
        planners_.push_back([=, this] {
            const memory dy = relu_post ? relu_backward_from_dst(acts_[std::size_t(out)].mem,
                                                                 gathered(out, layer), layer)
                                        : gathered(out, layer);
            acts_[std::size_t(a)].grads.push_back(dy);
            acts_[std::size_t(b)].grads.push_back(dy);
        });
        return out;
    }

    int linear(int in, dims::value_type outputs, const std::string& path) {
        const memory::desc src = acts_[std::size_t(in)].md;
        const dims xd = src.dims();
        const dims wdims{outputs, xd[1], xd[2], xd[3]};
        const memory::desc b_md({outputs}, dt::f32, tag::a);
        const memory::desc dst({xd[0], outputs}, dt::f32, tag::nc);
        const dnnl::inner_product_forward::desc d(
            prop(), src, memory::desc(wdims, dt::f32, tag::any), b_md, dst);
        const dnnl::inner_product_forward::primitive_desc pd(d, eng_);
        if (!(pd.dst_desc() == dst))
            throw std::runtime_error("the logits are not nc");
        const std::size_t layer = add_layer("linear" + std::to_string(xd[1]) + "to" +
                                            std::to_string(outputs) + "@" + path);
        const float bound = 1.0f / std::sqrt(float(xd[1] * xd[2] * xd[3]));
        const std::size_t wp = add_parameter(path + ".weight", {outputs, xd[1] * xd[2] * xd[3]},
                                             memory::desc(wdims, dt::f32, tag::oihw),
                                             pd.weights_desc(), -bound, bound);
        const std::size_t bp =
            add_parameter(path + ".bias", {outputs}, b_md, pd.bias_desc(), -bound, bound);
        const int out = add_activation(pd.dst_desc(), memory(pd.dst_desc(), eng_));
        const memory x = acts_[std::size_t(in)].mem;
        fwd_.push_back({layer,
                        dnnl::inner_product_forward(pd),
                        {{DNNL_ARG_SRC, x},
                         {DNNL_ARG_WEIGHTS, params_[wp].value},
                         {DNNL_ARG_BIAS, params_[bp].value},
                         {DNNL_ARG_DST, acts_[std::size_t(out)].mem}},
                        {}});
        formats_.push_back("layer=" + path + " src=" + format_of(pd.src_desc()) + " weights=" +
                           format_of(pd.weights_desc()) + " dst=" + format_of(pd.dst_desc()));
        planners_.push_back([=, this] {
            const memory dy = gathered(out, layer);
            const dnnl::inner_product_backward_data::desc dd(pd.src_desc(), pd.weights_desc(),
                                                             pd.dst_desc());
            const dnnl::inner_product_backward_data::primitive_desc dpd(dd, eng_, pd);
            const memory dx(dpd.diff_src_desc(), eng_);
            bwd_.push_back({layer,
                            dnnl::inner_product_backward_data(dpd),
                            {{DNNL_ARG_DIFF_DST, dy},
                             {DNNL_ARG_WEIGHTS, params_[wp].value},
                             {DNNL_ARG_DIFF_SRC, dx}},
                            {}});
            const dnnl::inner_product_backward_weights::desc wd(pd.src_desc(), pd.weights_desc(),
                                                                pd.bias_desc(), pd.dst_desc());
            const dnnl::inner_product_backward_weights::primitive_desc wpd(wd, eng_, pd);
            bwd_.push_back({layer,
                            dnnl::inner_product_backward_weights(wpd),
                            {{DNNL_ARG_SRC, x},
                             {DNNL_ARG_DIFF_DST, dy},
                             {DNNL_ARG_DIFF_WEIGHTS, params_[wp].grad},
                             {DNNL_ARG_DIFF_BIAS, params_[bp].grad}},
                            {}});
            acts_[std::size_t(in)].grads.push_back(dx);
        });
        return out;
    }

    /// Ends the network at `logits` (batch x classes, nc): allocates the flat parameter and
    /// gradient buffers, initialises the parameters as PyTorch's defaults do (uniform
    /// +-1/sqrt(fan_in) for convolutions and the dense layer, batch norm 1 and 0), and in
    /// training mode adds the loss and plans the backward program.
    void finish(int logits, std::uint64_t seed) {
        logits_ = logits;
        std::size_t total = 0;
        for (auto& p : params_) {
            p.offset = total;
            total += (p.md.get_size() / sizeof(float) + 15) / 16 * 16;
        }
        size_ = total;
        values_ = zeroed_floats(total);
        grads_ = zeroed_floats(total);
        m_ = zeroed_floats(total);
        v_ = zeroed_floats(total);
        for (auto& p : params_) {
            p.value.set_data_handle(values_.get() + p.offset);
            p.grad.set_data_handle(grads_.get() + p.offset);
        }
        std::mt19937_64 rng(seed);
        std::vector<std::vector<float>> plain;
        for (const auto& p : params_) {
            std::uniform_real_distribution<float> u(p.init_low, p.init_high);
            auto& v = plain.emplace_back(p.plain.get_size() / sizeof(float));
            for (auto& x : v)
                x = p.init_low == p.init_high ? p.init_low : u(rng);
        }
        load(plain);
        if (mode_ == mode::infer)
            return;
        const std::size_t loss_layer = add_layer("softmax_ce");
        const memory::desc lmd = acts_[std::size_t(logits)].md;
        const memory dlogits(lmd, eng_);
        const std::size_t classes = std::size_t(lmd.dims()[1]);
        const memory lmem = acts_[std::size_t(logits)].mem;
        fwd_.push_back({loss_layer, {}, {}, [this, lmem, dlogits, classes] {
                            const float* z = data_of(lmem);
                            float* dz = data_of(dlogits);
                            double sum = 0;
                            const float inv_n = 1.0f / float(batch_);
                            for (std::size_t i = 0; i < batch_; ++i) {
                                const float* zi = z + i * classes;
                                float* di = dz + i * classes;
                                const float mx = *std::max_element(zi, zi + classes);
                                float denom = 0;
                                for (std::size_t k = 0; k < classes; ++k)
                                    denom += (di[k] = std::exp(zi[k] - mx));
                                const std::size_t label = std::size_t(labels_[i]);
                                sum += double(std::log(denom) - (zi[label] - mx));
                                for (std::size_t k = 0; k < classes; ++k)
                                    di[k] = (di[k] / denom - (k == label ? 1.0f : 0.0f)) * inv_n;
                            }
                            loss_ = float(sum / double(batch_));
                        }});
        acts_[std::size_t(logits)].grads.push_back(dlogits);
        for (auto it = planners_.rbegin(); it != planners_.rend(); ++it)
            (*it)();
        adam_layer_ = add_layer("adam");
    }

    /// Parameters from PyTorch's layout (one vector per tensor, named_parameters() order).
    void load(const std::vector<std::vector<float>>& plain) {
        for (std::size_t i = 0; i < params_.size(); ++i) {
            memory src(params_[i].plain, eng_, const_cast<float*>(plain[i].data()));
            dnnl::reorder(src, params_[i].value).execute(strm_, src, params_[i].value);
        }
        strm_.wait();
        fold();
    }

    /// Fused inference: the folded batch norms' convolution weights and biases from the
    /// parameters and the running statistics, in double: w * s and (b - mean) * s + beta with
    /// s = gamma / sqrt(var + eps) per output channel. load() runs it; run it again after
    /// changing the running statistics. A deployment's one-off preparation, not part of a step.
    void fold() {
        for (auto& f : folds_) {
            std::vector<float> w = value(f.weight), b = value(f.bias);
            const std::vector<float> g = value(f.gamma), beta = value(f.beta);
            const std::size_t per_channel = w.size() / b.size(); // oihw: o outermost
            for (std::size_t o = 0; o < b.size(); ++o) {
                const double s = double(g[o]) / std::sqrt(double(f.stats->var[o]) + double(eps_));
                for (std::size_t i = 0; i < per_channel; ++i)
                    w[o * per_channel + i] = float(double(w[o * per_channel + i]) * s);
                b[o] = float((double(b[o]) - double(f.stats->mean[o])) * s + double(beta[o]));
            }
            memory ws(params_[f.weight].plain, eng_, w.data());
            dnnl::reorder(ws, f.folded_weight).execute(strm_, ws, f.folded_weight);
            memory bs(params_[f.bias].plain, eng_, b.data());
            dnnl::reorder(bs, f.folded_bias).execute(strm_, bs, f.folded_bias);
            strm_.wait();
        }
    }

    /// Parameter i in PyTorch's layout.
    std::vector<float> value(std::size_t i) {
        std::vector<float> out(params_[i].plain.get_size() / sizeof(float));
        memory dst(params_[i].plain, eng_, out.data());
        dnnl::reorder(params_[i].value, dst).execute(strm_, params_[i].value, dst);
        strm_.wait();
        return out;
    }

    /// Gradient i in PyTorch's layout.
    std::vector<float> gradient(std::size_t i) {
        std::vector<float> out(params_[i].plain.get_size() / sizeof(float));
        memory dst(params_[i].plain, eng_, out.data());
        dnnl::reorder(params_[i].grad, dst).execute(strm_, params_[i].grad, dst);
        strm_.wait();
        return out;
    }

    /// Forward (and in training mode loss and backward) on `images` (batch x 1 x 28 x 28, nchw)
    /// with `labels`; `profile` times every step into the layers' totals.
    void forward_backward(float* images, const int* labels, bool profile) {
        acts_[std::size_t(input_)].mem.set_data_handle(images);
        labels_ = labels;
        run(fwd_, profile, false);
        if (mode_ == mode::train)
            run(bwd_, profile, true);
    }

    /// PyTorch's Adam (lr 1e-3, betas 0.9 and 0.999, eps 1e-8, bias corrections in double) over
    /// the flat buffers.
    void adam_step(bool profile) {
        const auto t0 = tn::bench::clock_type::now();
        ++t_;
        const double bc1 = 1 - std::pow(0.9, double(t_)), bc2 = 1 - std::pow(0.999, double(t_));
        const float step_size = float(1e-3 / bc1), bc2_sqrt = float(std::sqrt(bc2));
        const float b1 = 0.9f, b2 = 0.999f, a1 = float(1 - 0.9), a2 = float(1 - 0.999), eps = 1e-8f;
        float* __restrict p = values_.get();
        const float* __restrict g = grads_.get();
        float* __restrict m = m_.get();
        float* __restrict v = v_.get();
        for (std::size_t i = 0; i < size_; ++i) {
            const float mi = b1 * m[i] + a1 * g[i];
            const float vi = b2 * v[i] + a2 * g[i] * g[i];
            m[i] = mi;
            v[i] = vi;
            p[i] -= step_size * (mi / (std::sqrt(vi) / bc2_sqrt + eps));
        }
        if (profile)
            layers_[adam_layer_].bwd_s += tn::bench::seconds_since(t0);
    }

    void clear_profile() {
        for (auto& l : layers_)
            l.fwd_s = l.bwd_s = 0;
    }

    std::string impl_of(std::size_t layer) const {
        const auto it = impls_.find(layer);
        return it == impls_.end() ? "" : it->second;
    }
    const std::vector<std::size_t>& conv_layers() const { return conv_layers_; }

private:
    dnnl::prop_kind prop() const {
        return mode_ == mode::train ? dnnl::prop_kind::forward_training
                                    : dnnl::prop_kind::forward_inference;
    }

    std::size_t add_layer(std::string name) {
        layers_.push_back({std::move(name)});
        return layers_.size() - 1;
    }

    int add_activation(const memory::desc& md, memory mem) {
        acts_.push_back({md, std::move(mem), true, {}});
        return int(acts_.size()) - 1;
    }

    std::size_t add_parameter(std::string name, dims torch_dims, const memory::desc& plain,
                              const memory::desc& md, float low, float high) {
        parameter p;
        p.name = std::move(name);
        p.torch_dims = std::move(torch_dims);
        p.plain = plain;
        p.md = md;
        p.init_low = low;
        p.init_high = high;
        p.value = memory(md, eng_, DNNL_MEMORY_NONE);
        p.grad = memory(md, eng_, DNNL_MEMORY_NONE);
        params_.push_back(std::move(p));
        return params_.size() - 1;
    }

    struct bn_params {
        std::size_t gamma, beta;
        running_stats* stats;
    };

    /// A batch norm's parameters (PyTorch's weight and bias) and running statistics, for the
    /// activation `in` (layout `md`) it normalises.
    bn_params add_bn_params(int in, const std::string& path, const memory::desc& md) {
        const dims xd = md.dims();
        const auto c = xd[1];
        const memory::desc c_md({c}, dt::f32, tag::a);
        const std::size_t gp = add_parameter(path + ".weight", {c}, c_md, c_md, 1, 1);
        const std::size_t bp = add_parameter(path + ".bias", {c}, c_md, c_md, 0, 0);
        if (mode_ == mode::train && acts_[std::size_t(in)].conv_bias != std::size_t(-1))
            params_[acts_[std::size_t(in)].conv_bias].zero_gradient_scale =
                acts_[std::size_t(in)].conv_weight;
        auto& stats = *running_.emplace_back(std::make_unique<running_stats>());
        stats.mean.assign(std::size_t(c), 0.0f);
        stats.var.assign(std::size_t(c), 1.0f);
        stats.count = std::size_t(xd[0] * xd[2] * xd[3]);
        stats.path = path;
        return {gp, bp, &stats};
    }

    /// The ReLU's backward from its output `dst` (eltwise_relu_use_dst_for_bwd): for a ReLU
    /// fused into the primitive that wrote `dst`, whose input is not kept.
    memory relu_backward_from_dst(const memory& dst, const memory& dy, std::size_t layer) {
        const memory::desc md = dst.get_desc();
        const auto alg = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
        const dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, md, 0, 0);
        const dnnl::eltwise_forward::primitive_desc hint(fd, eng_);
        const dnnl::eltwise_backward::desc bd(alg, dy.get_desc(), md, 0, 0);
        const dnnl::eltwise_backward::primitive_desc bpd(bd, eng_, hint);
        const memory dx(bpd.diff_src_desc(), eng_);
        bwd_.push_back({layer,
                        dnnl::eltwise_backward(bpd),
                        {{DNNL_ARG_DST, dst}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}},
                        {}});
        return dx;
    }

    /// `src` in layout `md`: itself, or a new memory and a reorder step into it.
    memory converted(const memory& src, const memory::desc& md, std::size_t layer,
                     std::vector<step>& program) {
        if (src.get_desc() == md)
            return src;
        const memory dst(md, eng_);
        program.push_back(
            {layer, dnnl::reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}, {}});
        ++reorders_;
        return dst;
    }

    /// dL/d(activation id) in its layout: the consumers' gradients, converted and summed.
    memory gathered(int id, std::size_t layer) {
        auto& a = acts_[std::size_t(id)];
        if (a.grads.empty())
            throw std::logic_error("an activation without a gradient");
        memory acc = converted(a.grads[0], a.md, layer, bwd_);
        for (std::size_t k = 1; k < a.grads.size(); ++k) {
            const memory g = converted(a.grads[k], a.md, layer, bwd_);
            const dnnl::binary::desc d(dnnl::algorithm::binary_add, a.md, a.md, a.md);
            const dnnl::binary::primitive_desc pd(d, eng_);
            const memory sum(a.md, eng_);
            bwd_.push_back({layer,
                            dnnl::binary(pd),
                            {{DNNL_ARG_SRC_0, acc}, {DNNL_ARG_SRC_1, g}, {DNNL_ARG_DST, sum}},
                            {}});
            acc = sum;
        }
        return acc;
    }

    void run(std::vector<step>& program, bool profile, bool backward) {
        for (auto& s : program) {
            const auto t0 = tn::bench::clock_type::now();
            if (s.fn)
                s.fn();
            else
                try {
                    s.prim.execute(strm_, s.args);
                } catch (const dnnl::error& e) {
                    throw std::runtime_error(std::string(e.what()) + " (" +
                                             (backward ? "backward" : "forward") + " of " +
                                             layers_[s.layer].name + ")");
                }
            if (profile) {
                strm_.wait();
                (backward ? layers_[s.layer].bwd_s : layers_[s.layer].fwd_s) +=
                    tn::bench::seconds_since(t0);
            }
        }
        strm_.wait();
    }

    dnnl::engine eng_;
    dnnl::stream strm_;
    std::size_t batch_;
    mode mode_;
    bool fused_;
    const float eps_ = 1e-5f;
    std::vector<activation> acts_;
    std::vector<parameter> params_;
    std::vector<layer_info> layers_;
    std::vector<step> fwd_, bwd_;
    std::vector<std::function<void()>> planners_;
    std::vector<std::unique_ptr<running_stats>> running_;
    /// A batch norm folded into the convolution before it (fused inference): the convolution
    /// runs with weights and bias, in its layouts, that fold() computes from the parameters and
    /// the running statistics.
    struct folded_bn {
        std::size_t weight, bias, gamma, beta;
        running_stats* stats;
        memory folded_weight, folded_bias;
    };
    std::vector<folded_bn> folds_;
    std::vector<std::string> formats_;
    std::unordered_map<std::size_t, std::string> impls_;
    std::vector<std::size_t> conv_layers_;
    std::size_t reorders_ = 0;
    int input_ = -1, logits_ = -1;
    const int* labels_ = nullptr;
    float loss_ = 0;
    std::size_t size_ = 0, adam_layer_ = 0;
    long t_ = 0;
    float_buffer values_, grads_, m_, v_;

public:
    std::size_t reorders() const { return reorders_; }
    std::size_t stored() const { return size_; }
};

/// dsl/resnet.hpp's resnet_fmnist, named as PyTorch names its modules.
void build_resnet_fmnist(network& n) {
    int x = n.input();
    x = n.conv_bn(x, 24, 3, 1, 1, "0", "1", "2");
    x = n.pool(x, 2, "3");
    const auto block = [&](int in, dims::value_type f, dims::value_type stride, int pos) {
        const std::string p = std::to_string(pos);
        int y = n.conv_bn(in, f, 3, stride, 1, p + ".block.0", p + ".block.1", p + ".block.2");
        y = n.conv_bn(y, f, 3, 1, 1, p + ".block.3", p + ".block.4", "");
        int shortcut = in;
        if (stride != 1)
            shortcut = n.conv_bn(in, f, 1, stride, 1, p + ".shortcut.0", p + ".shortcut.1", "");
        return n.add_relu(y, shortcut, p, std::to_string(pos + 1));
    };
    x = block(x, 24, 1, 4);
    x = block(x, 24, 1, 6);
    x = block(x, 48, 2, 8);
    x = block(x, 48, 1, 10);
    x = n.pool(x, 0, "12");
    n.finish(n.linear(x, 10, "14"), 1);
}

/// dsl/separable.hpp's separable, named as PyTorch names its modules.
void build_separable(network& n) {
    int x = n.input();
    x = n.conv_relu(x, 16, 3, 1, 1, "0", "1");
    int pos = 2;
    for (const auto [c, f, s] :
         {std::array<dims::value_type, 3>{16, 32, 2}, {32, 32, 1}, {32, 64, 2}, {64, 64, 1}}) {
        x = n.conv_relu(x, c, 3, s, c, std::to_string(pos), std::to_string(pos + 1));
        x = n.conv_relu(x, f, 1, 1, 1, std::to_string(pos + 2), std::to_string(pos + 3));
        pos += 4;
    }
    x = n.pool(x, 0, std::to_string(pos));
    n.finish(n.linear(x, 10, std::to_string(pos + 2)), 1);
}

std::unique_ptr<network> make_network(const std::string& name, const dnnl::engine& eng,
                                      std::size_t batch, mode m, bool fused) {
    auto n = std::make_unique<network>(eng, batch, m, fused);
    if (name == "resnet_fmnist")
        build_resnet_fmnist(*n);
    else if (name == "separable")
        build_separable(*n);
    else
        throw std::runtime_error("unknown net " + name);
    return n;
}

// --- the check against bench/onednn_reference.py ---

struct record {
    std::string name;
    std::uint32_t dtype = 0;
    std::vector<std::int64_t> dims;
    std::vector<char> data;
    std::size_t count() const {
        std::size_t c = 1;
        for (auto d : dims)
            c *= std::size_t(d);
        return c;
    }
    template<class T>
    std::vector<T> as() const {
        std::vector<T> out(count());
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (dtype == 0) {
                float f;
                std::memcpy(&f, data.data() + 4 * i, 4);
                out[i] = T(f);
            } else if (dtype == 1) {
                double d;
                std::memcpy(&d, data.data() + 8 * i, 8);
                out[i] = T(d);
            } else {
                std::int64_t k;
                std::memcpy(&k, data.data() + 8 * i, 8);
                out[i] = T(k);
            }
        }
        return out;
    }
};

std::vector<record> read_records(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    const auto u32 = [&] {
        std::uint32_t v = 0;
        in.read(reinterpret_cast<char*>(&v), 4);
        return v;
    };
    std::vector<record> out(u32());
    for (auto& r : out) {
        r.name.resize(u32());
        in.read(r.name.data(), std::streamsize(r.name.size()));
        r.dtype = u32();
        r.dims.resize(u32());
        in.read(reinterpret_cast<char*>(r.dims.data()), std::streamsize(8 * r.dims.size()));
        r.data.resize(r.count() * (r.dtype == 0 ? 4 : 8));
        in.read(r.data.data(), std::streamsize(r.data.size()));
    }
    if (!in)
        throw std::runtime_error(path + " is truncated");
    return out;
}

const record& find_record(const std::vector<record>& rs, const std::string& name) {
    for (const auto& r : rs)
        if (r.name == name)
            return r;
    throw std::runtime_error("no record " + name + " in the reference file");
}

double max_abs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v)
        m = std::max(m, std::abs(x));
    return m;
}

/// max |got - ref| / (max |scale_of| + 1e-6); scale_of is ref itself except for the gradients
/// that are zero in exact arithmetic (parameter::zero_gradient_scale).
double max_rel_error(const std::vector<float>& got, const std::vector<double>& ref,
                     const std::vector<double>& scale_of) {
    double diff = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
        diff = std::max(diff, std::abs(double(got[i]) - ref[i]));
    return diff / (max_abs(scale_of) + 1e-6);
}

int check(const options& opt, const dnnl::engine& eng) {
    constexpr double tolerance = 1e-4;
    const auto rs = read_records(opt.check_file);
    const std::string& net = opt.check_net;
    const auto& input = find_record(rs, "input");
    const std::size_t batch = std::size_t(input.dims.at(0));
    omp_set_num_threads(1);
    auto train = make_network(net, eng, batch, mode::train, opt.fused);
    auto infer = make_network(net, eng, batch, mode::infer, opt.fused);
    const char* variant = opt.fused ? "fused" : "plain";
    const auto& params = train->parameters();
    std::vector<std::vector<float>> plain;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const record& r = rs.at(i);
        if (r.name != params[i].name || r.dims != params[i].torch_dims)
            throw std::runtime_error("parameter " + std::to_string(i) + ": the file has " + r.name +
                                     ", the network " + params[i].name);
        plain.push_back(r.as<float>());
    }
    if (rs.at(params.size()).name != "input")
        throw std::runtime_error("the file has more parameters than the network");
    train->load(plain);
    infer->load(plain);
    std::vector<float> images = input.as<float>();
    const std::vector<int> labels = find_record(rs, "labels").as<int>();
    train->forward_backward(images.data(), labels.data(), false);

    std::vector<std::string> failed;
    const auto report = [&](const std::string& tensor, double err, const std::string& note) {
        std::printf("check net=%s variant=%s tensor=%s max_rel_error=%.3e%s\n", net.c_str(),
                    variant, tensor.c_str(), err, note.c_str());
        if (!(err <= tolerance))
            failed.push_back(tensor);
    };
    const auto loss_ref = find_record(rs, "loss").as<double>();
    report("loss", max_rel_error({train->loss()}, loss_ref, loss_ref), "");
    for (std::size_t i = 0; i < params.size(); ++i) {
        const auto ref = find_record(rs, "grad." + params[i].name).as<double>();
        const std::size_t w = params[i].zero_gradient_scale;
        if (w == std::size_t(-1)) {
            report("grad." + params[i].name, max_rel_error(train->gradient(i), ref, ref), "");
        } else {
            char note[160];
            std::snprintf(note, sizeof note, " exact=0 ref_max=%.1e relative_to=grad.%s",
                          max_abs(ref), params[w].name.c_str());
            report("grad." + params[i].name,
                   max_rel_error(train->gradient(i), ref,
                                 find_record(rs, "grad." + params[w].name).as<double>()),
                   note);
        }
    }
    // The running statistics after the update, as the batch statistics they took in: (new - 0.9
    // old) / 0.1, so that a biased variance (off by 1/count) shows at the tolerance.
    for (const auto& st : train->running()) {
        for (const bool is_var : {false, true}) {
            const std::string name = st->path + (is_var ? ".running_var" : ".running_mean");
            const auto ref = find_record(rs, "buffer." + name).as<double>();
            const double old = is_var ? 1.0 : 0.0;
            std::vector<double> ref_batch(ref.size());
            std::vector<float> got_batch(ref.size());
            for (std::size_t c = 0; c < ref.size(); ++c) {
                ref_batch[c] = (ref[c] - 0.9 * old) / 0.1;
                got_batch[c] = float((double(is_var ? st->var[c] : st->mean[c]) - 0.9 * old) / 0.1);
            }
            report("batch_stat." + name, max_rel_error(got_batch, ref_batch, ref_batch), "");
        }
    }
    // Eval mode with the running statistics the training forward just updated.
    for (std::size_t i = 0; i < train->running().size(); ++i)
        *infer->running()[i] = *train->running()[i];
    infer->fold();
    infer->forward_backward(images.data(), labels.data(), false);
    const auto& ref_logits = find_record(rs, "eval_logits");
    const auto logits_ref = ref_logits.as<double>();
    report("eval_logits",
           max_rel_error(std::vector<float>(infer->logits(), infer->logits() + ref_logits.count()),
                         logits_ref, logits_ref),
           "");
    if (!failed.empty()) {
        std::string names;
        for (const auto& f : failed)
            names += (names.empty() ? "" : ",") + f;
        std::printf("check net=%s variant=%s FAILED tolerance=%.0e tensors=%s\n", net.c_str(),
                    variant, tolerance, names.c_str());
        return 1;
    }
    std::printf("check net=%s variant=%s ok\n", net.c_str(), variant);
    return 0;
}

// --- timing ---

struct image_pool {
    static constexpr std::size_t count = tn::bench::sample_pool<float, tn::shape<1, 28, 28>>::count;
    std::vector<float> images;
    std::vector<int> labels;
    image_pool() {
        // nets_bench's pool (same seed), stored contiguously so that a batch is a pointer into it.
        const tn::bench::sample_pool<float, tn::shape<1, 28, 28>> pool(42);
        for (std::size_t i = 0; i < count; ++i) {
            for (float v : pool.images[i])
                images.push_back(v);
            labels.push_back(int(pool.labels[i]));
        }
    }
};

void report(const char* variant, const std::string& net, const char* kind, std::size_t batch,
            int threads, const std::vector<double>& per_call, double cpu_per_wall) {
    std::printf("result framework=onednn variant=%s net=%s kind=%s batch=%zu threads=%d "
                "images_per_s=%.3f best_images_per_s=%.3f cpu_per_wall=%.3f\n",
                variant, net.c_str(), kind, batch, threads,
                double(batch) / tn::bench::median(per_call),
                double(batch) / *std::min_element(per_call.begin(), per_call.end()), cpu_per_wall);
    std::fflush(stdout);
}

void bench_net(const std::string& name, const options& opt, const dnnl::engine& eng,
               image_pool& pool) {
    const std::size_t image = 28 * 28;
    const char* v = opt.fused ? "fused" : "plain";
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        for (std::size_t batch : {8, 16, 32, 128}) {
            auto n = make_network(name, eng, batch, mode::train, opt.fused);
            std::size_t first = 0;
            double cpu = 0;
            const auto per_call = tn::bench::time_calls(
                opt,
                [&] {
                    n->forward_backward(pool.images.data() + first * image,
                                        pool.labels.data() + first, false);
                    n->adam_step(false);
                    first = (first + batch) % image_pool::count;
                },
                cpu);
            if (!std::isfinite(n->loss()))
                std::printf("warning: training loss is not finite (%g)\n", double(n->loss()));
            report(v, name, "train", batch, threads, per_call, cpu);
        }
    }
    omp_set_num_threads(1);
    for (std::size_t batch : {1, 128}) {
        auto n = make_network(name, eng, batch, mode::infer, opt.fused);
        std::size_t first = 0, checksum = 0;
        double cpu = 0;
        const auto per_call = tn::bench::time_calls(
            opt,
            [&] {
                n->forward_backward(pool.images.data() + first * image, pool.labels.data() + first,
                                    false);
                for (std::size_t i = 0; i < batch; ++i)
                    checksum += std::size_t(
                        std::max_element(n->logits() + 10 * i, n->logits() + 10 * i + 10) -
                        (n->logits() + 10 * i));
                first = (first + batch) % image_pool::count;
            },
            cpu);
        report(v, name, "infer", batch, 1, per_call, cpu);
        std::printf("info net=%s variant=%s kind=infer batch=%zu reorders_per_step=%zu\n",
                    name.c_str(), v, batch, n->reorders());
        for (const auto& f : n->formats())
            std::printf("format net=%s variant=%s kind=infer batch=%zu %s\n", name.c_str(), v,
                        batch, f.c_str());
        if (checksum == std::size_t(-1))
            std::printf("\n"); // keeps the predictions observable
    }

    // Per-layer profile: training, batch 128, one thread.
    const std::size_t batch = 128;
    auto n = make_network(name, eng, batch, mode::train, opt.fused);
    const int warm = opt.quick ? 1 : 3, steps = opt.quick ? 2 : 20;
    std::size_t first = 0;
    for (int s = 0; s < warm + steps; ++s) {
        if (s == warm)
            n->clear_profile();
        n->forward_backward(pool.images.data() + first * image, pool.labels.data() + first, true);
        n->adam_step(true);
        first = (first + batch) % image_pool::count;
    }
    double fwd = 0, bwd = 0;
    for (std::size_t i = 0; i < n->layers().size(); ++i) {
        const auto& l = n->layers()[i];
        std::printf("layer framework=onednn variant=%s net=%s batch=%zu threads=1 index=%zu "
                    "name=%s fwd_us=%.1f bwd_us=%.1f\n",
                    v, name.c_str(), batch, i, l.name.c_str(), 1e6 * l.fwd_s / steps,
                    1e6 * l.bwd_s / steps);
        fwd += l.fwd_s, bwd += l.bwd_s;
    }
    std::printf("layer framework=onednn variant=%s net=%s batch=%zu threads=1 index=total "
                "name=total fwd_us=%.1f bwd_us=%.1f\n",
                v, name.c_str(), batch, 1e6 * fwd / steps, 1e6 * bwd / steps);
    for (const auto& f : n->formats())
        std::printf("format net=%s variant=%s kind=train batch=%zu %s\n", name.c_str(), v, batch,
                    f.c_str());
    for (std::size_t layer : n->conv_layers())
        std::printf("impl net=%s variant=%s layer=%s fwd=%s\n", name.c_str(), v,
                    n->layers()[layer].name.c_str(), n->impl_of(layer).c_str());
    std::size_t parameters = 0;
    for (const auto& p : n->parameters())
        parameters += p.plain.get_size() / sizeof(float);
    std::printf("info net=%s variant=%s kind=train batch=%zu reorders_per_step=%zu "
                "parameters=%zu flat_buffer_floats=%zu\n",
                name.c_str(), v, batch, n->reorders(), parameters, n->stored());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--quick") {
            opt.quick = true;
        } else if (a == "--min-time" && has_value) {
            opt.min_time = std::strtod(argv[++i], nullptr);
        } else if (a == "--reps" && has_value) {
            opt.reps = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--nets" && has_value) {
            opt.nets = argv[++i];
        } else if (a == "--check" && has_value) {
            opt.check_file = argv[++i];
        } else if (a == "--fused") {
            opt.fused = true;
        } else if (a == "--net" && has_value) {
            opt.check_net = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: %s [--fused] [--quick] [--min-time S] [--reps N] [--nets LIST]\n"
                         "       %s --check FILE --net NAME [--fused]\n",
                         argv[0], argv[0]);
            return 2;
        }
    }
    if (opt.quick)
        opt.min_time = 0.002, opt.reps = 1;
    try {
        const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
        if (!opt.check_file.empty())
            return check(opt, eng);
        const dnnl_version_t* v = dnnl_version();
        std::printf("info onednn=%d.%d.%d variant=%s cpu_runtime=%s omp_max_threads=%d\n", v->major,
                    v->minor, v->patch, opt.fused ? "fused" : "plain",
                    v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : "other", omp_get_max_threads());
        image_pool pool;
        std::string rest = opt.nets;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            const std::string name = rest.substr(0, comma);
            rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
            if (!name.empty())
                bench_net(name, opt, eng, pool);
        }
    } catch (const dnnl::error& e) {
        std::fprintf(stderr, "oneDNN error: %s (status %d)\n", e.what(), int(e.status));
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
