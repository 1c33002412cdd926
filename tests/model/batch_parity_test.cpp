// Batch norm (2d and 1d), identity and projection residual blocks and dropout inside whole
// networks against PyTorch, through model<>'s public batch API: the torch module's parameters and
// running statistics copied into parameters() and buffers(), the generator seeded as the script's
// masks were drawn, then one training-mode forward_backward over the batch (mean loss, parameter
// gradients, updated running statistics, num_batches_tracked) and, after eval(), the batch's
// logits, loss and gradients. Double agrees element by element to 1e-9 |e| + 1e-12; float to
// float accuracy.
// Reference numbers: tests/data/gen_batch_parity.py (batch_parity_reference.hpp).
#define BOOST_TEST_MODULE model.batch_parity

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <ratio>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "../data/batch_parity_reference.hpp"
#include "../support/batch_nets.hpp"
#include "../support/check.hpp"
#include "../support/parity.hpp"
#include "typenet.hpp"

namespace tn = typenet;
namespace ref = typenet::test::ref::batch;
using tn::shape;
using value_types = std::tuple<float, double>;

using tn::test::batch_nets::cnn_in;
using tn::test::batch_nets::cnn_net;
using tn::test::batch_nets::mlp_in;
using tn::test::batch_nets::mlp_net;

namespace {

struct reference {
    std::span<const double> x, labels, params, buffers;
    double train_loss;
    std::span<const double> train_grads, train_buffers, eval_logits;
    double eval_loss;
    std::span<const double> eval_grads;
    std::span<const char*const> param_names, buffer_names;
};
#define BATCH_REFERENCE(p)                                                                         \
    reference {                                                                                    \
        ref::p##_x, ref::p##_labels, ref::p##_params, ref::p##_buffers, ref::p##_train_loss,       \
            ref::p##_train_grads, ref::p##_train_buffers, ref::p##_eval_logits,                    \
            ref::p##_eval_loss, ref::p##_eval_grads, ref::p##_param_names, ref::p##_buffer_names   \
    }

template<class Net, class In, class T>
void check_batch(const reference& r, const std::string& what) {
    using model_t = tn::model<Net, In, T>;
    const auto tol = tn::test::parity_tolerance<T>();
    const std::size_t batch = r.labels.size();
    BOOST_TEST_REQUIRE(r.x.size() == batch * In::size);
    BOOST_TEST_REQUIRE(r.params.size() == model_t::parameter_count);
    BOOST_TEST_REQUIRE(r.buffers.size() == model_t::buffer_count);

    // The names are PyTorch's, in its order.
    const auto pe = model_t::parameter_entries();
    BOOST_TEST_REQUIRE(pe.size() == r.param_names.size());
    for (std::size_t i = 0; i < pe.size(); ++i)
        BOOST_TEST(pe[i].name == r.param_names[i]);
    const auto be = model_t::buffer_entries();
    BOOST_TEST_REQUIRE(be.size() == r.buffer_names.size());
    for (std::size_t i = 0; i < be.size(); ++i)
        BOOST_TEST(be[i].name == r.buffer_names[i]);

    auto m = std::make_unique<model_t>();
    BOOST_TEST(m->training());
    std::transform(r.params.begin(), r.params.end(), m->parameters().begin(),
                   [](double v) { return T(v); });
    std::transform(r.buffers.begin(), r.buffers.end(), m->buffers().begin(),
                   [](double v) { return T(v); });
    m->seed(ref::seed, ref::step);
    std::vector<typename model_t::input_type> xs(batch);
    std::vector<std::size_t> labels(batch);
    for (std::size_t k = 0; k < batch; ++k) {
        std::transform(r.x.begin() + k * In::size, r.x.begin() + (k + 1) * In::size, xs[k].begin(),
                       [](double v) { return T(v); });
        labels[k] = static_cast<std::size_t>(r.labels[k]);
    }
    const std::span<const typename model_t::input_type> in(xs);

    const double train_loss = double(m->forward_backward(in, std::span<const std::size_t>(labels)));
    BOOST_TEST(std::abs(train_loss - r.train_loss) <= tol.rtol * r.train_loss,
               what << " training loss " << train_loss << " vs " << r.train_loss);
    tn::test::check_close(m->gradients(), r.train_grads, tol.rtol, tol.atol,
                          what + " training gradients");
    tn::test::check_close(m->buffers(), r.train_buffers, tol.rtol, tol.atol,
                          what + " running statistics");
    for (const auto n : m->batch_counters())
        BOOST_TEST(n == 1);
    BOOST_TEST(m->step() == ref::step + 1);

    m->eval();
    m->zero_grad();
    std::vector<typename model_t::output_type> logits(batch);
    m->forward(in, std::span<typename model_t::output_type>(logits));
    std::vector<double> flat;
    for (const auto& l : logits)
        flat.insert(flat.end(), l.begin(), l.end());
    tn::test::check_close(flat, r.eval_logits, tol.rtol, tol.atol, what + " evaluation logits");
    const double eval_loss = double(m->forward_backward(in, std::span<const std::size_t>(labels)));
    BOOST_TEST(std::abs(eval_loss - r.eval_loss) <= tol.rtol * r.eval_loss,
               what << " evaluation loss " << eval_loss << " vs " << r.eval_loss);
    tn::test::check_close(m->gradients(), r.eval_grads, tol.rtol, tol.atol,
                          what + " evaluation gradients");
    // Evaluation leaves the running statistics and the counters alone.
    tn::test::check_close(m->buffers(), r.train_buffers, tol.rtol, tol.atol,
                          what + " running statistics after evaluation");
    for (const auto n : m->batch_counters())
        BOOST_TEST(n == 1);
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(conv_batch_norm_residuals_dropout, T, value_types) {
    check_batch<cnn_net, cnn_in, T>(BATCH_REFERENCE(cnn), "cnn");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_batch_norm_1d_residual_dropout, T, value_types) {
    check_batch<mlp_net, mlp_in, T>(BATCH_REFERENCE(mlp), "mlp");
}
