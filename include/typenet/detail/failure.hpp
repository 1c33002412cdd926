#pragma once
// How the engine reports an error it cannot continue from. A hosted build (exceptions on) throws
// the standard exception with a message that names the value and the limit. A build for a small
// target (-fno-exceptions) cannot throw and should not build strings on a heap it may not have:
// there a bad label goes to the label error handler (the user's, or std::abort), and every other
// failure (an optimiser given a negative learning rate, a batch call given spans of different
// sizes) calls std::abort without building its message.

#include <cstddef>
#include <cstdlib>
#include <utility>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define TYPENET_EXCEPTIONS 1
#else
#define TYPENET_EXCEPTIONS 0
#endif

namespace typenet {

/// Called, in builds without exceptions, with a label that is negative or not below `classes`
/// (an unsigned label above the range of long long arrives converted). If it returns, the pass
/// cannot go on and std::abort ends the program.
using label_error_handler = void (*)(long long label, std::size_t classes);

namespace detail {
inline label_error_handler current_label_error_handler = nullptr;
} // namespace detail

/// Installs `handler` (nullptr: the default, std::abort) and returns the previous one. Not
/// synchronised: set it before passes start, as a program's start-up does.
inline label_error_handler set_label_error_handler(label_error_handler handler) noexcept {
    return std::exchange(detail::current_label_error_handler, handler);
}

namespace detail {

/// Throws E(message()) where exceptions exist; aborts without calling `message` where not.
template<class E, class Message>
[[noreturn]] void fail([[maybe_unused]] Message&& message) {
#if TYPENET_EXCEPTIONS
    throw E(std::forward<Message>(message)());
#else
    std::abort();
#endif
}

/// A bad label: E(message()) where exceptions exist, else the label error handler.
template<class E, class Message>
[[noreturn]] void fail_label([[maybe_unused]] long long label, [[maybe_unused]] std::size_t classes,
                             [[maybe_unused]] Message&& message) {
#if TYPENET_EXCEPTIONS
    throw E(std::forward<Message>(message)());
#else
    if (current_label_error_handler != nullptr)
        current_label_error_handler(label, classes);
    std::abort();
#endif
}

} // namespace detail
} // namespace typenet
