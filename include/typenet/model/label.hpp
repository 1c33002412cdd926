#pragma once
// A class label as the index the loss reads. Labels arrive in whatever integer type the caller's
// data has (an int from a CSV, a uint8_t from an IDX file); an implicit conversion to size_t
// would turn -1 into 2^64 - 1 and report a label nobody wrote, so every entry point takes the
// caller's type and checks it here, sign included.

#include "typenet/detail/failure.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace typenet {

/// Whether L can be a class label: an integer type other than bool and the character types.
template<class L>
inline constexpr bool is_label_type_v =
    std::is_integral_v<L> && !std::is_same_v<std::remove_cv_t<L>, bool> &&
    !std::is_same_v<std::remove_cv_t<L>, char> && !std::is_same_v<std::remove_cv_t<L>, wchar_t> &&
    !std::is_same_v<std::remove_cv_t<L>, char8_t> &&
    !std::is_same_v<std::remove_cv_t<L>, char16_t> &&
    !std::is_same_v<std::remove_cv_t<L>, char32_t>;

/// `label` as an index below `classes`. Throws std::out_of_range naming the label and the class
/// count when it is negative or not below `classes` (without exceptions: the label error
/// handler, detail/failure.hpp).
template<class L>
std::size_t checked_label(L label, std::size_t classes) {
    static_assert(is_label_type_v<L>,
                  "typenet: a label is a class index of an integer type (0 .. classes-1); "
                  "convert it explicitly (floating, bool and character types are refused)");
    if constexpr (is_label_type_v<L>) { // after the assertion, no cascade of further errors
        const auto fail = [&] {
            detail::fail_label<std::out_of_range>(static_cast<long long>(label), classes, [&] {
                return "typenet: label " + std::to_string(label) + " is out of range for " +
                       std::to_string(classes) + " classes (valid labels are 0.." +
                       std::to_string(classes - 1) + ")";
            });
        };
        if constexpr (std::is_signed_v<L>)
            if (label < 0)
                fail();
        if (static_cast<std::make_unsigned_t<L>>(label) >= classes)
            fail();
        return static_cast<std::size_t>(label);
    } else {
        return 0;
    }
}

} // namespace typenet
