// Built with -fno-exceptions -fno-rtti, as for a small target (tests/freestanding/
// CMakeLists.txt). A bad label reaches the label error handler the program installed, or, with
// none installed, std::abort; an optimiser given an invalid setting aborts too. The program says
// which path ran; the CTest cases match its output.
//   label_handler handler   a handler is installed: it prints the label and the class count
//   label_handler default   no handler: std::abort (caught here as SIGABRT)
//   label_handler options   sgd with a negative learning rate: std::abort
#define TYPENET_STATIC_STORAGE 1
#include "typenet/dsl/lenet5.hpp"
#include "typenet/optim/sgd.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "typenet.hpp"

#if TYPENET_EXCEPTIONS
#error "this program is built without exceptions"
#endif

namespace tn = typenet;

namespace {
tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input> m;
tn::model<tn::dsl::lenet5, tn::dsl::lenet5_input>::input_type x;

void report(long long label, std::size_t classes) {
    std::printf("label handler: label %lld for %zu classes\n", label, classes);
    std::fflush(stdout);
    std::_Exit(0);
}
extern "C" void on_abort(int) {
    std::printf("std::abort called\n");
    std::fflush(stdout);
    std::_Exit(0);
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 2)
        return 2;
    std::signal(SIGABRT, on_abort);
    const float good = m.forward_backward(x, 3); // all-zero parameters: log(10)
    std::printf("label 3: loss %.6f\n", static_cast<double>(good));
    if (std::strcmp(argv[1], "handler") == 0)
        tn::set_label_error_handler(report);
    if (std::strcmp(argv[1], "options") == 0) {
        tn::sgd_options o;
        o.lr = -1.0;
        tn::sgd<float, 4> refused(o);
        (void)refused;
    } else {
        m.forward_backward(x, 10);
    }
    std::printf("the bad input went through\n");
    return 1;
}
