// The conv kernels of include/typenet/kernels/ for the forms small CNNs use (3×3 with padding 1 at
// stride 1 and 2, 1×1, depthwise 3×3 with padding 1 at stride 1 and 2) against a plain loop of
// the same formula, in GFLOP/s (docs/performance.md, "Conv kernels"):
//
//   conv_kernels_bench [--quick] [--min-time S] [--reps N]
//
// For C = F = 16, 32, 64 on 28×28, 14×14 and 7×7 inputs, float and double, each pass of the conv
// (forward z = conv(x, K), weight gradient dK, input gradient dx) is timed through its kernel and
// through the loop. Each measurement warms up, then runs `reps` repetitions of at least
// `min-time` seconds and reports the median. FLOPs are 2 × the pass's multiply-adds, counted
// from the shapes (conv_geometry::macs, the same for the three passes); padding taps are not
// multiply-adds. --quick runs a few iterations (numbers meaningless).

#include "typenet/kernels/conv_geometry.hpp"
#include "typenet/kernels/depthwise_conv_forward.hpp"
#include "typenet/kernels/depthwise_conv_input_gradient.hpp"
#include "typenet/kernels/depthwise_conv_weight_gradient.hpp"
#include "typenet/kernels/padded_conv_forward.hpp"
#include "typenet/kernels/padded_conv_input_gradient.hpp"
#include "typenet/kernels/padded_conv_weight_gradient.hpp"
#include "typenet/kernels/pointwise_conv.hpp"
#include "typenet/kernels/pointwise_conv_weight_gradient.hpp"
#include "typenet/ops/conv2d.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace tn = typenet;
namespace tk = typenet::kernels;

