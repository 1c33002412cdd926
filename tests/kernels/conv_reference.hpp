#pragma once
// Plain nested loops of PyTorch's Conv2d (stride, zero padding, groups), written from the
// formulas, in double, for the conv kernels' tests; and the harness that runs a kernel with = and
// with += on random data and compares it with them.
//   z[f][i][j]  = sum_{c<CG,m,n} x[g·CG + c][i·SH + m − PH][j·SW + n − PW] · K[f][c][m][n]
//   dK[f][c][m][n] = sum_{i,j} x[g·CG + c][i·SH + m − PH][j·SW + n − PW] · dz[f][i][j]
//   dx[g·CG + c][h][w] = sum_{f in g, m, n, i, j: i·SH + m − PH = h, j·SW + n − PW = w}
//                        K[f][c][m][n] · dz[f][i][j]
// with g = f / FG and an index outside the input reading zero.

#include "typenet/kernels/conv_geometry.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "../support/check.hpp"

namespace typenet::test {

template<class Cv>
struct conv_reference {
    /// Calls fn(f, c, m, n, i, j, xi) for every product of the conv, xi the index of the input
    /// element in x (padding taps left out), c the channel within the group.
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
                                const std::size_t xi =
                                    ((g * Cv::CG + c) * Cv::H + h - Cv::PH) * Cv::W + w - Cv::PW;
                                fn(f, c, m, n, i, j, xi);
                            }
        }
    }
    static std::size_t k_index(std::size_t f, std::size_t c, std::size_t m, std::size_t n) {
        return ((f * Cv::CG + c) * Cv::KH + m) * Cv::KW + n;
    }
    static std::size_t z_index(std::size_t f, std::size_t i, std::size_t j) {
        return (f * Cv::OH + i) * Cv::OW + j;
    }

    template<class T>
    static std::vector<double> forward(const std::vector<T>& x, const std::vector<T>& k) {
        std::vector<double> z(Cv::F * Cv::OH * Cv::OW, 0.0);
        for_each_product([&](auto f, auto c, auto m, auto n, auto i, auto j, auto xi) {
            z[z_index(f, i, j)] += double(x[xi]) * double(k[k_index(f, c, m, n)]);
        });
        return z;
    }
    template<class T>
    static std::vector<double> weight_gradient(const std::vector<T>& x, const std::vector<T>& dz) {
        std::vector<double> dk(Cv::F * Cv::CG * Cv::KH * Cv::KW, 0.0);
        for_each_product([&](auto f, auto c, auto m, auto n, auto i, auto j, auto xi) {
            dk[k_index(f, c, m, n)] += double(x[xi]) * double(dz[z_index(f, i, j)]);
        });
        return dk;
    }
    template<class T>
    static std::vector<double> input_gradient(const std::vector<T>& k, const std::vector<T>& dz) {
        std::vector<double> dx(Cv::C * Cv::H * Cv::W, 0.0);
        for_each_product([&](auto f, auto c, auto m, auto n, auto i, auto j, auto xi) {
            dx[xi] += double(k[k_index(f, c, m, n)]) * double(dz[z_index(f, i, j)]);
        });
        return dx;
    }
};

template<class T>
std::vector<T> random_vector(std::size_t n, unsigned seed) {
    std::vector<T> v(n);
    fill_uniform(v, seed);
    return v;
}

/// Runs `kernel(out, accumulate)` twice from the same random destination, once assigning and
/// once accumulating, and compares with `expected` (a sum of `terms` products of numbers in
/// [-1, 1] per element, computed in double): out = expected, and out = start + expected.
template<class T, class Kernel>
void check_assign_and_accumulate(const std::vector<double>& expected, std::size_t terms,
                                 unsigned seed, const Kernel& kernel, const std::string& what) {
    const double eps = std::is_same_v<T, float> ? 6e-8 : 1.2e-16;
    // The kernel's rounding grows with the terms it sums; relative to the partial sums, about
    // sqrt(terms) / 3 for uniform products; one rounding of the start value for +=.
    const double atol = 4 * eps * double(terms + 2) * (1 + std::sqrt(double(terms)) / 3);
    const std::vector<T> start = random_vector<T>(expected.size(), seed);
    std::vector<T> out = start;
    kernel(out.data(), std::false_type{});
    check_close(out, expected, 4 * eps, atol, what + " (=)");
    std::vector<double> sum(expected.size());
    for (std::size_t e = 0; e < expected.size(); ++e)
        sum[e] = double(start[e]) + expected[e];
    out = start;
    kernel(out.data(), std::true_type{});
    check_close(out, sum, 4 * eps, atol, what + " (+=)");
}

/// "C=16 28x28 F=32 stride 2,2 padding 1,1": a geometry as the checks' messages name it.
template<class Cv>
std::string describe_geometry() {
    return "C=" + std::to_string(Cv::C) + " " + std::to_string(Cv::H) + "x" +
           std::to_string(Cv::W) + " F=" + std::to_string(Cv::F) + " stride " +
           std::to_string(Cv::SH) + "," + std::to_string(Cv::SW) + " padding " +
           std::to_string(Cv::PH) + "," + std::to_string(Cv::PW);
}

} // namespace typenet::test
