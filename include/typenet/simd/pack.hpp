#pragma once
// pack<T>: a fixed-width SIMD register of T, as the GCC/Clang vector extension, so kernels can name
// "one register of lanes" and keep a register block of accumulators without intrinsics.
// Arithmetic (+ - *) is lane-wise and contracts to FMA where the target has it.
// The width is the widest register the build's target has: 64 bytes (16 floats, 8 doubles) with
// AVX-512F, 32 bytes (8 floats, 4 doubles) with AVX, 16 bytes with SSE2 or NEON, and one lane
// on a target without a vector unit (or with TYPENET_SCALAR_PACKS defined). It follows
// the target flags (-march) rather than the machine: a pack wider than the target's registers
// would be split by the compiler and change how the inline helpers pass it (g++ -Wpsabi).
// tests/simd/pack_test.cpp checks the width for the flags it is built with.

#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace typenet::simd {

namespace detail {
template<class T>
struct pack_type {
#if defined(TYPENET_SCALAR_PACKS)
    static constexpr std::size_t bytes = sizeof(T);
#elif defined(__AVX512F__)
    static constexpr std::size_t bytes = 64;
#elif defined(__AVX__)
    static constexpr std::size_t bytes = 32;
#elif defined(__SSE2__) || defined(__ARM_NEON) || defined(__ALTIVEC__) || defined(__wasm_simd128__)
    static constexpr std::size_t bytes = 16;
#else
    // No vector unit (a Cortex-M4F, a build with TYPENET_SCALAR_PACKS...): one lane, which the
    // compiler keeps in a scalar register. A 16-byte vector would be split into scalar code all
    // the same, but with four times the live values of every register block.
    static constexpr std::size_t bytes = sizeof(T);
#endif
    typedef T type __attribute__((vector_size(bytes)));
};
} // namespace detail

template<class T>
using pack = typename detail::pack_type<T>::type;

/// Whether pack kernels can run on these element types: one floating type throughout (the
/// operands may be const); other element types keep the generic loops.
template<class TD, class... TS>
inline constexpr bool packable_v = std::is_floating_point_v<TD> &&
                                   (std::is_same_v<std::remove_const_t<TS>, TD> && ...);

/// Lanes in a pack of T.
template<class T>
inline constexpr std::size_t width = detail::pack_type<T>::bytes / sizeof(T);

/// Accumulator registers the kernels may block over: 32 vector registers with AVX-512, 16 with
/// AVX/AVX2 (and as a guess elsewhere). A block uses at most about three quarters of them.
#if defined(__AVX512F__) && !defined(TYPENET_SCALAR_PACKS)
inline constexpr std::size_t registers = 32;
#else
inline constexpr std::size_t registers = 16;
#endif

/// The first N lanes from p (N <= width<T>), the rest zero. Reads exactly N elements: a partial
/// pack is a masked load where the target has one (a plain copy into a zeroed register would go
/// through the stack, and the reload stalls on store forwarding).
template<std::size_t N, class T>
inline pack<T> load(const T* p) {
    static_assert(N >= 1 && N <= width<T>);
    pack<T> v{};
#if defined(__AVX512F__) && !defined(TYPENET_SCALAR_PACKS)
    if constexpr (N < width<T> && sizeof(T) == 4) {
        const auto r = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << N) - 1), p);
        return reinterpret_cast<pack<T>>(r);
    } else if constexpr (N < width<T> && sizeof(T) == 8) {
        const auto r = _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << N) - 1), p);
        return reinterpret_cast<pack<T>>(r);
    }
#endif
    std::memcpy(&v, p, N * sizeof(T));
    return v;
}

/// Writes the first N lanes of v to p (N <= width<T>); a masked store where the target has one.
template<std::size_t N, class T>
inline void store(T* p, pack<T> v) {
    static_assert(N >= 1 && N <= width<T>);
#if defined(__AVX512F__) && !defined(TYPENET_SCALAR_PACKS)
    if constexpr (N < width<T> && sizeof(T) == 4) {
        _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << N) - 1),
                              reinterpret_cast<__m512>(v));
        return;
    } else if constexpr (N < width<T> && sizeof(T) == 8) {
        _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << N) - 1),
                              reinterpret_cast<__m512d>(v));
        return;
    }
#endif
    std::memcpy(p, &v, N * sizeof(T));
}

namespace detail {
template<class T, std::size_t... I>
inline pack<T> splat(T s, std::index_sequence<I...>) {
    return pack<T>{((void)I, s)...};
}
} // namespace detail

