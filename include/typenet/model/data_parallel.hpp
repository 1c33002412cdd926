#pragma once
// data_parallel<Net, In, T>: mini-batch passes on several threads with one shared, read-only
// parameter block and one workspace (activations + gradient buffer) per thread.
//
// Determinism: sample k of a batch of B goes to thread t = the contiguous block
// [t·B/m, (t+1)·B/m), where m = min(n, B) threads take part (a batch of one runs on the calling
// thread alone, without waking the others); each thread adds its samples' gradients in order, then
// the per-thread buffers are summed in thread order (each thread reduces one slice of the
// parameters). Batch statistics (batch_norm) are merged in thread order too. The result is
// therefore bit-identical for a fixed thread count and differs between thread counts only by
// float summation order. Dropout's masks are keyed by the sample's position in the batch, not by
// its thread.
//
// Two kinds of pass. A network without batch-statistics layers, or any network in evaluation
// mode, runs sample by sample: a thread's samples go through the network Chunk at a time
// (chunk_workspace: the dense layers then read their weights once per chunk), the last ones,
// fewer than Chunk, one by one, each forward followed at once by its backward while its
// activations are in cache. A training pass of a network with batch_norm needs the whole batch
// between the layers: it keeps every sample's activations (one sample_state per sample, grown to
// the largest batch seen) and runs model/batch_pass.hpp's phases.
//
// Threads: a thread_pool (model/thread_pool.hpp) runs each phase of a pass on every thread.
//
// Allocation: workspaces and threads are created by the constructor; the per-sample states of
// batch passes when a batch is larger than any before (reserve() does it up front). A pass
// allocates nothing else (the job is a function pointer and a context pointer).

#include "typenet/detail/failure.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/model/batch_pass.hpp"
#include "typenet/model/chunk_workspace.hpp"
#include "typenet/model/thread_pool.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet {

/// How a batch pass runs: the mode, the dropout generator's seed and step, and the weight of
/// each sample's loss (1 for a sum, 1/B for the batch's mean).
template<class T>
struct pass_options {
    bool training = true;
    std::uint64_t seed = 0;
    std::uint64_t step = 0;
    T loss_scale{1};
};

template<class Net, class In, class T = float, std::size_t Chunk = 8>
class data_parallel {
public:
    using net = network<Net, In>;
    using workspace_type = workspace<Net, In, T>;
    using chunk_workspace_type = chunk_workspace<Net, In, T, Chunk>;
    using sample_state = typename net::template sample_state<T>;
    using output_type = typename workspace_type::output_type;
    static constexpr std::size_t parameter_count = workspace_type::parameter_count;
    static constexpr std::size_t buffer_count = net::buffer_count;
    /// Whether training passes need the whole batch between layers (a batch_norm).
    static constexpr bool batch_statistics = net::valid && net::batch_node_count > 0;
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
        , shares_(n_)
        , batch_(n_)
        , pool_(n_, "typenet::data_parallel") {}
    data_parallel(const data_parallel&) = delete;
    data_parallel& operator=(const data_parallel&) = delete;

    std::size_t threads() const { return n_; }
    workspace_type& worker(std::size_t t) { return workspaces_[t]; }

    /// Makes batch passes of up to `batch` samples allocation-free (they grow the per-sample
    /// states otherwise). Does nothing for a network without batch_norm.
    void reserve(std::size_t batch) {
        if constexpr (batch_statistics) {
            const std::size_t active = std::clamp<std::size_t>(batch, 1, n_);
            for (std::size_t t = 0; t < active; ++t) {
                const auto [b, e] = block(batch, t, active);
                auto& w = batch_[t];
                if (w.states.size() < e - b) {
                    w.states.resize(e - b);
                    w.labels.resize(e - b);
                }
            }
        } else {
            (void)batch;
        }
    }

