#pragma once
// atomic_file: writes a file so that the target is always either the old file or the complete new
// one, never a half-written file, also when the writer is killed or the disk fills up. Weights
// (io/safetensors.hpp), logs and plots are written through it.
//
//   1. The target is resolved: a symbolic link is followed (a chain of them too, relative links
//      from the link's directory), so the file it points to is replaced and the link stays. What
//      is then found must be a regular file or nothing; a directory, FIFO, device node or socket
//      is refused with an io_error saying what it is, and left alone.
//   2. Temporary files of writers that died during a save (kill -9, power loss) are removed: the
//      regular files named `.<name>.tmp-<pid>-<8 hex digits>` beside the target whose process no
//      longer runs. (A process id is only meaningful on one machine: writers of one directory on
//      a network file system from several machines could remove each other's files.)
//   3. The data go to a new temporary file `.<name>.tmp-<pid>-<random>` in the target's
//      directory (the same file system, so the rename below is atomic).
//   4. commit(): fsync of the temporary file, close, rename over the target, fsync of the
//      directory (so that the rename survives a crash too).
// A temporary file that is not committed is removed by the destructor. Every error is an io_error
// naming the target and saying why, with strerror(errno) where the system said it. POSIX only.

#include "typenet/io/error.hpp"
#include "typenet/io/file_kind.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace typenet {

namespace detail {

/// strerror(errno), taken before anything else can change errno.
inline std::string errno_text(int e = errno) {
    return std::strerror(e);
}

/// The file `target` stands for after following symbolic links. Throws io_error (naming `target`)
/// if that is neither a regular file nor missing, or if the links cannot be followed.
inline std::filesystem::path resolve_write_target(const std::filesystem::path& target) {
    std::filesystem::path p = target;
    for (int links = 0;; ++links) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) {
            const int e = errno;
            if (e == ENOENT)
                return p; // a new file (the directory is checked when the file is created)
            throw io_error(target, (p == target ? "cannot inspect it: "
                                                : "cannot inspect " + p.string() + ": ") +
                                       errno_text(e));
        }
        if (S_ISREG(st.st_mode))
            return p;
        if (!S_ISLNK(st.st_mode)) {
            const std::string what =
                std::string(file_kind(st.st_mode)) + ", not a regular file; refusing to replace it";
            throw io_error(target, p == target ? "is " + what
                                               : "is a symbolic link to " + p.string() +
                                                     ", which is " + what);
        }
        if (links == 40) // as the kernel's limit (ELOOP)
            throw io_error(target, "too many levels of symbolic links");
        std::error_code ec;
        const std::filesystem::path next = std::filesystem::read_symlink(p, ec);
        if (ec)
            throw io_error(target,
                           "cannot read the symbolic link " + p.string() + ": " + ec.message());
        p = next.is_absolute() ? next : p.parent_path() / next;
    }
}

/// `dir` as a path to open ("" is the current directory).
inline std::filesystem::path directory_or_dot(const std::filesystem::path& dir) {
    return dir.empty() ? std::filesystem::path(".") : dir;
}

/// The process id in a temporary file name of ours for the file `name`: `.<name>.tmp-<pid>-` and
/// 8 lower-case hex digits. 0 if `entry` is not such a name.
inline pid_t temp_file_writer(std::string_view entry, std::string_view name) {
    const std::string_view tag = ".tmp-";
    if (entry.size() < 1 + name.size() + tag.size() || entry[0] != '.' ||
        entry.substr(1, name.size()) != name || entry.substr(1 + name.size(), tag.size()) != tag)
        return 0;
    std::string_view rest = entry.substr(1 + name.size() + tag.size());
    long long pid = 0;
    std::size_t digits = 0;
    while (digits < rest.size() && digits < 10 && rest[digits] >= '0' && rest[digits] <= '9')
        pid = pid * 10 + (rest[digits++] - '0');
    if (digits == 0 || digits >= rest.size() || rest[digits] != '-' || pid <= 0 || pid > 0x7fffffff)
        return 0;
    rest.remove_prefix(digits + 1);
    if (rest.size() != 8)
        return 0;
    for (const char c : rest)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    return static_cast<pid_t>(pid);
}

/// Removes the temporary files of `file`'s writers that no longer run. Best effort: a directory
/// that cannot be listed or a file that cannot be removed is left as it is (the write that
/// follows reports what is wrong with the directory).
inline void remove_stale_temp_files(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    std::error_code ec;
    std::filesystem::directory_iterator it(directory_or_dot(file.parent_path()), ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const pid_t pid = temp_file_writer(it->path().filename().native(), name);
        if (pid == 0 || ::kill(pid, 0) == 0 || errno != ESRCH)
            continue; // not ours, or the writer is alive (EPERM: it runs as another user)
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
            ::unlink(it->path().c_str());
    }
}

} // namespace detail

