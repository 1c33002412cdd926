// simd::pack<T> (include/typenet/simd/pack.hpp) lane by lane against scalar code, float and
// double, at whatever width the build's target gives: masked loads and stores of every length
// (reading and writing exactly N elements, shown at the edge of an inaccessible page), broadcast,
// select, the pair shuffles, the even-lane mask, the lane sum, the square root and the arithmetic.
#define BOOST_TEST_MODULE simd.pack
#include "typenet/simd/pack.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sys/mman.h>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace simd = typenet::simd;
using types = boost::mpl::list<float, double>;

namespace {

template<class T>
using bits_t = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template<class T>
bits_t<T> bits(T v) {
    return std::bit_cast<bits_t<T>>(v);
}

/// A pack whose lane l is f(l).
template<class T, class F>
simd::pack<T> make(F f) {
    simd::pack<T> v{};
    for (std::size_t l = 0; l < simd::width<T>; ++l)
        v[l] = f(l);
    return v;
}

/// Two pages, the second inaccessible: an access past the end of the first faults.
class guarded_page {
public:
    guarded_page() {
        size_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        void* p =
            ::mmap(nullptr, 2 * size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        BOOST_TEST_REQUIRE(p != MAP_FAILED);
        base_ = static_cast<unsigned char*>(p);
        BOOST_TEST_REQUIRE(::mprotect(base_ + size_, size_, PROT_NONE) == 0);
    }
    ~guarded_page() { ::munmap(base_, 2 * size_); }
    guarded_page(const guarded_page&) = delete;
    guarded_page& operator=(const guarded_page&) = delete;
    /// n elements of T ending exactly at the inaccessible page.
    template<class T>
    T* last(std::size_t n) {
        return reinterpret_cast<T*>(base_ + size_ - n * sizeof(T));
    }

private:
    unsigned char* base_ = nullptr;
    std::size_t size_ = 0;
};

template<class T, std::size_t N>
void check_load_store_of_length(guarded_page& page) {
    constexpr std::size_t L = simd::width<T>;
    T* src = page.last<T>(N);
    for (std::size_t i = 0; i < N; ++i)
        src[i] = static_cast<T>(i + 1) / 4;
    const simd::pack<T> v = simd::load<N>(src);
    for (std::size_t l = 0; l < L; ++l)
        BOOST_TEST(v[l] == (l < N ? src[l] : T{}), "load<" << N << "> lane " << l);

    // A store of N lanes writes N elements: the first page's end, the next byte faults.
    T* dst = page.last<T>(N);
    std::memset(static_cast<void*>(dst), 0, N * sizeof(T));
    const auto x = make<T>([](std::size_t l) { return static_cast<T>(l) - T(2.5); });
    simd::store<N>(dst, x);
    for (std::size_t i = 0; i < N; ++i)
        BOOST_TEST(dst[i] == x[i], "store<" << N << "> element " << i);

    // And nothing before the destination: a store of N into a larger buffer keeps the rest.
    T buffer[2 * L];
    for (auto& b : buffer)
        b = T(7);
    simd::store<N>(buffer + 1, x);
    BOOST_TEST(buffer[0] == T(7));
    for (std::size_t i = 0; i < N; ++i)
        BOOST_TEST(buffer[1 + i] == x[i]);
    for (std::size_t i = 1 + N; i < 2 * L; ++i)
        BOOST_TEST(buffer[i] == T(7), "store<" << N << "> wrote element " << i);
}

template<class T, std::size_t... N>
void check_every_length(std::index_sequence<N...>) {
    guarded_page page;
    (check_load_store_of_length<T, N + 1>(page), ...);
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(width_and_register_count_fit_the_target, T, types) {
    constexpr std::size_t bytes = simd::width<T> * sizeof(T);
    static_assert(sizeof(simd::pack<T>) == bytes);
#if defined(TYPENET_SCALAR_PACKS)
    static_assert(bytes == sizeof(T) && simd::registers == 16);
#elif defined(__AVX512F__)
    static_assert(bytes == 64 && simd::registers == 32);
#elif defined(__AVX__)
    static_assert(bytes == 32 && simd::registers == 16);
#else
    static_assert(bytes == 16 && simd::registers == 16);
#endif
    static_assert(simd::packable_v<T, const T, T>);
    static_assert(!simd::packable_v<T, int>);
    static_assert(!simd::packable_v<int, int>);
    BOOST_TEST(sizeof(simd::pack<T>) == simd::width<T> * sizeof(T));
    BOOST_TEST_MESSAGE(simd::width<T> << " lanes of " << sizeof(T) << " bytes");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(loads_and_stores_of_every_length_touch_exactly_n_elements, T, types) {
    check_every_length<T>(std::make_index_sequence<simd::width<T>>{});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(broadcast_sets_every_lane_bit_for_bit, T, types) {
    for (const T s : {T(1.5), T(-0.0), std::numeric_limits<T>::infinity(),
                      std::numeric_limits<T>::denorm_min()}) {
        const simd::pack<T> v = simd::broadcast(s);
        for (std::size_t l = 0; l < simd::width<T>; ++l)
            BOOST_TEST(bits(v[l]) == bits(s), "lane " << l << " of broadcast(" << s << ")");
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(select_takes_a_where_the_mask_is_set, T, types) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    const auto a = make<T>([&](std::size_t l) { return l % 3 == 0 ? nan : static_cast<T>(l); });
    const auto b = make<T>([](std::size_t l) { return -static_cast<T>(l) - T(0.5); });
    const simd::mask<T> m = a > b || a != a; // NaN lanes too
    const auto lower = make<T>([](std::size_t l) { return static_cast<T>(l % 2); });
    const simd::mask<T> odd = lower > simd::broadcast(T(0.5));
    for (const auto& mk : {m, odd, ~odd}) {
        const simd::pack<T> r = simd::select<T>(mk, a, b);
        for (std::size_t l = 0; l < simd::width<T>; ++l)
            BOOST_TEST(bits(r[l]) == bits(mk[l] ? a[l] : b[l]), "lane " << l);
    }
}

namespace {
template<class T>
void check_pair_shuffles() {
    constexpr std::size_t L = simd::width<T>;
    const auto v = make<T>([](std::size_t l) { return static_cast<T>(10 + l); });
    const simd::pack<T> swapped = simd::swap_pairs<T>(v);
    const simd::pack<T> doubled = simd::duplicate_each<T>(v);
    const simd::pack<T> evens = simd::even_lanes_first<T>(v);
    const simd::mask<T> even_mask = simd::even_lane_mask<T>();
    for (std::size_t l = 0; l < L; ++l) {
        BOOST_TEST(swapped[l] == v[l ^ 1], "swap_pairs lane " << l);
        BOOST_TEST(doubled[l] == v[l / 2], "duplicate_each lane " << l);
        if (l < L / 2)
            BOOST_TEST(evens[l] == v[2 * l], "even_lanes_first lane " << l);
        BOOST_TEST((even_mask[l] != 0) == (l % 2 == 0), "even_lane_mask lane " << l);
        BOOST_TEST((even_mask[l] == 0 || ~even_mask[l] == 0), "mask lane " << l << " all ones");
    }
}
} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(pair_shuffles_match_their_index_formulas, T, types) {
    constexpr std::size_t L = simd::width<T>;
    if constexpr (L >= 2) // one-lane packs have no pairs
        check_pair_shuffles<T>();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reduce_add_is_the_lane_sum, T, types) {
    const auto v = make<T>([](std::size_t l) { return T(0.1) * static_cast<T>(l + 1); });
    T expected{};
    for (std::size_t l = 0; l < simd::width<T>; ++l)
        expected += v[l]; // the same order, so the same rounding
    BOOST_TEST(simd::reduce_add<T>(v) == expected);
    BOOST_TEST(simd::reduce_add<T>(simd::broadcast(T(0.25))) ==
               T(0.25) * static_cast<T>(simd::width<T>));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(sqrt_is_the_correctly_rounded_root_of_every_lane, T, types) {
    const T inputs[] = {T(2),  T(0.5), T(1e-30), T(0), T(-0.0), std::numeric_limits<T>::infinity(),
                        T(-1), T(3),   T(1e30),  T(7), T(11),   std::numeric_limits<T>::max(),
                        T(13), T(17),  T(19),    T(23)};
    static_assert(std::size(inputs) >= 16);
    for (std::size_t start = 0; start + simd::width<T> <= std::size(inputs); ++start) {
        const auto v = make<T>([&](std::size_t l) { return inputs[start + l]; });
        const simd::pack<T> r = simd::sqrt<T>(v);
        for (std::size_t l = 0; l < simd::width<T>; ++l) {
            const T e = std::sqrt(v[l]);
            if (std::isnan(e))
                BOOST_TEST(std::isnan(r[l]), "sqrt(" << v[l] << ")");
            else
                BOOST_TEST(bits(r[l]) == bits(e), "sqrt(" << v[l] << ") = " << r[l]);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(arithmetic_is_lane_wise, T, types) {
    const auto a = make<T>([](std::size_t l) { return T(1.25) * static_cast<T>(l) - T(3); });
    const auto b = make<T>([](std::size_t l) { return T(0.5) + static_cast<T>(l * l); });
    const simd::pack<T> sum = a + b, difference = a - b, product = a * b;
    for (std::size_t l = 0; l < simd::width<T>; ++l) {
        BOOST_TEST(sum[l] == a[l] + b[l]);
        BOOST_TEST(difference[l] == a[l] - b[l]);
        BOOST_TEST(product[l] == a[l] * b[l]);
    }
}
