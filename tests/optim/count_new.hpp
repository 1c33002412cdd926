#pragma once
// Counts calls of the global operator new (every form), to show that an optimizer step
// allocates nothing, and records the largest request, to show that a reader's memory is bounded.
// While a heap_trap is alive, an allocation ends the program instead (std::abort, after naming
// its size), as on a target without a heap. Include in exactly one translation unit of a test
// executable.

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace typenet::test {
inline std::atomic<std::size_t> allocations{0};
/// The largest size requested so far; a test resets it to 0 before the code it measures.
inline std::atomic<std::size_t> largest_allocation{0};

inline std::atomic<bool> heap_trapped{false};

/// While alive, any operator new aborts the program.
struct heap_trap {
    heap_trap() { heap_trapped = true; }
    ~heap_trap() { heap_trapped = false; }
    heap_trap(const heap_trap&) = delete;
    heap_trap& operator=(const heap_trap&) = delete;
};

inline void count_allocation(std::size_t n) {
    if (heap_trapped) {
        std::fprintf(stderr, "heap_trap: operator new(%zu) called where no allocation may happen\n",
                     n);
        std::abort();
    }
    ++allocations;
    std::size_t seen = largest_allocation.load();
    while (n > seen && !largest_allocation.compare_exchange_weak(seen, n)) {
    }
}
} // namespace typenet::test

void* operator new(std::size_t n) {
    typenet::test::count_allocation(n);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return operator new(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    typenet::test::count_allocation(n);
    const std::size_t al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return operator new(n, a);
}
// GCC 12 sees free() of memory from `new` once these are inlined; here that is the design.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
