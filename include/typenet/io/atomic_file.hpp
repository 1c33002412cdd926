#pragma once
// atomic_file: writes a file so that the target is always either the old file or the complete new
// one, never a half-written file. Used for weights (io/safetensors.hpp), logs and plots.

#include "typenet/io/error.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#if __has_include(<unistd.h>)
#include <fcntl.h>
#include <unistd.h>
#define TYPENET_HAS_FSYNC 1
#endif

namespace typenet {

/// A temporary file beside the target, removed unless commit() renamed it over the target.
class atomic_file {
public:
    explicit atomic_file(std::filesystem::path target)
        : target_(std::move(target)) {
        if (target_.filename().empty())
            throw io_error(target_, "not a file name");
        std::random_device rd;
        for (int attempt = 0; attempt < 16 && !file_; ++attempt) {
            char suffix[32];
            std::snprintf(suffix, sizeof suffix, ".tmp-%08x", static_cast<unsigned>(rd()));
            // Appended piece by piece: g++ 12 at -O3 gives a false -Wrestrict on
            // "literal" + std::string&& (GCC bug 105329).
            std::string name = ".";
            name += target_.filename().string();
            name += suffix;
            temp_ = target_.parent_path() / name;
            errno = 0;
            file_ = std::fopen(temp_.c_str(), "wbx"); // x: never reuse an existing file
            if (!file_ && errno != EEXIST)
                break;
        }
        if (!file_)
            throw io_error(target_, "cannot create the temporary file " + temp_.string() + ": " +
                                        std::strerror(errno));
    }
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file() {
        if (file_)
            std::fclose(file_);
        if (!committed_) {
            std::error_code ec;
            std::filesystem::remove(temp_, ec);
        }
    }

    void write(const void* data, std::size_t n) {
        if (n && std::fwrite(data, 1, n, file_) != n)
            fail("cannot write");
    }

    /// Flushes the data to disk, then renames the temporary file over the target.
    void commit() {
        if (std::fflush(file_) != 0)
            fail("cannot write");
#ifdef TYPENET_HAS_FSYNC
        if (::fsync(::fileno(file_)) != 0)
            fail("cannot flush to disk");
#endif
        const int closed = std::fclose(file_);
        file_ = nullptr;
        if (closed != 0)
            fail("cannot close");
        std::error_code ec;
        std::filesystem::rename(temp_, target_, ec);
        if (ec)
            throw io_error(target_,
                           "cannot replace it with " + temp_.string() + ": " + ec.message());
        committed_ = true;
#ifdef TYPENET_HAS_FSYNC
        // Make the rename itself durable; a failure here leaves a complete file, so ignore it.
        const auto dir =
            target_.parent_path().empty() ? std::filesystem::path(".") : target_.parent_path();
        if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
#endif
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw io_error(target_, std::string(what) + " the temporary file " + temp_.string() + ": " +
                                    std::strerror(errno) + " (the target is left as it was)");
    }

    std::filesystem::path target_;
    std::filesystem::path temp_;
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

/// Writes `bytes` to `target` through an atomic_file.
inline void write_file_atomically(const std::filesystem::path& target, std::string_view bytes) {
    atomic_file out(target);
    out.write(bytes.data(), bytes.size());
    out.commit();
}

} // namespace typenet
