// The engine through typenet::typenet: a network of dsl/, trained one step by hand.
#include "typenet/dsl/lenet5.hpp"

#include <cmath>
#include <cstdio>

#include "typenet.hpp"

int main() {
    typenet::model<typenet::dsl::lenet5, typenet::dsl::lenet5_input> m;
    typenet::model<typenet::dsl::lenet5, typenet::dsl::lenet5_input>::input_type x{};
    // All-zero parameters: every logit is 0, so the loss is log(10).
    const float loss = m.forward_backward(x, 7);
    if (std::fabs(loss - std::log(10.0f)) > 1e-5f) {
        std::printf("engine: loss %g, expected log(10)\n", static_cast<double>(loss));
        return 1;
    }
    std::printf("engine: %zu parameters, loss %.6f\n", m.parameters().size(),
                static_cast<double>(loss));
    return 0;
}
