#pragma once
// data_parallel<Net, In, T>: mini-batch passes on several threads with one shared, read-only
// parameter block and one workspace (activations + gradient buffer) per thread.
//
// Determinism: sample k of a batch of B goes to thread t = the contiguous block
// [t·B/m, (t+1)·B/m), where m = min(n, B) threads take part (a batch of one runs on the calling
// thread alone, without waking the others); each thread adds its samples' gradients in order, then
// the per-thread buffers are summed in thread order (each thread reduces one slice of the
// parameters). The result is therefore bit-identical for a fixed thread count and differs between
// thread counts only by float summation order.
//
// Chunks: a thread's samples go through the network Chunk at a time (chunk_workspace: the dense
// layers then read their weights once per chunk); the last samples of its block, fewer than
// Chunk, go one by one.
//
// Threads: a thread_pool (model/thread_pool.hpp) runs each phase of a pass on every thread.
//
// Allocation: workspaces and threads are created by the constructor; a batch pass allocates
// nothing (the job is passed as a function pointer and a context pointer, not a std::function).

#include "typenet/model/chunk_workspace.hpp"
#include "typenet/model/thread_pool.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet {

template<class Net, class In, class T = float, std::size_t Chunk = 8>
class data_parallel {
public:
    using workspace_type = workspace<Net, In, T>;
    using chunk_workspace_type = chunk_workspace<Net, In, T, Chunk>;
    static constexpr std::size_t parameter_count = workspace_type::parameter_count;
    using params_span = std::span<const T, parameter_count>;

    /// `threads` workers (at least 1); the calling thread is worker 0. When the system refuses a
    /// worker thread (a thread or memory limit), the workers already started are stopped and
    /// joined, and std::system_error says which thread of how many could not start
    /// (model/thread_pool.hpp).
    explicit data_parallel(std::size_t threads)
        : n_(std::max<std::size_t>(threads, 1))
        , workspaces_(std::make_unique<workspace_type[]>(n_))
        , chunks_(std::make_unique<chunk_workspace_type[]>(n_))
        , partial_loss_(n_)
        , pool_(n_, "typenet::data_parallel") {}
    data_parallel(const data_parallel&) = delete;
    data_parallel& operator=(const data_parallel&) = delete;

    std::size_t threads() const { return n_; }
    workspace_type& worker(std::size_t t) { return workspaces_[t]; }

    /// Sums the loss and the gradient of the batch's samples: sample(k) for k < batch returns
    /// {tensor_view<const T, In>, label}. The summed gradient is written to `grad` (not added),
    /// which must hold parameter_count values. The passes skip dL/dx (skip_input_gradient), so
    /// the workers' input_gradient() is unspecified afterwards, and so is their gradients().
    template<class SampleFn>
    T accumulate(params_span params, std::size_t batch, SampleFn&& sample, std::span<T> grad) {
        if (grad.size() != parameter_count)
            throw std::invalid_argument("typenet::data_parallel::accumulate: the gradient buffer "
                                        "holds " +
                                        std::to_string(grad.size()) +
                                        " values, the "
                                        "network has " +
                                        std::to_string(parameter_count) + " parameters");
        struct context {
            data_parallel* self;
            params_span params;
            std::size_t batch;
            std::remove_reference_t<SampleFn>* sample;
            std::span<T> grad;
            std::size_t active; // threads with samples
        } ctx{this, params, batch, &sample, grad, std::clamp<std::size_t>(batch, 1, n_)};
        // Phase 1: every thread runs its block of samples. Thread 0 adds straight into `grad`
        // (measured at batch 1: copying the block out of a buffer afterwards took twice as long
        // as the sample's forward and backward), the others into their own buffers.
        pool_.run(
            [](void* p, std::size_t t) {
                auto& c = *static_cast<context*>(p);
                if (t >= c.active)
                    return;
                auto& ws = c.self->workspaces_[t];
                const std::span<T, parameter_count> sink =
                    t == 0 ? c.grad.template first<parameter_count>() : ws.gradients();
                std::fill(sink.begin(), sink.end(), T{});
                T loss{};
                const auto [begin, end] = block(c.batch, t, c.active);
                std::size_t k = begin;
                for (; k + Chunk <= end; k += Chunk)
                    loss += c.self->chunks_[t].forward_backward(c.params, *c.sample, k, sink);
                for (; k < end; ++k) {
                    const auto [x, label] = (*c.sample)(k);
                    loss += ws.forward_backward(c.params, x, label, sink, skip_input_gradient);
                }
                c.self->partial_loss_[t] = loss;
            },
            &ctx, ctx.active > 1);
        // Phase 2: every thread adds one slice of the other threads' buffers to `grad`, in
        // thread order (so the sum is grad_0 + grad_1 + ... as documented above).
        if (ctx.active > 1)
            pool_.run(
                [](void* p, std::size_t t) {
                    auto& c = *static_cast<context*>(p);
                    const auto [pb, pe] = block(parameter_count, t, c.self->n_);
                    T* const out = c.grad.data();
                    for (std::size_t w = 1; w < c.active; ++w) {
                        const T* const in = c.self->workspaces_[w].gradients().data();
                        for (std::size_t i = pb; i < pe; ++i)
                            out[i] += in[i];
                    }
                },
                &ctx, true);
        T loss{};
        for (std::size_t t = 0; t < ctx.active; ++t)
            loss += partial_loss_[t];
        return loss;
    }

    /// Calls visit(k, logits) for every k < count, where logits is the network's output for
    /// sample(k); the calls for one k come from one thread, different k's from several.
    template<class SampleFn, class Visit>
    void predict(params_span params, std::size_t count, SampleFn&& sample, Visit&& visit) {
        struct context {
            data_parallel* self;
            params_span params;
            std::size_t count;
            std::remove_reference_t<SampleFn>* sample;
            std::remove_reference_t<Visit>* visit;
            std::size_t active;
        } ctx{this, params, count, &sample, &visit, std::clamp<std::size_t>(count, 1, n_)};
        pool_.run(
            [](void* p, std::size_t t) {
                auto& c = *static_cast<context*>(p);
                if (t >= c.active)
                    return;
                auto& ws = c.self->workspaces_[t];
                const auto [begin, end] = block(c.count, t, c.active);
                for (std::size_t k = begin; k < end; ++k) {
                    const auto [x, label] = (*c.sample)(k);
                    (void)label;
                    (*c.visit)(k, ws.forward(c.params, x));
                }
            },
            &ctx, ctx.active > 1);
    }

private:
    /// [begin, end) of thread t's share of n items split over `parts` threads.
    static std::pair<std::size_t, std::size_t> block(std::size_t n, std::size_t t,
                                                     std::size_t parts) {
        return {n * t / parts, n * (t + 1) / parts};
    }

    std::size_t n_;
    std::unique_ptr<workspace_type[]> workspaces_;
    std::unique_ptr<chunk_workspace_type[]> chunks_;
    std::vector<T> partial_loss_;
    thread_pool pool_; // last: its threads start after, and stop before, the workspaces
};

} // namespace typenet