/// Every lane s, as one initialiser (which compilers emit as a single broadcast; a lane-by-lane
/// loop came out as a chain of masked broadcasts with g++ 12, and `pack<T>{} + s` is a real
/// addition, -0 + 0 = +0, which the compiler must keep).
template<class T>
inline pack<T> broadcast(T s) {
    return detail::splat(s, std::make_index_sequence<width<T>>{});
}

/// The lane-wise comparison result of two packs of T: an integer vector, all ones or all zeros
/// per lane, usable with & | ~.
template<class T>
using mask = decltype(pack<T>{} < pack<T>{});

/// Lanes of a where m is set, of b elsewhere (bitwise, so exact for every value, NaN included).
template<class T>
inline pack<T> select(mask<T> m, pack<T> a, pack<T> b) {
    return reinterpret_cast<pack<T>>((reinterpret_cast<mask<T>>(a) & m) |
                                     (reinterpret_cast<mask<T>>(b) & ~m));
}

namespace detail {
template<class T, std::size_t... I>
inline pack<T> swap_pairs(pack<T> v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, static_cast<int>(I ^ 1)...);
}
template<class T, std::size_t... I>
inline pack<T> duplicate_each(pack<T> v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, static_cast<int>(I / 2)...);
}
template<class T, std::size_t... I>
inline pack<T> even_lanes_first(pack<T> v, std::index_sequence<I...>) {
    return __builtin_shufflevector(v, v, static_cast<int>(2 * I % sizeof...(I))...);
}
template<class T, std::size_t... I>
inline mask<T> even_lane_mask(std::index_sequence<I...>) {
    return mask<T>{(I % 2 == 0 ? -1 : 0)...};
}
} // namespace detail

/// Lanes (1, 0, 3, 2, ...): each lane's neighbour in its pair. The pair shuffles need packs of
/// two lanes or more.
template<class T>
inline pack<T> swap_pairs(pack<T> v) {
    static_assert(width<T> >= 2, "typenet::simd: pair shuffles need two lanes or more");
    return detail::swap_pairs<T>(v, std::make_index_sequence<width<T>>{});
}
/// Lanes (0, 0, 1, 1, ...): the first half, each lane twice.
template<class T>
inline pack<T> duplicate_each(pack<T> v) {
    static_assert(width<T> >= 2, "typenet::simd: pair shuffles need two lanes or more");
    return detail::duplicate_each<T>(v, std::make_index_sequence<width<T>>{});
}
/// Lanes (0, 2, 4, ...) in the first half (the second half unspecified).
template<class T>
inline pack<T> even_lanes_first(pack<T> v) {
    static_assert(width<T> >= 2, "typenet::simd: pair shuffles need two lanes or more");
    return detail::even_lanes_first<T>(v, std::make_index_sequence<width<T>>{});
}
/// Set in the even lanes.
template<class T>
inline mask<T> even_lane_mask() {
    static_assert(width<T> >= 2, "typenet::simd: pair shuffles need two lanes or more");
    return detail::even_lane_mask<T>(std::make_index_sequence<width<T>>{});
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
#if defined(__AVX512F__) && !defined(TYPENET_SCALAR_PACKS)
    if constexpr (sizeof(T) == 4) {
        // The masked form with every lane selected: g++ 12 warns that _mm512_sqrt_ps's
        // _mm512_undefined_ps() "may be used uninitialized".
        const auto a = reinterpret_cast<__m512>(v);
        __m512 r = _mm512_mask_sqrt_ps(a, static_cast<__mmask16>(0xFFFF), a);
        return reinterpret_cast<pack<T>>(r);
    } else if constexpr (sizeof(T) == 8) {
        const auto a = reinterpret_cast<__m512d>(v);
        __m512d r = _mm512_mask_sqrt_pd(a, static_cast<__mmask8>(0xFF), a);
        return reinterpret_cast<pack<T>>(r);
    }
#elif defined(__AVX__) && !defined(TYPENET_SCALAR_PACKS)
    if constexpr (sizeof(T) == 4) {
        __m256 r = _mm256_sqrt_ps(reinterpret_cast<__m256>(v));
        return reinterpret_cast<pack<T>>(r);
    } else if constexpr (sizeof(T) == 8) {
        __m256d r = _mm256_sqrt_pd(reinterpret_cast<__m256d>(v));
        return reinterpret_cast<pack<T>>(r);
    }
#endif
    // Starts as v, not uninitialised: g++ 12 -O3 does not see that the loop writes every lane
    // and reports -Wmaybe-uninitialized (an error under -Werror) in Adam's step.
    pack<T> r = v;
    for (std::size_t l = 0; l < width<T>; ++l)
        r[l] = std::sqrt(v[l]);
    return r;
}

} // namespace typenet::simd
