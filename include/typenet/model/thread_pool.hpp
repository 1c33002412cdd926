#pragma once
// thread_pool: n threads (the calling thread is thread 0, n - 1 workers) that run one job at a
// time, each job on every thread: run(job, ctx, all_threads) calls job(ctx, t) for t < n and
// returns when every call has returned. data_parallel (model/data_parallel.hpp) runs its batch
// passes on it.
//
// The hand-off: the calling thread publishes a job by bumping a generation counter, and waits
// for the count of workers still running to reach 0. Either side spins for up to spin_time, then
// sleeps (atomic wait, a futex) and is woken only if it went to sleep. A std::barrier, which put
// the workers to sleep between phases, paid a wake-up twice per training step
// (docs/performance.md has the figures).
//
// Allocation: the threads and the per-thread error slots are created by the constructor; run()
// allocates nothing (the job is a function pointer and a context pointer, not a std::function).
//
// Errors: an exception thrown by a job on any thread is caught there; once every thread is done,
// run() rethrows the one of the lowest thread number and drops the others, so the next run starts
// clean. When the system refuses a worker thread (a thread or memory limit), the constructor stops
// and joins the workers already started and throws std::system_error naming the thread.

#include "typenet/detail/failure.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace typenet {

class thread_pool {
public:
    /// A job: called as job(ctx, t) on thread t.
    using job_fn = void (*)(void*, std::size_t);

    /// `threads` threads (at least 1), the calling thread being thread 0. `owner` starts the
    /// message of the std::system_error thrown when a worker cannot start.
    explicit thread_pool(std::size_t threads, const char* owner = "typenet::thread_pool")
        : n_(std::max<std::size_t>(threads, 1))
        , errors_(n_) {
        threads_.reserve(n_ - 1);
        for (std::size_t t = 1; t < n_; ++t)
            start_worker(t, owner);
    }
    ~thread_pool() { stop_workers(); }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    /// The number of threads, the calling one included.
    std::size_t threads() const { return n_; }

    /// Runs job(ctx, t) on every thread t, or only on the calling thread (t = 0) when
    /// `all_threads` is false (a job with nothing for the workers: waking them costs more).
    /// Returns when every call has returned; rethrows the first (by thread) exception a call threw.
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
#if TYPENET_EXCEPTIONS
        std::exception_ptr first;
        for (auto& e : errors_)
            if (auto error = std::exchange(e, nullptr); error && !first)
                first = std::move(error);
        if (first)
            std::rethrow_exception(first);
#endif
    }

private:
    void start_worker(std::size_t t, [[maybe_unused]] const char* owner) {
#if TYPENET_EXCEPTIONS
        try {
            threads_.emplace_back([this, t] { worker_loop(t); });
        } catch (const std::system_error& e) {
            // The destructor does not run for a constructor that throws, and destroying a
            // joinable std::thread calls std::terminate: stop the started ones here.
            stop_workers();
            throw std::system_error(e.code(), std::string(owner) + ": cannot start worker thread " +
                                                  std::to_string(t) + " of " +
                                                  std::to_string(n_ - 1) + " (" +
                                                  std::to_string(n_) + " threads requested)");
        }
#else
        // Without exceptions a thread that cannot start ends the program (std::abort).
        threads_.emplace_back([this, t] { worker_loop(t); });
#endif
    }

    void execute(std::size_t t) {
#if TYPENET_EXCEPTIONS
        try {
            job_(ctx_, t);
        } catch (...) {
            errors_[t] = std::current_exception();
        }
#else
        job_(ctx_, t);
#endif
    }

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
