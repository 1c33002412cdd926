// 02_shape_error: shapes are checked when the network type meets its input shape.
//
// The program builds a small network for 1x10x10 inputs, prints what the compiler derived and runs
// it. A block at the end of main() binds the same network to 1x9x9 — a mistake: the 3x3 conv
// leaves 4x7x7, and a 2x2 max-pool cannot tile a 7x7 map. typenet refuses to compile it, with one
// error naming the rule, the layer and the shape (the full g++ and clang text is in docs/dsl.md).
// To see it, build with -DTYPENET_SHOW_SHAPE_ERROR, or delete the #ifdef/#endif around the block.
// CTest does both: it runs this program, and checks that the mistake fails with that message.

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <stdexcept>

#include "typenet.hpp"

namespace tn = typenet;

// A reusable block (a seq inside a seq) and the network built from it.
using features = tn::seq<tn::conv<3, 3, tn::filters<4>>, tn::relu, tn::maxpool<2>>;
using net = tn::seq<features, tn::dense<10>, tn::softmax_ce>;

// The rules are also traits, so a shape can be tested without compiling an error.
static_assert(tn::fits_v<tn::maxpool<2>, tn::shape<4, 8, 8>>);  // 1x10x10 -> conv -> 4x8x8
static_assert(!tn::fits_v<tn::maxpool<2>, tn::shape<4, 7, 7>>); // 1x9x9   -> conv -> 4x7x7
static_assert(!tn::fits_v<tn::conv<5, 5>, tn::shape<1, 3, 3>>); // kernel larger than the map

int main() {
    using correct = tn::model<net, tn::shape<1, 10, 10>, double>;
    std::printf("%s\n", tn::summary<net, tn::shape<1, 10, 10>>().c_str());

    correct m;
    // Deterministic, non-zero parameters (model starts at zero; optim/ has the real initialisers).
    auto params = m.parameters();
    for (std::size_t i = 0; i < params.size(); ++i)
        params[i] = 0.1 * std::sin(0.37 * static_cast<double>(i + 1));
    correct::input_type x;
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = std::cos(0.11 * static_cast<double>(i));

    const auto& logits = m.forward(x);
    std::printf("logits of the correct network:");
    for (double f : logits)
        std::printf(" %.6f", f);
    const double loss = m.forward_backward(x, 3);
    std::printf("\nloss for label 3: %.6f\n", loss);

    // Shapes are checked by the compiler; labels can only be checked at run time.
    try {
        m.forward_backward(x, 10);
        std::printf("MISMATCH: label 10 of 10 classes was accepted\n");
        return 1;
    } catch (const std::out_of_range& e) {
        std::printf("label 10 rejected at run time: %s\n", e.what());
    }

    // ---- The mistake ------------------------------------------------------------------------
    // The same network on 1x9x9 images. conv<3,3> makes 4x7x7, and maxpool<2> would have to drop
    // the last row and column (PyTorch does so silently). This does not compile; g++ 12 says
    //   error: static assertion failed: typenet::maxpool/avgpool: the PxP window does not tile
    //          the input exactly; choose P dividing H and W, or change the previous layer
    //   note: 'typenet::pool_tiles<typenet::maxpool<2>, typenet::shape<4, 7, 7> >()' evaluates
    //         to false
    // and that is the only error: the layers after the failed one are not checked again.
    // Fix: a 1x10x10 input (as above), conv<4,4> (4x6x6), or avgpool/maxpool<7>.
#ifdef TYPENET_SHOW_SHAPE_ERROR
    tn::model<net, tn::shape<1, 9, 9>> wrong;
    wrong.forward({});
#endif
    return 0;
}
