#pragma once
// io_error: what every reader and writer in io/ throws. Its message starts with the file it is
// about and says what is wrong with it, so a caller can print it as is and exit non-zero.

#include <filesystem>
#include <stdexcept>
#include <string>

namespace typenet {

/// A data or weight file that cannot be read or written: missing, truncated, corrupt, or made
/// for another architecture. what() is "<file>: <problem>".
class io_error : public std::runtime_error {
public:
    io_error(const std::filesystem::path& file, const std::string& problem)
        : std::runtime_error(file.string() + ": " + problem)
        , file_(file) {}

    /// The file the error is about.
    const std::filesystem::path& file() const noexcept { return file_; }

private:
    std::filesystem::path file_;
};

} // namespace typenet