namespace {

struct options {
    double min_time = 0.05;
    int reps = 5;
};

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

volatile double sink = 0;

/// Median seconds per call of fn() over `reps` repetitions of at least min_time each.
template<class Fn>
double time_calls(const options& opt, Fn&& fn) {
    const auto w0 = clock_type::now();
    do
        fn();
    while (seconds_since(w0) < opt.min_time / 5);
    std::vector<double> per_call;
    for (int r = 0; r < opt.reps; ++r) {
        std::size_t calls = 0;
        const auto t0 = clock_type::now();
        double elapsed = 0;
        do {
            fn();
            ++calls;
        } while ((elapsed = seconds_since(t0)) < opt.min_time);
        per_call.push_back(elapsed / double(calls));
    }
    std::sort(per_call.begin(), per_call.end());
    return per_call[per_call.size() / 2];
}

template<class T>
std::vector<T> random_vector(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> dist(-1, 1);
    std::vector<T> v(n);
    for (auto& e : v)
        e = T(dist(gen));
    return v;
}

/// The plain loops: every product of the conv (PyTorch's Conv2d with groups), as written from
/// the formulas, in T.
template<class Cv>
struct naive {
    template<class Fn>
    static void for_each_product(Fn&& fn) {
        for (std::size_t f = 0; f < Cv::F; ++f) {
            const std::size_t g = f / Cv::FG;
            for (std::size_t c = 0; c < Cv::CG; ++c)
                for (std::size_t m = 0; m < Cv::KH; ++m)
                    for (std::size_t n = 0; n < Cv::KW; ++n)
                        for (std::size_t i = 0; i < Cv::OH; ++i)
                            for (std::size_t j = 0; j < Cv::OW; ++j) {
                                const std::size_t h = i * Cv::SH + m, w = j * Cv::SW + n;
                                if (h < Cv::PH || h - Cv::PH >= Cv::H || w < Cv::PW ||
                                    w - Cv::PW >= Cv::W)
                                    continue;
                                fn(((f * Cv::CG + c) * Cv::KH + m) * Cv::KW + n,
                                   ((g * Cv::CG + c) * Cv::H + h - Cv::PH) * Cv::W + w - Cv::PW,
                                   (f * Cv::OH + i) * Cv::OW + j);
                            }
        }
    }
    template<class T>
    static void forward(T* z, const T* x, const T* k) {
        std::fill(z, z + Cv::F * Cv::OH * Cv::OW, T{});
        for_each_product(
            [&](std::size_t ki, std::size_t xi, std::size_t zi) { z[zi] += x[xi] * k[ki]; });
    }
    template<class T>
    static void weight_gradient(T* dk, const T* x, const T* dz) {
        std::fill(dk, dk + Cv::F * Cv::CG * Cv::KH * Cv::KW, T{});
        for_each_product(
            [&](std::size_t ki, std::size_t xi, std::size_t zi) { dk[ki] += x[xi] * dz[zi]; });
    }
    template<class T>
    static void input_gradient(T* dx, const T* k, const T* dz) {
        std::fill(dx, dx + Cv::C * Cv::H * Cv::W, T{});
        for_each_product(
            [&](std::size_t ki, std::size_t xi, std::size_t zi) { dx[xi] += k[ki] * dz[zi]; });
    }
};

/// The kernels of each form, by pass.
struct padded_form {
    static constexpr const char* name = "3x3 pad 1";
    template<std::size_t N, std::size_t S, std::size_t St>
    using op = tn::ops::conv2d<3, 3, N, tn::shape<N, S, S>, St, St, 1, 1, 1>;
    template<class Cv, class T>
    static void forward(T* z, const T* x, const T* k) {
        tk::padded_conv_forward<Cv, false>(z, x, k);
    }
    template<class Cv, class T>
    static void weight_gradient(T* dk, const T* x, const T* dz) {
        tk::padded_conv_weight_gradient<Cv, false>(dk, x, dz);
    }
    template<class Cv, class T>
    static void input_gradient(T* dx, const T* k, const T* dz) {
        tk::padded_conv_input_gradient<Cv, false>(dx, k, dz);
    }
};
struct pointwise_form {
    static constexpr const char* name = "1x1";
    template<std::size_t N, std::size_t S, std::size_t St>
    using op = tn::ops::conv2d<1, 1, N, tn::shape<N, S, S>, St, St, 0, 0, 1>;
    template<class Cv, class T>
    static void forward(T* z, const T* x, const T* k) {
        tk::pointwise_conv_forward<Cv, false>(z, x, k);
    }
    template<class Cv, class T>
    static void weight_gradient(T* dk, const T* x, const T* dz) {
        tk::pointwise_conv_weight_gradient<Cv, false>(dk, x, dz);
    }
    template<class Cv, class T>
    static void input_gradient(T* dx, const T* k, const T* dz) {
        tk::pointwise_conv_input_gradient<Cv, false>(dx, k, dz);
    }
};
struct depthwise_form {
    static constexpr const char* name = "depthwise 3x3 pad 1";
    template<std::size_t N, std::size_t S, std::size_t St>
    using op = tn::ops::conv2d<3, 3, N, tn::shape<N, S, S>, St, St, 1, 1, N>;
    template<class Cv, class T>
    static void forward(T* z, const T* x, const T* k) {
        tk::depthwise_conv_forward<Cv, false>(z, x, k);
    }
    template<class Cv, class T>
    static void weight_gradient(T* dk, const T* x, const T* dz) {
        tk::depthwise_conv_weight_gradient<Cv, false>(dk, x, dz);
    }
    template<class Cv, class T>
    static void input_gradient(T* dx, const T* k, const T* dz) {
        tk::depthwise_conv_input_gradient<Cv, false>(dx, k, dz);
    }
};

const char* type_name(float) {
    return "float";
}
const char* type_name(double) {
    return "double";
}

/// The conv's three expressions exactly as ops::conv2d (O) writes them, group by group, each
/// evaluated by Assign (typenet::assignment: whatever evaluator the expression selects, or
/// typenet::generic_assignment).
template<class O, template<class, class, class> class Assign>
struct op_passes {
    static constexpr std::size_t G = O::groups, KH = tn::dim_v<typename O::weight_shape, 2>,
                                 KW = tn::dim_v<typename O::weight_shape, 3>;
    template<class Dst, class E, class Op>
    static void run(const Dst& d, const E& e, Op op) {
        Assign<Dst, E, Op>::run(d, e, op);
    }
    template<class T>
    static void forward(T* z, const T* x, const T* k) {
        const tn::tensor_view<T, typename O::output_shape> zv(z);
        const tn::tensor_view<const T, typename O::input_shape> xv(x);
        const tn::tensor_view<const T, typename O::weight_shape> kv(k);
        for (std::size_t g = 0; g < G; ++g)
            run(tn::group<G>(zv, g),
                O::strided(
                    tn::correlate_channels(O::padded(tn::group<G>(xv, g)), tn::group<G>(kv, g))),
                tn::assign_op{});
    }
    template<class T>
    static void weight_gradient(T* dk, const T* x, const T* dz) {
        const tn::tensor_view<T, typename O::weight_shape> dkv(dk);
        const tn::tensor_view<const T, typename O::input_shape> xv(x);
        const tn::tensor_view<const T, typename O::output_shape> dzv(dz);
        for (std::size_t g = 0; g < G; ++g)
            run(tn::group<G>(dkv, g),
                tn::correlate_outer(O::padded(tn::group<G>(xv, g)),
                                    O::dilated(tn::group<G>(dzv, g))),
                tn::assign_op{});
    }
    template<class T>
    static void input_gradient(T* dx, const T* k, const T* dz) {
        const tn::tensor_view<T, typename O::input_shape> dxv(dx);
        const tn::tensor_view<const T, typename O::weight_shape> kv(k);
        const tn::tensor_view<const T, typename O::output_shape> dzv(dz);
        for (std::size_t g = 0; g < G; ++g)
            run(tn::group<G>(dxv, g),
                O::cropped(tn::correlate_channels(
                    tn::zero_pad<KH - 1, KW - 1>(O::dilated(tn::group<G>(dzv, g))),
                    tn::rot180(tn::transpose(tn::group<G>(kv, g))))),
                tn::assign_op{});
    }
};

/// One row per pass of form Form at C = F = N on S×S at stride St: the kernel, the conv's
/// expression through `assignment` (the evaluator it selects) and through the generic
/// evaluation, and the plain loop.
template<class T, class Form, std::size_t N, std::size_t S, std::size_t St>
void rows_of(const options& opt) {
    using O = typename Form::template op<N, S, St>;
    using Cv = tk::conv_geometry<N, S, S, N, tn::dim_v<typename O::weight_shape, 2>,
                                 tn::dim_v<typename O::weight_shape, 3>, St, St, O::pad_h, O::pad_w,
                                 O::groups>;
    using fast = op_passes<O, tn::assignment>;
    using generic = op_passes<O, tn::generic_assignment>;
    const auto x = random_vector<T>(Cv::C * Cv::H * Cv::W, 1);
    const auto k = random_vector<T>(Cv::F * Cv::CG * Cv::KH * Cv::KW, 2);
    const auto dz = random_vector<T>(Cv::F * Cv::OH * Cv::OW, 3);
    std::vector<T> z(dz.size()), dk(k.size()), dx(x.size());
    const double gflop = 2.0 * double(Cv::macs) / 1e9;
    const auto rate = [&](auto&& fn, const std::vector<T>& out) {
        return gflop / time_calls(opt, [&] {
                   fn();
                   sink = sink + double(out[0]);
               });
    };
    const char* passes[] = {"forward", "dK", "dx"};
    double r[3][4];
    r[0][0] = rate([&] { Form::template forward<Cv>(z.data(), x.data(), k.data()); }, z);
    r[0][1] = rate([&] { fast::forward(z.data(), x.data(), k.data()); }, z);
    r[0][2] = rate([&] { generic::forward(z.data(), x.data(), k.data()); }, z);
    r[0][3] = rate([&] { naive<Cv>::forward(z.data(), x.data(), k.data()); }, z);
    r[1][0] = rate([&] { Form::template weight_gradient<Cv>(dk.data(), x.data(), dz.data()); }, dk);
    r[1][1] = rate([&] { fast::weight_gradient(dk.data(), x.data(), dz.data()); }, dk);
    r[1][2] = rate([&] { generic::weight_gradient(dk.data(), x.data(), dz.data()); }, dk);
    r[1][3] = rate([&] { naive<Cv>::weight_gradient(dk.data(), x.data(), dz.data()); }, dk);
    r[2][0] = rate([&] { Form::template input_gradient<Cv>(dx.data(), k.data(), dz.data()); }, dx);
    r[2][1] = rate([&] { fast::input_gradient(dx.data(), k.data(), dz.data()); }, dx);
    r[2][2] = rate([&] { generic::input_gradient(dx.data(), k.data(), dz.data()); }, dx);
    r[2][3] = rate([&] { naive<Cv>::input_gradient(dx.data(), k.data(), dz.data()); }, dx);
    for (int p = 0; p < 3; ++p) {
        std::printf("| %s | %s | %zu | %zu | %zux%zu | %s | %zu | %.1f | %.1f | %.2f | %.1f | "
                    "%.0f |\n",
                    type_name(T{}), Form::name, St, N, S, S, passes[p], std::size_t(Cv::macs),
                    r[p][0], r[p][1], r[p][2], r[p][3], r[p][1] / r[p][2]);
        std::printf("result type=%s form=%s stride=%zu channels=%zu map=%zu pass=%s kernel=%.3f "
                    "assignment=%.3f generic=%.4f loop=%.3f\n",
                    type_name(T{}), Form::name, St, N, S, passes[p], r[p][0], r[p][1], r[p][2],
                    r[p][3]);
    }
    std::fflush(stdout);
}

template<class T, std::size_t N, std::size_t S>
void rows_for_size(const options& opt) {
    rows_of<T, padded_form, N, S, 1>(opt);
    rows_of<T, padded_form, N, S, 2>(opt);
    rows_of<T, pointwise_form, N, S, 1>(opt);
    rows_of<T, depthwise_form, N, S, 1>(opt);
    rows_of<T, depthwise_form, N, S, 2>(opt);
}

template<class T>
void rows(const options& opt) {
    rows_for_size<T, 16, 28>(opt);
    rows_for_size<T, 16, 14>(opt);
    rows_for_size<T, 16, 7>(opt);
    rows_for_size<T, 32, 28>(opt);
    rows_for_size<T, 32, 14>(opt);
    rows_for_size<T, 32, 7>(opt);
    rows_for_size<T, 64, 28>(opt);
    rows_for_size<T, 64, 14>(opt);
    rows_for_size<T, 64, 7>(opt);
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int a = 1; a < argc; ++a) {
        if (std::strcmp(argv[a], "--quick") == 0) {
            opt.min_time = 0.001;
            opt.reps = 1;
        } else if (std::strcmp(argv[a], "--min-time") == 0 && a + 1 < argc) {
            opt.min_time = std::atof(argv[++a]);
        } else if (std::strcmp(argv[a], "--reps") == 0 && a + 1 < argc) {
            opt.reps = std::atoi(argv[++a]);
        } else {
            std::fprintf(stderr, "usage: %s [--quick] [--min-time S] [--reps N]\n", argv[0]);
            return 2;
        }
    }
    std::printf("GFLOP/s of each pass of the conv, C = F; MACs per pass\n\n");
    std::printf("| type | form | stride | C=F | map | pass | MACs | kernel | assignment | generic "
                "| loop | assignment / generic |\n");
    std::printf("| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
                "|\n");
    rows<float>(opt);
    rows<double>(opt);
    return int(sink * 0);
}
