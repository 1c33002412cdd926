#pragma once
// pack<T>: a fixed-width SIMD register of T, as the GCC/Clang vector extension, so kernels can name
// "one register of lanes" and keep a register block of accumulators without intrinsics.
// Arithmetic (+ - *) is lane-wise and contracts to FMA where the target has it.
// The width is 32 bytes (8 floats, 4 doubles) when the target has AVX: the width g++ and clang
// prefer on AVX-512 machines too (wider registers lower the clock). Otherwise it is 16 bytes, the
// SSE2/NEON register; a wider pack would change the ABI of the inline helpers (-Wpsabi).

#include <cmath>
#include <cstddef>
#include <cstring>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace typenet::simd {

namespace detail {
template<class T>
struct pack_type {
#if defined(__AVX__)
    static constexpr std::size_t bytes = 32;
#else
    static constexpr std::size_t bytes = 16;
#endif
    typedef T type __attribute__((vector_size(bytes)));
};
} // namespace detail

template<class T>
using pack = typename detail::pack_type<T>::type;

/// Lanes in a pack of T.
template<class T>
inline constexpr std::size_t width = detail::pack_type<T>::bytes / sizeof(T);

/// Accumulator registers the kernels may block over: 32 vector registers with AVX-512, 16 with
/// AVX/AVX2 (and as a guess elsewhere). A block uses at most about three quarters of them.
#if defined(__AVX512F__)
inline constexpr std::size_t registers = 32;
#else
inline constexpr std::size_t registers = 16;
#endif

/// The first N lanes from p (N <= width<T>), the rest zero. Reads exactly N elements.
template<std::size_t N, class T>
inline pack<T> load(const T* p) {
    static_assert(N >= 1 && N <= width<T>);
    pack<T> v{};
    std::memcpy(&v, p, N * sizeof(T));
    return v;
}

/// Writes the first N lanes of v to p (N <= width<T>).
template<std::size_t N, class T>
inline void store(T* p, pack<T> v) {
    static_assert(N >= 1 && N <= width<T>);
    std::memcpy(p, &v, N * sizeof(T));
}

/// Every lane s.
template<class T>
inline pack<T> broadcast(T s) {
    return pack<T>{} + s;
}

/// The sum of the lanes.
template<class T>
inline T reduce_add(pack<T> v) {
    T total{};
    for (std::size_t l = 0; l < width<T>; ++l)
        total += v[l];
    return total;
}

/// Lane-wise IEEE square root. std::sqrt in a loop does not vectorise under g++'s and clang's
/// default -fmath-errno (negative inputs must set errno), so the AVX instruction is named here;
/// the result is the same correctly rounded root.
template<class T>
inline pack<T> sqrt(pack<T> v) {
#if defined(__AVX__)
    if constexpr (sizeof(T) == 4) {
        __m256 r = _mm256_sqrt_ps(reinterpret_cast<__m256>(v));
        return reinterpret_cast<pack<T>>(r);
    } else if constexpr (sizeof(T) == 8) {
        __m256d r = _mm256_sqrt_pd(reinterpret_cast<__m256d>(v));
        return reinterpret_cast<pack<T>>(r);
    }
#endif
    pack<T> r;
    for (std::size_t l = 0; l < width<T>; ++l)
        r[l] = std::sqrt(v[l]);
    return r;
}

} // namespace typenet::simd
