#pragma once
// batch_pass<Net, In, T>: a training pass over a whole batch for a network with batch-statistics
// layers (batch_norm), whose training forward needs statistics of every sample in the batch.
//
// The batch nodes cut the program into segments. Every sample of a thread's share runs through a
// segment on its own (as in a pass without batch layers), and at the segment's end adds itself
// to its thread's partial statistics of the next batch node (L::forward_reduce). Then, on one
// thread, the threads' partials are merged in thread order and the batch node's statistics are
// computed (L::forward_combine, which also updates the running statistics); the next phase
// applies them to every sample (L::forward_apply) and runs the next segment. After the last
// segment come the loss and, in reverse, the same for the backward: each batch node's dy sums
// (L::backward_reduce, merged in thread order), its parameter gradient (L::backward_combine,
// added once) and every sample's dx (L::backward_apply). So a pass with b batch nodes is 2b + 1
// phases; the samples' activations stay in their sample_state from the forward to the backward.
//
// The phases run on however many threads the caller has (data_parallel, or the calling thread
// alone for model's per-sample calls); results differ between thread counts only by summation
// order. Nothing here allocates.

#include "typenet/compose/network.hpp"
#include "typenet/detail/failure.hpp"
#include "typenet/layers/pass_context.hpp"
#include "typenet/tensor/tensor.hpp"

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace typenet {

template<class Net, class In, class T>
struct batch_pass {
    using net = network<Net, In>;
    using sample_state = typename net::template sample_state<T>;
    // An invalid network has reported its first failed rule; its batch nodes are not formed.
    static constexpr std::size_t batch_node_count = net::valid ? net::batch_node_count : 0;

    template<std::size_t B>
    static constexpr std::size_t node = net::batch_nodes[B];
    template<std::size_t B>
    using layer = typename net::template layer<node<B>>;
    template<std::size_t B>
    using input = typename net::template input_shape_at<node<B>>;

    /// What one batch node keeps per thread: its partial sums in each direction.
    template<std::size_t B>
    struct partial {
        typename layer<B>::template forward_partial<input<B>, T> forward{};
        typename layer<B>::template backward_partial<input<B>, T> backward{};
    };
    /// What one batch node keeps for the batch: its statistics and its merged backward sums.
    template<std::size_t B>
    struct statistics {
        typename layer<B>::template batch_state<input<B>, T> state{};
        typename layer<B>::template backward_partial<input<B>, T> backward{};
    };
    template<std::size_t... B>
    static auto make_partials(std::index_sequence<B...>) -> boost::hana::tuple<partial<B>...>;
    template<std::size_t... B>
    static auto make_statistics(std::index_sequence<B...>) -> boost::hana::tuple<statistics<B>...>;
    using partials = decltype(make_partials(std::make_index_sequence<batch_node_count>{}));
    using node_statistics = decltype(make_statistics(std::make_index_sequence<batch_node_count>{}));
    /// What a pass keeps for the whole batch: every batch node's statistics, and the buffers as
    /// they were before the pass (put back when a phase throws).
    struct batch_statistics {
        node_statistics nodes{};
        std::array<T, net::buffer_count> buffers_before{};
    };

    /// One thread's share of the batch: samples [first, first + count), their states and labels,
    /// the thread's gradient sink and partial sums, and its summed loss. With clear_grad the
    /// pass overwrites the sink instead of adding to it: the phase that first writes it zeroes it
    /// first, so a pass that fails before (batch_norm's batch of one) leaves it as it was.
    struct share {
        sample_state* states = nullptr;
        const std::size_t* labels = nullptr;
        std::size_t first = 0;
        std::size_t count = 0;
        T* grad = nullptr;
        bool clear_grad = false;
        partials* part = nullptr;
        T loss{};
    };
    /// What every thread reads: parameters, buffers (updated between phases only), the pass's
    /// context, the weight of each sample's loss, the batch statistics.
    struct arguments {
        const T* params = nullptr;
        T* buffers = nullptr;
        pass_context ctx{};
        T scale{1};
        batch_statistics* stats = nullptr;
    };

    /// Runs a training pass: `phase(job, context)` must call job(context, t) for every thread
    /// t < n and return when all have returned (a thread_pool's run, or a loop), rethrowing what
    /// a job threw. With `backward` false the pass stops after the forward (the samples' outputs
    /// are then in their states). With InputGradient, the first node's input gradient (dL/dx of
    /// each sample) is computed too; without, a first conv skips it.
    ///
    /// Each batch node updates its running statistics as soon as it has the batch's; when a
    /// later phase throws (a BatchNorm1d given a batch of one, after the BatchNorm2d layers before
    /// it had their statistics), every buffer is put back as it was before the pass.
    template<bool InputGradient, class RunPhase>
    static void run(arguments& args, share* shares, std::size_t n, bool backward,
                    RunPhase&& phase) {
        context c{&args, shares, n};
        auto& before = args.stats->buffers_before;
        std::copy_n(args.buffers, before.size(), before.begin());
#if TYPENET_EXCEPTIONS
        try {
            run_phases<InputGradient>(c, backward, phase);
        } catch (...) {
            std::copy(before.begin(), before.end(), args.buffers);
            throw;
        }
#else
        run_phases<InputGradient>(c, backward, phase);
#endif
    }

private:
    template<bool InputGradient, class Context, class RunPhase>
    static void run_phases(Context& c, bool backward, RunPhase& phase) {
        forward_phases<0>(c, phase);
        if (!backward) {
            phase(&job<last_forward_job, 0, InputGradient>, &c);
            return;
        }
        phase(&job<loss_job, 0, InputGradient>, &c);
        backward_phases<batch_node_count, InputGradient>(c, phase);
    }

    struct context {
        arguments* args;
        share* shares;
        std::size_t n;
    };

    static constexpr std::size_t segment_begin(std::size_t i) {
        return i == 0 ? 0 : net::batch_nodes[i - 1] + 1;
    }
    static constexpr std::size_t segment_end(std::size_t i) {
        return i == batch_node_count ? net::body_count : net::batch_nodes[i];
    }

    template<class S>
    static tensor_view<const T, S> cview(const tensor<T, S>& t) {
        return t.view();
    }

    enum job_kind { forward_job, last_forward_job, loss_job, backward_job };
    template<job_kind Kind, std::size_t I = 0, bool InputGradient = false>
    static void job(void* p, std::size_t t) {
        auto& c = *static_cast<context*>(p);
        if (t >= c.n)
            return;
        if constexpr (Kind == forward_job || Kind == last_forward_job)
            forward_phase<Kind == last_forward_job ? batch_node_count : I>(*c.args, c.shares[t]);
        else if constexpr (Kind == loss_job)
            loss_phase<InputGradient>(*c.args, c.shares[t]);
        else
            backward_phase<I, InputGradient>(*c.args, c.shares[t]);
    }

    template<std::size_t I, class RunPhase>
    static void forward_phases(context& c, RunPhase& phase) {
        if constexpr (I < batch_node_count) {
            phase(&job<forward_job, I>, &c);
            combine_forward<I>(c);
            forward_phases<I + 1>(c, phase);
        }
    }
    template<std::size_t B, bool InputGradient, class RunPhase>
    static void backward_phases(context& c, RunPhase& phase) {
        if constexpr (B > 0) {
            combine_backward<B - 1>(c);
            phase(&job<backward_job, B - 1, InputGradient>, &c);
            backward_phases<B - 1, InputGradient>(c, phase);
        }
    }

    /// Forward phase I: apply batch node I - 1, run segment I, reduce for batch node I.
    template<std::size_t I>
    static void forward_phase(const arguments& a, share& sh) {
        if constexpr (I < batch_node_count)
            boost::hana::at_c<I>(*sh.part).forward = {};
        for (std::size_t s = 0; s < sh.count; ++s) {
            auto& st = sh.states[s];
            pass_context ctx = a.ctx;
            ctx.sample = sh.first + s;
            if constexpr (I > 0)
                apply_forward<I - 1>(a, st);
            net::template forward_nodes<segment_begin(I), segment_end(I)>(a.params, a.buffers, ctx,
                                                                          st.acts);
            if constexpr (I < batch_node_count)
                layer<I>::template forward_reduce<input<I>>(
                    cview(boost::hana::at_c<net::reads[node<I>]>(st.acts)),
                    boost::hana::at_c<I>(*sh.part).forward);
        }
    }

    template<std::size_t B>
    static void apply_forward(const arguments& a, sample_state& st) {
        constexpr std::size_t k = node<B>;
        layer<B>::template forward_apply<input<B>>(a.params + net::offsets[k],
                                                   boost::hana::at_c<B>(a.stats->nodes).state,
                                                   cview(boost::hana::at_c<net::reads[k]>(st.acts)),
                                                   boost::hana::at_c<k + 1>(st.acts).view());
    }

    /// On one thread: the threads' partials merged in thread order; the batch's statistics.
    template<std::size_t B>
    static void combine_forward(context& c) {
        auto merged = boost::hana::at_c<B>(*c.shares[0].part).forward;
        for (std::size_t t = 1; t < c.n; ++t)
            layer<B>::template merge<input<B>>(merged,
                                               boost::hana::at_c<B>(*c.shares[t].part).forward);
        layer<B>::template forward_combine<input<B>>(
            merged, c.args->buffers + net::buffer_offsets[node<B>],
            boost::hana::at_c<B>(c.args->stats->nodes).state);
    }

    /// The last segment's forward (after the last batch node), the loss, the last segment's
    /// backward and the reduction for the last batch node.
    template<bool InputGradient>
    static void loss_phase(const arguments& a, share& sh) {
        forward_phase<batch_node_count>(a, sh);
        if (sh.clear_grad)
            std::fill_n(sh.grad, net::parameter_count, T{});
        if constexpr (batch_node_count > 0)
            boost::hana::at_c<batch_node_count - 1>(*sh.part).backward = {};
        sh.loss = T{};
        for (std::size_t s = 0; s < sh.count; ++s) {
            auto& st = sh.states[s];
            pass_context ctx = a.ctx;
            ctx.sample = sh.first + s;
            sh.loss += net::loss(cview(boost::hana::at_c<net::body_count>(st.acts)), sh.labels[s],
                                 boost::hana::at_c<net::body_count>(st.grads).view(), a.scale);
            net::template backward_nodes<segment_begin(batch_node_count), net::body_count,
                                         InputGradient>(a.params, a.buffers, ctx, st.acts, st.grads,
                                                        st.scratch_, sh.grad);
            if constexpr (batch_node_count > 0)
                reduce_backward<batch_node_count - 1>(a, st, sh);
        }
    }

    template<std::size_t B>
    static void reduce_backward(const arguments& a, sample_state& st, share& sh) {
        constexpr std::size_t k = node<B>;
        layer<B>::template backward_reduce<input<B>>(
            boost::hana::at_c<B>(a.stats->nodes).state,
            cview(boost::hana::at_c<net::reads[k]>(st.acts)),
            cview(boost::hana::at_c<k + 1>(st.grads)), boost::hana::at_c<B>(*sh.part).backward);
    }

    /// On one thread: batch node B's dy sums merged in thread order; its parameter gradient,
    /// added once (to thread 0's sink).
    template<std::size_t B>
    static void combine_backward(context& c) {
        auto& merged = boost::hana::at_c<B>(c.args->stats->nodes).backward;
        merged = boost::hana::at_c<B>(*c.shares[0].part).backward;
        for (std::size_t t = 1; t < c.n; ++t)
            layer<B>::template merge<input<B>>(merged,
                                               boost::hana::at_c<B>(*c.shares[t].part).backward);
        layer<B>::template backward_combine<input<B>>(merged,
                                                      c.shares[0].grad + net::offsets[node<B>]);
    }

    /// Backward phase of batch node B: every sample's dx through it, the segment before it, and
    /// the reduction for batch node B - 1.
    template<std::size_t B, bool InputGradient>
    static void backward_phase(const arguments& a, share& sh) {
        constexpr std::size_t k = node<B>;
        if constexpr (B > 0)
            boost::hana::at_c<B - 1>(*sh.part).backward = {};
        for (std::size_t s = 0; s < sh.count; ++s) {
            auto& st = sh.states[s];
            pass_context ctx = a.ctx;
            ctx.sample = sh.first + s;
            net::template emit_input_gradient<k, T>(
                st.grads, st.scratch_, [&](tensor_view<T, input<B>> dx) {
                    layer<B>::template backward_apply<input<B>>(
                        a.params + net::offsets[k], boost::hana::at_c<B>(a.stats->nodes).state,
                        boost::hana::at_c<B>(a.stats->nodes).backward,
                        cview(boost::hana::at_c<net::reads[k]>(st.acts)),
                        cview(boost::hana::at_c<k + 1>(st.grads)), dx);
                });
            net::template backward_nodes<segment_begin(B), segment_end(B), InputGradient>(
                a.params, a.buffers, ctx, st.acts, st.grads, st.scratch_, sh.grad);
            if constexpr (B > 0)
                reduce_backward<B - 1>(a, st, sh);
        }
    }
};

} // namespace typenet
