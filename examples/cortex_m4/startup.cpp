// Start-up for the Cortex-M4F of QEMU's mps2-an386: the vector table, the reset handler (FPU
// on, .data copied from flash, .bss zeroed, the stack painted, constructors run, firmware_main
// called, its status returned through semihosting), fault handlers that report and exit, and the
// few system calls newlib's abort() and a heap would need: there is no heap, so _sbrk ends the run.
#include <cstddef>
#include <cstdint>

#include "semihosting.hpp"
#include "stack_paint.hpp"

extern "C" {
extern std::uint32_t _data_start, _data_end, _data_load, _bss_start, _bss_end, _stack_top;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int firmware_main();
[[noreturn]] void reset_handler();
[[noreturn]] void fault_handler();
}

namespace {
[[noreturn]] void default_handler() {
    semihosting::write("unexpected interrupt\n");
    semihosting::exit(3);
}
} // namespace

// Initial stack pointer, reset, NMI, HardFault, MemManage, BusFault, UsageFault, then the rest.
__attribute__((section(".vectors"), used)) void (*const vector_table[16])() = {
    reinterpret_cast<void (*)()>(&_stack_top),
    reset_handler,
    default_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    fault_handler,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    default_handler,
    default_handler,
    nullptr,
    default_handler,
    default_handler};

extern "C" void reset_handler() {
    // Full access to CP10 and CP11 (the FPU) in CPACR, before any floating-point instruction.
    volatile std::uint32_t& cpacr = *reinterpret_cast<volatile std::uint32_t*>(0xE000ED88);
    cpacr = cpacr | (0xFu << 20);
    asm volatile("dsb\n\tisb" ::: "memory");
    for (std::uint32_t *dst = &_data_start, *src = &_data_load; dst < &_data_end;)
        *dst++ = *src++;
    for (std::uint32_t* dst = &_bss_start; dst < &_bss_end;)
        *dst++ = 0;
    stack_paint::paint();
    for (auto f = __init_array_start; f < __init_array_end; ++f)
        (*f)();
    semihosting::exit(firmware_main());
}

extern "C" void fault_handler() {
    semihosting::write("fault: the program touched memory it must not (a stack overflow?)\n");
    semihosting::exit(4);
}

// What newlib's abort() and malloc would call, and the C++ ABI's registration of static
// objects' destructors, which never run: the firmware ends through semihosting, not by
// returning.
extern "C" {
void* __dso_handle = nullptr;
int __aeabi_atexit(void*, void (*)(void*), void*) {
    return 0;
}
void* _sbrk(std::ptrdiff_t) {
    semihosting::write("heap used: this program must not allocate\n");
    semihosting::exit(5);
}
[[noreturn]] void _exit(int status) {
    semihosting::exit(status);
}
int _kill(int, int) {
    semihosting::write("abort\n");
    semihosting::exit(134);
}
int _getpid() {
    return 1;
}
}