    /// Sums the loss and the gradient of the batch's samples: sample(k) for k < batch returns
    /// {tensor_view<const T, In>, label}. The summed gradient is written to `grad` (not added),
    /// which must hold parameter_count values. The passes skip dL/dx (skip_input_gradient), so
    /// the workers' input_gradient() is unspecified afterwards, and so is their gradients().
    /// Training mode; for a network without buffers (the next overload takes them). Each call
    /// is one training step for dropout's masks.
    template<class SampleFn>
    T accumulate(params_span params, std::size_t batch, SampleFn&& sample, std::span<T> grad) {
        static_assert(buffer_count == 0, "typenet::data_parallel::accumulate: the network has "
                                         "buffers (batch_norm); pass them and pass_options");
        pass_options<T> options;
        options.step = steps_++;
        return accumulate(params, std::span<T>{}, options, batch, sample, grad);
    }

    /// The general pass: `buffers` (buffer_count values: batch_norm's running statistics, which a
    /// training pass updates), `options` (mode, dropout seed and step, loss weight). Returns the
    /// weighted sum of the losses and writes its gradient to `grad`. On an exception (a label
    /// out of range: std::out_of_range; a training batch with one value per channel of a
    /// batch_norm: std::invalid_argument) the buffers are as they were; so is `grad` after a
    /// training pass over the whole batch (a network with batch_norm), which checks every label
    /// first, while the sample-by-sample pass checks each as it comes and leaves `grad`
    /// unspecified.
    template<class SampleFn>
    T accumulate(params_span params, std::span<T> buffers, const pass_options<T>& options,
                 std::size_t batch, SampleFn&& sample, std::span<T> grad) {
        check_sizes(buffers, grad, "accumulate");
        if constexpr (batch_statistics) {
            if (options.training) {
                auto no_visit = [](std::size_t, const output_type&) {};
                return batch_pass_of(params, buffers, options, batch, sample, grad.data(), true,
                                     no_visit);
            }
        }
        return sample_pass(params, buffers, options, batch, sample, grad);
    }

    /// Calls visit(k, logits) for every k < count, where logits is the network's output for
    /// sample(k) in evaluation mode; the calls for one k come from one thread, different k's
    /// from several.
    template<class SampleFn, class Visit>
    void predict(params_span params, std::size_t count, SampleFn&& sample, Visit&& visit) {
        static_assert(buffer_count == 0, "typenet::data_parallel::predict: the network has "
                                         "buffers (batch_norm); pass them and pass_options");
        pass_options<T> options;
        options.training = false;
        forward(params, std::span<T>{}, options, count, sample, visit);
    }

    /// A forward pass over a batch in either mode, calling visit(k, logits) for every k < count
    /// (from one thread per k). In training mode it is what PyTorch's forward in train() does:
    /// batch_norm normalises with the batch's statistics and updates its running ones.
    template<class SampleFn, class Visit>
    void forward(params_span params, std::span<T> buffers, const pass_options<T>& options,
                 std::size_t count, SampleFn&& sample, Visit&& visit) {
        check_sizes(buffers, std::span<T>{}, "forward");
        if constexpr (batch_statistics) {
            if (options.training) {
                batch_pass_of(params, buffers, options, count, sample, nullptr, false, visit);
                return;
            }
        }
        struct context {
            data_parallel* self;
            params_span params;
            std::span<const T, buffer_count> buffers;
            const pass_options<T>* options;
            std::size_t count;
            std::remove_reference_t<SampleFn>* sample;
            std::remove_reference_t<Visit>* visit;
            std::size_t active;
        } ctx{this,
              params,
              const_buffers(buffers),
              &options,
              count,
              &sample,
              &visit,
              std::clamp<std::size_t>(count, 1, n_)};
        pool_.run(
            [](void* p, std::size_t t) {
                auto& c = *static_cast<context*>(p);
                if (t >= c.active)
                    return;
                auto& ws = c.self->workspaces_[t];
                const auto [begin, end] = block(c.count, t, c.active);
                pass_context pc = c.self->context_of(*c.options);
                for (std::size_t k = begin; k < end; ++k) {
                    const auto [x, label] = (*c.sample)(k);
                    (void)label;
                    pc.sample = k;
                    (*c.visit)(k, ws.forward(c.params, c.buffers, pc, x));
                }
            },
            &ctx, ctx.active > 1);
    }

private:
    void check_sizes(std::span<T> buffers, std::span<T> grad, const char* what) const {
        // "typenet::data_parallel::<what>: the <block> holds <n> values, the network has <m> <of>"
        const auto refuse = [what](const char* block, std::size_t n, std::size_t m,
                                   const char* of) {
            std::string text = "typenet::data_parallel::";
            text += what;
            text += ": the ";
            text += block;
            text += " holds ";
            text += std::to_string(n);
            text += " values, the network has ";
            text += std::to_string(m);
            text += ' ';
            text += of;
            typenet::detail::fail<std::invalid_argument>([&] { return text; });
        };
        if (buffers.size() != buffer_count)
            refuse("buffer block", buffers.size(), buffer_count, "buffer values");
        if (grad.data() != nullptr && grad.size() != parameter_count)
            refuse("gradient buffer", grad.size(), parameter_count, "parameters");
        if (grad.data() == nullptr && std::string_view(what) == "accumulate")
            typenet::detail::fail<std::invalid_argument>(
                [&] { return "typenet::data_parallel::accumulate: no gradient buffer"; });
    }
    static std::span<const T, buffer_count> const_buffers(std::span<T> b) {
        return std::span<const T, buffer_count>(b.data(), buffer_count);
    }
    static pass_context context_of(const pass_options<T>& o) {
        pass_context c;
        c.training = o.training;
        c.seed = o.seed;
        c.step = o.step;
        return c;
    }

