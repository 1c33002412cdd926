#pragma once
// The stack's high-water mark, measured by painting: at reset every word of the stack below the
// current frame is set to a pattern; the words still holding it later were never written, so the
// deepest overwritten word is the most stack the program has used.

#include <cstddef>
#include <cstdint>

extern "C" std::uint32_t _stack_bottom, _stack_top;

namespace stack_paint {

inline constexpr std::uint32_t pattern = 0xC5AC5AC5u;

/// Paints from the bottom of the stack up to 64 bytes below the caller's frame.
__attribute__((always_inline)) inline void paint() {
    std::uint32_t* sp;
    asm volatile("mov %0, sp" : "=r"(sp));
    for (std::uint32_t* p = &_stack_bottom; p < sp - 16; ++p)
        *p = pattern;
}

/// Bytes of stack used since the painting: from the deepest overwritten word to the top.
inline std::size_t high_water_bytes() {
    const std::uint32_t* p = &_stack_bottom;
    while (p < &_stack_top && *p == pattern)
        ++p;
    return static_cast<std::size_t>(reinterpret_cast<const char*>(&_stack_top) -
                                    reinterpret_cast<const char*>(p));
}

/// The stack's size (the linker script's STACK_SIZE).
inline std::size_t size_bytes() {
    return static_cast<std::size_t>(reinterpret_cast<const char*>(&_stack_top) -
                                    reinterpret_cast<const char*>(&_stack_bottom));
}

/// Appends "stack high-water <used> of <size> bytes" to a line of output.
template<class Line>
Line& describe(Line& out) {
    return out.text("stack high-water ")
        .number(static_cast<std::uint32_t>(high_water_bytes()))
        .text(" of ")
        .number(static_cast<std::uint32_t>(size_bytes()))
        .text(" bytes");
}

} // namespace stack_paint
