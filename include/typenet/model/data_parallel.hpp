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
// Allocation: workspaces and threads are created by the constructor; a batch pass allocates
// nothing (the job is passed as a function pointer and a context pointer, not a std::function).

#include "typenet/model/chunk_workspace.hpp"
#include "typenet/model/workspace.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
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
    /// joined, and std::system_error says which thread of how many could not start.
    explicit data_parallel(std::size_t threads)
        : n_(std::max<std::size_t>(threads, 1))
        , workspaces_(std::make_unique<workspace_type[]>(n_))
        , chunks_(std::make_unique<chunk_workspace_type[]>(n_))
        , partial_loss_(n_)
        , errors_(n_) {
        threads_.reserve(n_ - 1);
        for (std::size_t t = 1; t < n_; ++t) {
            try {
                threads_.emplace_back([this, t] { worker_loop(t); });
            } catch (const std::system_error& e) {
                // The destructor does not run for a constructor that throws, and destroying a
                // joinable std::thread calls std::terminate: stop the started ones here.
                stop_workers();
                throw std::system_error(e.code(), "typenet::data_parallel: cannot start worker "
                                                  "thread " +
                                                      std::to_string(t) + " of " +
                                                      std::to_string(n_ - 1) + " (" +
                                                      std::to_string(n_) + " threads requested)");
            }
        }
    }
    ~data_parallel() { stop_workers(); }
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
        run(
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
            run(
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
        run(
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
    using job_fn = void (*)(void*, std::size_t);

    /// [begin, end) of thread t's share of n items split over `parts` threads.
    static std::pair<std::size_t, std::size_t> block(std::size_t n, std::size_t t,
                                                     std::size_t parts) {
        return {n * t / parts, n * (t + 1) / parts};
    }

    /// Runs job(ctx, t) on every thread t, or only on the calling thread (t = 0) when
    /// `all_threads` is false (a job with nothing for the workers: waking them costs more).
    void run(job_fn job, void* ctx, bool all_threads) {
        job_ = job;
        ctx_ = ctx;
        const bool wake = all_threads && n_ > 1;
        if (wake) {
            pending_.store(n_ - 1);
            generation_.fetch_add(1); // publishes job_, ctx_ and pending_
            if (sleepers_.load() > 0)
                generation_.notify_all();
        }
        execute(0);
        if (wake)
            wait_for_workers();
        for (auto& e : errors_)
            if (e)
                std::rethrow_exception(std::exchange(e, nullptr));
    }

    void execute(std::size_t t) {
        try {
            job_(ctx_, t);
        } catch (...) {
            errors_[t] = std::current_exception();
        }
    }

    // The hand-off: the calling thread publishes a job by bumping generation_, and waits for
    // pending_ (workers still running) to reach 0. Either side spins for up to spin_time, then
    // sleeps (atomic wait, a futex) and is woken only if it went to sleep. A std::barrier, which
    // put the workers to sleep between phases, cost about 20 us per wake-up here (measured: a
    // batch of one on two threads took 46 us against 20 on one), twice per training step.
    static constexpr std::chrono::microseconds spin_time{200};

    static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }

    /// Spins until ready() or spin_time has passed; true if ready() became true.
    template<class Ready>
    static bool spin_until(Ready ready) {
        const auto deadline = std::chrono::steady_clock::now() + spin_time;
        for (unsigned k = 1;; ++k) {
            if (ready())
                return true;
            if (k % 64 == 0 && std::chrono::steady_clock::now() > deadline)
                return false;
            cpu_relax();
        }
    }

    void wait_for_workers() {
        if (spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; }))
            return;
        caller_sleeping_.store(true);
        for (std::size_t left; (left = pending_.load()) != 0;)
            pending_.wait(left);
        caller_sleeping_.store(false);
    }

    /// Wakes every started worker with the stop flag set and joins it.
    void stop_workers() {
        stop_ = true;
        generation_.fetch_add(1);
        generation_.notify_all();
        for (auto& th : threads_)
            th.join();
        threads_.clear();
    }

    void worker_loop(std::size_t t) {
        std::uint64_t seen = 0;
        for (;;) {
            if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
                sleepers_.fetch_add(1);
                while (generation_.load() == seen)
                    generation_.wait(seen);
                sleepers_.fetch_sub(1);
            }
            seen = generation_.load(std::memory_order_acquire);
            if (stop_)
                return;
            execute(t);
            if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load())
                pending_.notify_one();
        }
    }

    std::size_t n_;
    std::unique_ptr<workspace_type[]> workspaces_;
    std::unique_ptr<chunk_workspace_type[]> chunks_;
    std::vector<T> partial_loss_;
    std::vector<std::exception_ptr> errors_;
    std::atomic<std::uint64_t> generation_{0}; // bumped once per job (and to stop)
    std::atomic<std::size_t> pending_{0};      // workers that have not finished the job
    std::atomic<std::size_t> sleepers_{0};     // workers asleep on generation_
    std::atomic<bool> caller_sleeping_{false}; // the calling thread asleep on pending_
    std::vector<std::thread> threads_;
    job_fn job_ = nullptr;
    void* ctx_ = nullptr;
    std::atomic<bool> stop_{false};
};

} // namespace typenet