/// A new version of a file, written to a temporary file beside it and renamed over it by
/// commit(); removed if it is not committed. The steps and the rules are above.
class atomic_file {
public:
    /// Resolves `target`, refuses what is not a regular file, removes stale temporary files and
    /// creates the temporary file. Throws io_error.
    explicit atomic_file(std::filesystem::path target)
        : target_(std::move(target)) {
        if (target_.filename().empty())
            throw io_error(target_, "not a file name");
        file_ = detail::resolve_write_target(target_);
        detail::remove_stale_temp_files(file_);
        std::random_device rd;
        for (int attempt = 0; attempt < 16 && fd_ < 0; ++attempt) {
            char suffix[48];
            std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%08x", static_cast<long>(::getpid()),
                          static_cast<unsigned>(rd()));
            // Appended piece by piece: g++ 12 at -O3 gives a false -Wrestrict on
            // "literal" + std::string&& (GCC bug 105329).
            std::string name = ".";
            name += file_.filename().string();
            name += suffix;
            temp_ = file_.parent_path() / name;
            // O_EXCL: never reuse an existing file; O_CLOEXEC: not inherited by programs this
            // process starts (a plot program writes the file by its name, see temp_path()).
            fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ < 0 && errno != EEXIST)
                break;
        }
        if (fd_ < 0) {
            const int e = errno;
            throw io_error(target_, "cannot create the temporary file " + temp_.string() + ": " +
                                        detail::errno_text(e));
        }
    }
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file() {
        if (fd_ >= 0)
            ::close(fd_);
        if (!committed_)
            ::unlink(temp_.c_str());
    }

    /// The target as given, and the file that commit() replaces (the target after following
    /// symbolic links).
    const std::filesystem::path& target() const noexcept { return target_; }
    const std::filesystem::path& file() const noexcept { return file_; }

    /// The temporary file. Another program may write it by this name instead of write() (opening
    /// it for writing keeps the file, which commit() then flushes and renames).
    const std::filesystem::path& temp_path() const noexcept { return temp_; }

    void write(const void* data, std::size_t n) {
        const char* p = static_cast<const char*>(data);
        while (n > 0) {
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                fail("cannot write");
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }

    /// Flushes the data to disk and renames the temporary file over the target; then the
    /// directory is flushed, so that the rename is on disk too. Throws io_error; if the rename
    /// fails the target is left as it was.
    void commit() {
        if (::fsync(fd_) != 0)
            fail("cannot flush to disk");
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0)
            fail("cannot close");
        // Checked again: the target may have been replaced by something else since it was opened.
        if (detail::resolve_write_target(target_) != file_)
            throw io_error(target_, "changed while it was written (a symbolic link now points "
                                    "elsewhere); the target is left as it was");
        if (::rename(temp_.c_str(), file_.c_str()) != 0) {
            const int e = errno;
            throw io_error(target_, "cannot replace " + file_.string() + " with " + temp_.string() +
                                        ": " + detail::errno_text(e));
        }
        committed_ = true;
        const auto dir = detail::directory_or_dot(file_.parent_path());
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        // EINVAL: the file system cannot flush a directory (nothing more can be done there).
        const bool synced = dfd >= 0 && (::fsync(dfd) == 0 || errno == EINVAL);
        const std::string why = synced ? "" : detail::errno_text();
        if (dfd >= 0)
            ::close(dfd);
        if (!synced)
            throw io_error(target_, "was replaced, but its directory " + dir.string() +
                                        " cannot be flushed to disk, so the new file may not "
                                        "survive a crash: " +
                                        why);
    }

private:
    [[noreturn]] void fail(const char* what) {
        const int e = errno;
        throw io_error(target_, std::string(what) + " the temporary file " + temp_.string() + ": " +
                                    detail::errno_text(e) + " (the target is left as it was)");
    }

    std::filesystem::path target_;
    std::filesystem::path file_;
    std::filesystem::path temp_;
    int fd_ = -1;
    bool committed_ = false;
};

/// Throws the io_error that atomic_file(target) would throw for what `target` is (not a regular
/// file, links that cannot be followed) or for its directory (missing, not a directory, not
/// writable), without creating anything: to check an output before long work.
inline void check_replaceable(const std::filesystem::path& target) {
    if (target.filename().empty())
        throw io_error(target, "not a file name");
    const auto dir = detail::directory_or_dot(detail::resolve_write_target(target).parent_path());
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        const int e = errno;
        throw io_error(target, "cannot write in the directory " + dir.string() + ": " +
                                   detail::errno_text(e));
    }
}

/// Writes `bytes` to `target` through an atomic_file. Throws io_error.
inline void write_file_atomically(const std::filesystem::path& target, std::string_view bytes) {
    atomic_file out(target);
    out.write(bytes.data(), bytes.size());
    out.commit();
}

} // namespace typenet
