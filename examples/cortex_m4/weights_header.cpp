// weights_header: writes a network's parameters and buffers as a C++ header of constexpr arrays
// (io/weights_header.hpp) for a target that runs them from flash with typenet::inference.
//
//   weights_header --model lenet5 --weights lenet5.safetensors --namespace fashion_lenet5
//                  --out lenet5_weights.hpp
//   weights_header --model small --init kaiming_uniform --seed 1 --namespace small_init
//                  --out small_init.hpp
//
// --weights reads a safetensors file, checked against the network's signature, names and shapes
// (io/safetensors.hpp); --init writes freshly initialised parameters instead (a device that
// trains starts from them). Errors name the file or option and exit with status 1.
#include "typenet/io/weights_header.hpp"

#include "typenet/dsl/resnet.hpp"
#include "typenet/io/safetensors.hpp"
#include "typenet/optim/init.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "examples/cortex_m4/networks.hpp"
#include "typenet.hpp"

namespace tn = typenet;

namespace {

struct options {
    std::string model, weights, init, ns, out;
    std::uint64_t seed = 1;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "weights_header: %s\nusage: weights_header --model lenet5|separable|resnet|small "
                 "(--weights FILE.safetensors | --init pytorch_default|kaiming_uniform|"
                 "xavier_uniform [--seed N]) --namespace NAME --out HEADER.hpp\n",
                 why.c_str());
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc)
            usage("option " + std::string(a) + " needs a value");
        const std::string v = argv[++i];
        if (a == "--model")
            o.model = v;
        else if (a == "--weights")
            o.weights = v;
        else if (a == "--init")
            o.init = v;
        else if (a == "--namespace")
            o.ns = v;
        else if (a == "--out")
            o.out = v;
        else if (a == "--seed") {
            char* end = nullptr;
            o.seed = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || v[0] == '-')
                usage("--seed '" + v + "' is not a non-negative integer");
        } else
            usage("unknown option " + std::string(a));
    }
    if (o.weights.empty() == o.init.empty())
        usage("give exactly one of --weights and --init");
    if (o.ns.empty() || o.out.empty())
        usage("--namespace and --out are required");
    return o;
}

template<class Net, class In>
void write(const options& o) {
    static tn::model<Net, In> m;
    if (!o.weights.empty())
        tn::load_safetensors(m, o.weights);
    else
        tn::init_parameters(m, tn::parse_init_scheme(o.init), o.seed);
    const std::string source = o.weights.empty()
                                   ? "--init " + o.init + " --seed " + std::to_string(o.seed)
                                   : std::filesystem::path(o.weights).filename().string();
    tn::write_weights_header(m, o.out, o.ns, source);
    std::printf("%s: %zu parameters, %zu buffer values of %s\n", o.out.c_str(), m.parameter_count,
                m.buffer_count, m.signature().c_str());
}

} // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    try {
        using image = cortex_m4::image_shape;
        if (o.model == "lenet5")
            write<cortex_m4::lenet5, image>(o);
        else if (o.model == "separable")
            write<cortex_m4::separable, image>(o);
        else if (o.model == "resnet")
            write<tn::dsl::resnet_fmnist, tn::dsl::resnet_fmnist_input>(o);
        else if (o.model == "small")
            write<cortex_m4::small, image>(o);
        else
            usage("--model '" + o.model + "' is not lenet5, separable, resnet or small");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weights_header: %s\n", e.what());
        return 1;
    }
    return 0;
}
