#pragma once
// Shared by the conv kernel tests (correlate_channels, correlate_outer, conv_input_gradient):
// `dst op= e` by the generic loop, from a random destination, and the comparison with a kernel's
// result.

#include "typenet/expr/assign.hpp"
#include "typenet/tensor/tensor.hpp"

#include <cstddef>
#include <string>

#include "../support/check.hpp"
#include "../support/fast_path.hpp"

namespace typenet::test {

/// Calls kernel(dst pointer, accumulate) on a random destination, and compares it with
/// `dst (=|+=) e` through the generic loop from the same destination; each element is a sum of
/// `terms` products.
template<class T, class E, class Kernel>
void compare_kernel(const E& e, Kernel kernel, unsigned seed, std::size_t terms,
                    const std::string& what) {
    using S = typename E::shape_type;
    const auto b = reordered_sum_bound<T>(terms);
    for (const bool accumulate : {false, true}) {
        tensor<T, S> fast, ref;
        fill_uniform(fast, seed);
        ref = std::as_const(fast).view();
        kernel(fast.data(), accumulate);
        if (accumulate)
            generic_assignment<tensor_view<T, S>, E, add_assign_op>::run(ref.view(), e, {});
        else
            generic_assignment<tensor_view<T, S>, E, assign_op>::run(ref.view(), e, {});
        check_close(fast, ref, b.rtol, b.atol, what + (accumulate ? " +=" : " ="));
    }
}

} // namespace typenet::test
