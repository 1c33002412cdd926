#pragma once
// Output and exit through ARM semihosting (the debugger's, here QEMU's, console): no UART
// driver and no newlib stdio, whose buffers would come from a heap. Numbers are formatted here:
// a float as its decimal value to 7 significant digits for people and its IEEE bits in hex,
// which the host compares exactly.

#include <cstdint>
#include <cstring>

namespace semihosting {

/// The semihosting call `op` with argument block `arg` (bkpt 0xab in Thumb state).
inline int call(int op, const void* arg) {
    register int r0 asm("r0") = op;
    register const void* r1 asm("r1") = arg;
    asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

inline void write(const char* text) {
    call(0x04, text); // SYS_WRITE0
}

/// Ends the run with `status` (SYS_EXIT_EXTENDED: QEMU exits with it).
[[noreturn]] inline void exit(int status) {
    const std::uint32_t block[2] = {0x20026, static_cast<std::uint32_t>(status)}; // ApplicationExit
    call(0x20, block);
    for (;;) {
    }
}

/// Builds a line in a fixed buffer.
class line {
public:
    line& text(const char* s) {
        while (*s != '\0' && n_ + 2 < sizeof buf_)
            buf_[n_++] = *s++;
        return *this;
    }
    line& number(std::uint32_t v) {
        char digits[12];
        int k = 0;
        do {
            digits[k++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (k > 0 && n_ + 2 < sizeof buf_)
            buf_[n_++] = digits[--k];
        return *this;
    }
    line& hex(std::uint32_t v) {
        for (int shift = 28; shift >= 0 && n_ + 2 < sizeof buf_; shift -= 4)
            buf_[n_++] = "0123456789abcdef"[(v >> shift) & 0xf];
        return *this;
    }
    line& bits(float f) {
        std::uint32_t u;
        std::memcpy(&u, &f, sizeof u);
        return hex(u);
    }
    /// f with 6 decimals (|f| < 4e9; enough for logits and losses).
    line& decimal(float f) {
        if (f < 0) {
            text("-");
            f = -f;
        }
        const auto whole = static_cast<std::uint32_t>(f);
        auto frac = static_cast<std::uint32_t>((f - static_cast<float>(whole)) * 1e6f + 0.5f);
        number(whole + frac / 1000000);
        text(".");
        frac %= 1000000;
        for (std::uint32_t d = 100000; d > 0; d /= 10) {
            const char c[2] = {static_cast<char>('0' + frac / d % 10), '\0'};
            text(c);
        }
        return *this;
    }
    void print() {
        buf_[n_++] = '\n';
        buf_[n_] = '\0';
        write(buf_);
        n_ = 0;
    }

private:
    char buf_[512];
    std::size_t n_ = 0;
};

} // namespace semihosting
