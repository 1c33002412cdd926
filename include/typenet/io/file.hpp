#pragma once
// input_file: a data or weights file opened for reading only if it is a regular file, with its
// size known before anything is read. A reader checks what a file's header promises against that
// size before it allocates for it. A FIFO or a device has no size and may never end (/dev/zero
// read whole grows until memory runs out), and opening a FIFO waits for a writer, so they are
// refused without blocking, with what they are in the message.

#include "typenet/io/error.hpp"
#include "typenet/io/file_kind.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace typenet::detail {

class input_file {
public:
    /// Opens `path`; `kind` names what it should be ("a weights file") for the refusal message.
    input_file(std::filesystem::path path, const char* kind)
        : path_(std::move(path)) {
        struct ::stat st {};
        // stat() first: a socket cannot be opened at all, and a FIFO is best not opened.
        if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
            refuse(st.st_mode, kind);
        // O_NONBLOCK: if the path became a FIFO since stat(), open() must not wait for a writer.
        fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd_ < 0)
            fail("cannot open");
        if (::fstat(fd_, &st) != 0)
            fail("cannot stat");
        if (!S_ISREG(st.st_mode))
            refuse(st.st_mode, kind);
        const int flags = ::fcntl(fd_, F_GETFL);
        if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) != 0)
            fail("cannot read");
        size_ = static_cast<std::uint64_t>(st.st_size);
    }
    input_file(const input_file&) = delete;
    input_file& operator=(const input_file&) = delete;
    ~input_file() { close_fd(); }

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_; }
    /// The size when it was opened.
    std::uint64_t size() const { return size_; }
    /// Gives up the descriptor (to a reader that closes it, such as zlib's gzdopen).
    int release() { return std::exchange(fd_, -1); }

    /// Reads exactly `n` bytes; `what` names the part of the file they are in the message if the
    /// file ends sooner (it changed while being read) or a read fails.
    void read_exactly(void* out, std::size_t n, const char* what) {
        auto* p = static_cast<unsigned char*>(out);
        for (std::size_t got = 0; got < n;) {
            const ::ssize_t r = ::read(fd_, p + got, std::min<std::size_t>(n - got, 1u << 30));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                const int e = errno; // before building the message can change it
                throw io_error(path_,
                               std::string("read error in the ") + what + ": " + std::strerror(e));
            }
            if (r == 0)
                throw io_error(path_, "the file ended " + std::to_string(n - got) +
                                          " bytes before the end of the " + what +
                                          " (was it changed while being read?)");
            got += static_cast<std::size_t>(r);
        }
    }

private:
    // Only the constructor refuses or fails, and a constructor that throws runs no destructor:
    // these close the descriptor themselves.
    [[noreturn]] void refuse(mode_t mode, const char* kind) {
        close_fd();
        throw io_error(path_, std::string("is ") + file_kind(mode) + ", not " + kind);
    }
    [[noreturn]] void fail(const char* what) {
        const int e = errno;
        close_fd();
        throw io_error(path_, std::string(what) + ": " + std::strerror(e));
    }
    void close_fd() {
        if (fd_ >= 0)
            ::close(std::exchange(fd_, -1));
    }

    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

} // namespace typenet::detail
