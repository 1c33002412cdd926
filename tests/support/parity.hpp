#pragma once
// Whole networks against PyTorch (tests/model/*parity_test.cpp): the same architecture as a
// torch.nn.Sequential, its parameters copied into model<...>::parameters() in named_parameters()
// order, one forward + CrossEntropyLoss backward. The reference numbers come from
// tests/data/gen_*parity*.py; this header holds what every parity test does with them.

#include "typenet/compose/network.hpp"
#include "typenet/model/model.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "check.hpp"

namespace typenet::test {

/// Element-wise bound |a - e| <= rtol |e| + atol against PyTorch's float64 numbers. In double
/// the two differ by summation order only; in float the parameters and input are rounded to
/// float first. The floor is for elements that are small because larger terms cancelled (a
/// gradient summed over many pixels): their error stays at T's precision of those terms, which
/// are of size 1 or smaller here.
struct parity_bound {
    double rtol, atol;
};
template<class T>
constexpr parity_bound parity_tolerance() {
    return sizeof(T) >= sizeof(double) ? parity_bound{1e-9, 1e-12} : parity_bound{1e-4, 1e-6};
}

/// typenet's leaf index is torch's child index (flatten is a layer in both).
struct same_index {
    template<class I>
    constexpr I operator()(I i) const {
        return i;
    }
};

/// parameter_entries() against torch's named_parameters(): same sizes, in the same order,
/// packed back to back; names equal after mapping typenet's leaf index to torch's child index.
template<class Net, class In, std::size_t N, class IndexMap = same_index>
void check_layout(const char* const (&names)[N], const unsigned (&sizes)[N],
                  IndexMap torch_index = {}) {
    const auto entries = network<Net, In>::parameter_entries();
    BOOST_TEST_REQUIRE(entries.size() == N);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const auto& e = entries[i];
        BOOST_TEST(e.offset == offset);
        BOOST_TEST(e.desc.size() == sizes[i], e.name << " has " << e.desc.size() << " elements");
        const auto dot = e.name.find('.');
        const std::string mapped =
            std::to_string(torch_index(std::stoul(e.name.substr(0, dot)))) + e.name.substr(dot);
        BOOST_TEST(mapped == names[i]);
        offset += e.desc.size();
    }
    BOOST_TEST(offset == (network<Net, In>::parameter_count));
}

/// A model<Net, In, T> with the given parameters after forward(x) and forward_backward(x, label).
template<class Net, class In, class T>
struct parity_run {
    using model_t = model<Net, In, T>;
    std::unique_ptr<model_t> m = std::make_unique<model_t>();
    std::vector<double> logits;
    double loss = 0;

    parity_run(std::span<const double> params, std::span<const double> x, unsigned label) {
        BOOST_TEST_REQUIRE(params.size() == model_t::parameter_count);
        BOOST_TEST_REQUIRE(x.size() == In::size);
        std::copy(params.begin(), params.end(), m->parameters().begin());
        auto input = std::make_unique<typename model_t::input_type>();
        std::transform(x.begin(), x.end(), input->begin(), [](double v) { return T(v); });
        const auto& out = m->forward(*input);
        logits.assign(out.begin(), out.end());
        loss = double(m->forward_backward(*input, label));
    }
    /// The gradient of parameter tensor `tensor_index` (parameter_entries() order).
    std::span<const T> gradient(std::size_t tensor_index) const {
        const auto e = model_t::parameter_entries().at(tensor_index);
        return m->gradients().subspan(e.offset, e.desc.size());
    }
};

/// Logits element by element, and the loss to rtol.
template<class Net, class In, class T>
void check_outputs(const parity_run<Net, In, T>& r, std::span<const double> logits, double loss,
                   const std::string& what) {
    const auto tol = parity_tolerance<T>();
    check_close(r.logits, logits, tol.rtol, tol.atol, what + " logits");
    BOOST_TEST(std::abs(r.loss - loss) <= tol.rtol * loss,
               what << " loss " << r.loss << " vs " << loss);
}

/// One reference run of the generator: parameters, sample and PyTorch's results.
struct parity_reference {
    std::span<const double> params, x;
    unsigned label;
    std::span<const double> logits;
    double loss;
    std::span<const double> grads, dx;
};

/// The reference run named `prefix` in namespace `ns` (prefix_params, prefix_x, ...).
#define TYPENET_PARITY_REFERENCE(ns, prefix)                                                       \
    ::typenet::test::parity_reference {                                                            \
        ns::prefix##_params, ns::prefix##_x, ns::prefix##_label, ns::prefix##_logits,              \
            ns::prefix##_loss, ns::prefix##_grads, ns::prefix##_dx                                 \
    }

/// Runs the reference's parameters and sample through model<Net, In, T>: logits, loss, every
/// parameter gradient and dL/dx against PyTorch's. Returns the run.
template<class Net, class In, class T>
parity_run<Net, In, T> check_parity(const parity_reference& ref, const std::string& what) {
    parity_run<Net, In, T> r(ref.params, ref.x, ref.label);
    check_outputs(r, ref.logits, ref.loss, what);
    const auto tol = parity_tolerance<T>();
    check_close(r.m->gradients(), ref.grads, tol.rtol, tol.atol, what + " parameter gradients");
    check_close(r.m->input_gradient(), ref.dx, tol.rtol, tol.atol, what + " dL/dx");
    return r;
}

} // namespace typenet::test