    /// Sample by sample (and chunk by chunk): no batch statistics in this pass.
    template<class SampleFn>
    T sample_pass(params_span params, std::span<T> buffers, const pass_options<T>& options,
                  std::size_t batch, SampleFn& sample, std::span<T> grad) {
        struct context {
            data_parallel* self;
            params_span params;
            std::span<const T, buffer_count> buffers;
            pass_context pc;
            T scale;
            std::size_t batch;
            SampleFn* sample;
            std::span<T> grad;
            std::size_t active; // threads with samples
        } ctx{this,
              params,
              const_buffers(buffers),
              context_of(options),
              options.loss_scale,
              batch,
              &sample,
              grad,
              std::clamp<std::size_t>(batch, 1, n_)};
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
                pass_context pc = c.pc;
                for (; k + Chunk <= end; k += Chunk) {
                    pc.sample = k;
                    loss += c.self->chunks_[t].forward_backward(c.params, c.buffers, pc, *c.sample,
                                                                k, sink, c.scale);
                }
                for (; k < end; ++k) {
                    const auto [x, label] = (*c.sample)(k);
                    pc.sample = k;
                    loss += ws.template forward_backward<false>(c.params, c.buffers, pc, x, label,
                                                                sink, c.scale);
                }
                c.self->partial_loss_[t] = loss;
            },
            &ctx, ctx.active > 1);
        reduce_gradients(grad, ctx.active);
        T loss{};
        for (std::size_t t = 0; t < ctx.active; ++t)
            loss += partial_loss_[t];
        return loss;
    }

    /// Phase 2 of a training pass: every thread adds one slice of the other threads' buffers to
    /// `grad`, in thread order (so the sum is grad_0 + grad_1 + ... as documented above).
    void reduce_gradients(std::span<T> grad, std::size_t active) {
        if (active <= 1)
            return;
        struct context {
            data_parallel* self;
            T* grad;
            std::size_t active;
        } ctx{this, grad.data(), active};
        pool_.run(
            [](void* p, std::size_t t) {
                auto& c = *static_cast<context*>(p);
                const auto [pb, pe] = block(parameter_count, t, c.self->n_);
                for (std::size_t w = 1; w < c.active; ++w) {
                    const T* const in = c.self->workspaces_[w].gradients().data();
                    for (std::size_t i = pb; i < pe; ++i)
                        c.grad[i] += in[i];
                }
            },
            &ctx, true);
    }

    using pass_t = batch_pass<Net, In, T>;
    /// One thread's storage for batch passes.
    struct batch_storage {
        std::vector<sample_state> states;
        std::vector<std::size_t> labels;
        typename pass_t::partials partials{};
    };

    /// A pass over the whole batch (batch_pass.hpp): loads the samples (checking every label
    /// before anything is computed), runs the phases, reduces the gradients; or, without
    /// backward, calls visit with every sample's output. When it throws (a bad label, a batch of
    /// one through a BatchNorm1d), the buffers and `grad` are as they were.
    template<class SampleFn, class Visit>
    T batch_pass_of(params_span params, std::span<T> buffers, const pass_options<T>& options,
                    std::size_t batch, SampleFn& sample, T* grad, bool backward, Visit& visit) {
        if (batch == 0) {
            if (grad != nullptr)
                std::fill(grad, grad + parameter_count, T{});
            return T{};
        }
        reserve(batch);
        const std::size_t active = std::clamp<std::size_t>(batch, 1, n_);
        for (std::size_t t = 0; t < active; ++t) {
            const auto [b, e] = block(batch, t, active);
            auto& w = batch_[t];
            auto& sh = shares_[t];
            sh.states = w.states.data();
            sh.labels = w.labels.data();
            sh.first = b;
            sh.count = e - b;
            sh.part = &w.partials;
            sh.grad = t == 0 ? grad : workspaces_[t].gradients().data();
            sh.clear_grad = true; // zeroed by the loss phase, the first to write it
            sh.loss = T{};
        }
        struct load_context {
            data_parallel* self;
            SampleFn* sample;
            bool labelled;
            std::size_t active;
        } load{this, &sample, backward, active};
        // Every thread loads its samples. Nothing else is written before every label has passed
        // its check: the buffers change in the first phase, the gradient sinks in the loss phase.
        pool_.run(
            [](void* p, std::size_t t) {
                auto& c = *static_cast<load_context*>(p);
                if (t >= c.active)
                    return;
                auto& sh = c.self->shares_[t];
                auto& w = c.self->batch_[t];
                for (std::size_t s = 0; s < sh.count; ++s) {
                    const auto [x, label] = (*c.sample)(sh.first + s);
                    if (c.labelled)
                        w.labels[s] = workspace_type::check_label(label);
                    else
                        (void)label;
                    boost::hana::at_c<0>(w.states[s].acts).view() = x;
                }
            },
            &load, active > 1);
        typename pass_t::arguments args;
        args.params = params.data();
        args.buffers = buffers.data();
        args.ctx = context_of(options);
        args.scale = options.loss_scale;
        args.stats = &stats_;
        pass_t::template run<false>(args, shares_.data(), active, backward,
                                    [this, active](thread_pool::job_fn job, void* ctx) {
                                        pool_.run(job, ctx, active > 1);
                                    });
        if (!backward) {
            for (std::size_t t = 0; t < active; ++t)
                for (std::size_t s = 0; s < shares_[t].count; ++s)
                    visit(shares_[t].first + s,
                          boost::hana::at_c<net::body_count>(batch_[t].states[s].acts));
            return T{};
        }
        reduce_gradients(std::span<T>(grad, parameter_count), active);
        T loss{};
        for (std::size_t t = 0; t < active; ++t)
            loss += shares_[t].loss;
        return loss;
    }

    /// [begin, end) of thread t's share of n items split over `parts` threads.
    static std::pair<std::size_t, std::size_t> block(std::size_t n, std::size_t t,
                                                     std::size_t parts) {
        return {n * t / parts, n * (t + 1) / parts};
    }

    std::size_t n_;
    std::unique_ptr<workspace_type[]> workspaces_;
    std::unique_ptr<chunk_workspace_type[]> chunks_;
    std::vector<T> partial_loss_;
    std::vector<typename pass_t::share> shares_;
    std::vector<batch_storage> batch_;
    typename pass_t::batch_statistics stats_{};
    std::uint64_t steps_ = 0;
    thread_pool pool_; // last: its threads start after, and stop before, the workspaces
};

} // namespace typenet
