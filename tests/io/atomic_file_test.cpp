// atomic_file (io/atomic_file.hpp): the target is always the old file or the complete new one
// (also when the writer is killed at a random moment or the disk is full), targets that are not
// regular files are refused and left alone, a symlink is written through, temporary files of
// dead writers are removed, and every error names the target and says why.
#define BOOST_TEST_MODULE io.atomic_file
#include "typenet/io/atomic_file.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "../support/files.hpp"

namespace fs = std::filesystem;
namespace tn = typenet;

namespace {

/// A temporary directory for one test (tests/support/files.hpp).
struct temp_dir : tn::test::temp_dir {
    temp_dir()
        : tn::test::temp_dir("typenet-af-test-") {}
};

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_text(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

using tn::test::contains;
using tn::test::error_of;

using names = std::vector<std::string>;

/// A process id that is not running: a child that has exited and been reaped.
pid_t dead_pid() {
    const pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid;
}

/// `n` bytes, all different from those of another `seed`.
std::string pattern(std::size_t n, char seed) {
    std::string s(n, seed);
    for (std::size_t i = 0; i < n; i += 4096)
        s[i] = static_cast<char>(seed + 1 + static_cast<char>(i / 4096 % 7));
    return s;
}

/// Reads what a child wrote to `fd` until it closes it.
std::string read_all(int fd) {
    std::string out;
    char buf[512];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(writing)

BOOST_FIXTURE_TEST_CASE(creates_and_replaces_a_file, temp_dir) {
    const fs::path target = path / "log.csv";
    tn::write_file_atomically(target, "a,b\n1,2\n");
    BOOST_TEST(read_text(target) == "a,b\n1,2\n");
    tn::write_file_atomically(target, "new");
    BOOST_TEST(read_text(target) == "new");
    tn::write_file_atomically(target, "");
    BOOST_TEST(read_text(target).empty());
    BOOST_TEST(entries() == names{"log.csv"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(no_commit_leaves_the_target_as_it_was, temp_dir) {
    const fs::path target = path / "w.bin";
    write_text(target, "old");
    {
        tn::atomic_file out(target);
        out.write("new bytes", 9);
        // While it is written, the temporary file sits beside the target and names the writer.
        const names e = entries();
        BOOST_TEST_REQUIRE(e.size() == 2u);
        BOOST_TEST(e[0] == ".w.bin.tmp-" + std::to_string(getpid()) + e[0].substr(e[0].rfind('-')));
        BOOST_TEST(read_text(target) == "old");
    }
    BOOST_TEST(read_text(target) == "old");
    BOOST_TEST(entries() == names{"w.bin"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_relative_target_in_the_current_directory, temp_dir) {
    const fs::path old_cwd = fs::current_path();
    fs::current_path(path);
    tn::write_file_atomically("here.txt", "x");
    fs::current_path(old_cwd);
    BOOST_TEST(read_text(path / "here.txt") == "x");
    BOOST_TEST(entries() == names{"here.txt"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refused_targets)

BOOST_FIXTURE_TEST_CASE(a_directory, temp_dir) {
    const fs::path target = path / "w.safetensors";
    fs::create_directory(target);
    write_text(target / "keep", "kept");
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    BOOST_TEST(contains(msg, target.string() + ": is a directory, not a regular file"));
    BOOST_TEST(read_text(target / "keep") == "kept");
    BOOST_TEST(entries() == names{"w.safetensors"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_fifo, temp_dir) {
    const fs::path target = path / "pipe";
    BOOST_TEST_REQUIRE(mkfifo(target.c_str(), 0600) == 0);
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    BOOST_TEST(contains(msg, target.string() + ": is a FIFO (named pipe), not a regular file"));
    BOOST_TEST(fs::is_fifo(fs::symlink_status(target)));
    BOOST_TEST(entries() == names{"pipe"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_device_node, temp_dir) {
    // The device /dev/null is (character device 1:3), made here so the test cannot harm the real
    // one; making device nodes needs root (CAP_MKNOD).
    const fs::path target = path / "null";
    if (mknod(target.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
        BOOST_TEST_MESSAGE("cannot make a device node (" << std::strerror(errno)
                                                         << "; needs root): skipped");
        return;
    }
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    BOOST_TEST(contains(msg, target.string() + ": is a character device, not a regular file"));
    struct stat st {};
    BOOST_TEST_REQUIRE(lstat(target.c_str(), &st) == 0);
    BOOST_TEST(S_ISCHR(st.st_mode));
    BOOST_TEST(st.st_rdev == makedev(1, 3));
    BOOST_TEST(entries() == names{"null"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_socket, temp_dir) {
    const fs::path target = path / "sock";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_TEST_REQUIRE(target.string().size() < sizeof addr.sun_path);
    std::strcpy(addr.sun_path, target.c_str());
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    BOOST_TEST_REQUIRE(fd >= 0);
    BOOST_TEST_REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    close(fd);
    BOOST_TEST(contains(msg, target.string() + ": is a socket, not a regular file"));
    BOOST_TEST(fs::is_socket(fs::symlink_status(target)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(symlinks)

// A symlink is written through: the file it points to is replaced and the link stays a link.
BOOST_FIXTURE_TEST_CASE(the_file_a_symlink_points_to_is_replaced, temp_dir) {
    fs::create_directory(path / "runs");
    write_text(path / "runs" / "real.csv", "old");
    fs::create_symlink("runs/real.csv", path / "latest.csv"); // relative to the link's directory
    tn::write_file_atomically(path / "latest.csv", "new");
    BOOST_TEST(fs::is_symlink(path / "latest.csv"));
    BOOST_TEST(fs::read_symlink(path / "latest.csv") == "runs/real.csv");
    BOOST_TEST(read_text(path / "runs" / "real.csv") == "new");
    // The temporary file was made beside the real file, and is gone.
    BOOST_TEST(entries() == (names{"latest.csv", "runs"}), boost::test_tools::per_element());
    BOOST_TEST(fs::directory_iterator(path / "runs")->path().filename() == "real.csv");
}

BOOST_FIXTURE_TEST_CASE(a_chain_of_symlinks_and_a_dangling_one, temp_dir) {
    write_text(path / "real", "old");
    fs::create_symlink(path / "real", path / "b"); // absolute
    fs::create_symlink("b", path / "a");
    tn::write_file_atomically(path / "a", "new");
    BOOST_TEST(read_text(path / "real") == "new");
    BOOST_TEST(fs::is_symlink(path / "a"));
    BOOST_TEST(fs::is_symlink(path / "b"));
    // A link to a file that does not exist yet creates that file.
    fs::create_symlink("created", path / "dangling");
    tn::write_file_atomically(path / "dangling", "made");
    BOOST_TEST(fs::is_symlink(path / "dangling"));
    BOOST_TEST(read_text(path / "created") == "made");
}

BOOST_FIXTURE_TEST_CASE(a_symlink_to_a_directory_or_a_loop_is_refused, temp_dir) {
    fs::create_directory(path / "dir");
    fs::create_directory_symlink("dir", path / "link");
    const auto msg = error_of([&] { tn::write_file_atomically(path / "link", "data"); });
    BOOST_TEST(contains(msg, (path / "link").string() + ": is a symbolic link to " +
                                 (path / "dir").string() +
                                 ", which is a directory, not a regular file"));
    BOOST_TEST(fs::is_symlink(path / "link"));
    BOOST_TEST(fs::is_empty(path / "dir"));
    fs::create_symlink("loop", path / "loop");
    const auto loop = error_of([&] { tn::write_file_atomically(path / "loop", "data"); });
    BOOST_TEST(contains(loop, (path / "loop").string() + ": too many levels of symbolic links"));
    BOOST_TEST(fs::is_symlink(path / "loop"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors_say_why)

BOOST_FIXTURE_TEST_CASE(a_missing_directory, temp_dir) {
    const fs::path target = path / "no" / "w.bin";
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    BOOST_TEST(contains(msg, target.string() + ": cannot create the temporary file"));
    BOOST_TEST(contains(msg, "No such file or directory"));
    BOOST_TEST(entries().empty());
}

BOOST_FIXTURE_TEST_CASE(a_file_where_a_directory_should_be, temp_dir) {
    write_text(path / "file", "x");
    const fs::path target = path / "file" / "w.bin";
    const auto msg = error_of([&] { tn::write_file_atomically(target, "data"); });
    BOOST_TEST(contains(msg, target.string() + ": "));
    BOOST_TEST(contains(msg, "Not a directory"));
    BOOST_TEST(read_text(path / "file") == "x");
}

// check_replaceable: the same refusals before anything is written, and nothing created.
BOOST_FIXTURE_TEST_CASE(checked_before_writing, temp_dir) {
    BOOST_TEST(contains(error_of([&] { tn::check_replaceable(path / "no" / "w.bin"); }),
                        (path / "no" / "w.bin").string() + ": cannot write in the directory " +
                            (path / "no").string() + ": No such file or directory"));
    fs::create_directory(path / "d");
    BOOST_TEST(contains(error_of([&] { tn::check_replaceable(path / "d"); }),
                        (path / "d").string() + ": is a directory, not a regular file"));
    BOOST_TEST_REQUIRE(mkfifo((path / "pipe").c_str(), 0600) == 0);
    BOOST_TEST(contains(error_of([&] { tn::check_replaceable(path / "pipe"); }), "is a FIFO"));
    tn::check_replaceable(path / "new.bin");
    write_text(path / "old.bin", "old");
    tn::check_replaceable(path / "old.bin");
    BOOST_TEST(entries() == (names{"d", "old.bin", "pipe"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_target_without_a_file_name) {
    const auto msg = error_of([&] { tn::write_file_atomically("some/dir/", "data"); });
    BOOST_TEST(contains(msg, "some/dir/: not a file name"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stale_temporary_files)

// What a writer killed during a save leaves: its temporary file, named after its process.
BOOST_FIXTURE_TEST_CASE(those_of_dead_writers_are_removed, temp_dir) {
    const fs::path target = path / "w.safetensors";
    write_text(target, "old");
    const std::string dead = ".w.safetensors.tmp-" + std::to_string(dead_pid()) + "-0123abcd";
    const std::string alive = ".w.safetensors.tmp-" + std::to_string(getpid()) + "-deadbeef";
    const std::string other_target = ".other.tmp-" + std::to_string(dead_pid()) + "-0123abcd";
    const std::string not_ours = ".w.safetensors.tmp-" + std::to_string(dead_pid()) + "-notmine";
    for (const auto& n : {dead, alive, other_target, not_ours})
        write_text(path / n, "partial");
    tn::write_file_atomically(target, "new");
    BOOST_TEST(read_text(target) == "new");
    // Only the dead writer's file for this target goes; a live writer's (ours, here), another
    // target's and a name that is not one of ours stay.
    names expected{"w.safetensors", alive, other_target, not_ours};
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(entries() == expected, boost::test_tools::per_element());
}

// A directory or FIFO that happens to have a temporary file's name is not a file of ours.
BOOST_FIXTURE_TEST_CASE(only_regular_files_are_removed, temp_dir) {
    const fs::path target = path / "w.bin";
    const std::string dir = ".w.bin.tmp-" + std::to_string(dead_pid()) + "-00000001";
    fs::create_directory(path / dir);
    tn::write_file_atomically(target, "new");
    BOOST_TEST(fs::is_directory(path / dir));
}

// Kills a child that saves a 2 MB file over and over at random moments. After each kill the
// target is exactly one of the two complete files, and the next save leaves no temporary file.
BOOST_FIXTURE_TEST_CASE(kill_9_at_random_moments, temp_dir) {
    const fs::path target = path / "weights.bin";
    const std::string a = pattern(2 << 20, 'a'), b = pattern(2 << 20, 'b');
    tn::write_file_atomically(target, a);
    // The delays span a few saves, so kills land in every phase of one.
    const auto t0 = std::chrono::steady_clock::now();
    tn::write_file_atomically(target, a);
    const auto save_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    BOOST_TEST_MESSAGE("one save: " << save_us << " us");
    std::mt19937 rng(20261201);
    std::uniform_int_distribution<long> delay_us(0, 3 * save_us + 2000);
    int rounds_with_stale_temp = 0, old_after_kill = 0, new_after_kill = 0;
    for (int round = 0; round < 50; ++round) {
        const pid_t child = fork();
        BOOST_TEST_REQUIRE(child >= 0);
        if (child == 0) {
            try {
                for (int i = 0;; ++i)
                    tn::write_file_atomically(target, i % 2 ? a : b);
            } catch (...) {
                _exit(3);
            }
        }
        usleep(static_cast<useconds_t>(delay_us(rng)));
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        BOOST_TEST_REQUIRE(WIFSIGNALED(status), "round " << round << ": the child failed");
        const std::string now = read_text(target);
        BOOST_TEST_REQUIRE((now == a || now == b), "round " << round << ": the target has "
                                                            << now.size() << " bytes of neither");
        ++(now == a ? old_after_kill : new_after_kill);
        rounds_with_stale_temp += entries().size() > 1;
        tn::write_file_atomically(target, a);
        BOOST_TEST_REQUIRE(entries() == names{"weights.bin"}, "round " << round);
    }
    BOOST_TEST_MESSAGE("50 kills: " << rounds_with_stale_temp << " left a temporary file, "
                                    << old_after_kill << " found a, " << new_after_kill
                                    << " found b");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(full_disk)

// A 256 KiB tmpfs, mounted in a child's private mount namespace (gone with the child). The child
// sends back "ok", "skip: <why>" or what failed.
BOOST_FIXTURE_TEST_CASE(the_old_file_survives_and_no_temporary_file_is_left, temp_dir) {
    int pipe_fds[2];
    BOOST_TEST_REQUIRE(pipe(pipe_fds) == 0);
    const pid_t child = fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        close(pipe_fds[0]);
        std::string report;
        const auto fail = [&report](const std::string& what) { report += what + "\n"; };
        if (unshare(CLONE_NEWNS) != 0)
            report = std::string("skip: cannot make a mount namespace: ") + std::strerror(errno);
        else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                 mount("tmpfs", path.c_str(), "tmpfs", 0, "size=256k") != 0)
            report = std::string("skip: cannot mount a tmpfs: ") + std::strerror(errno);
        else {
            try {
                const fs::path target = path / "weights.bin";
                const std::string old = pattern(64 << 10, 'o');
                tn::write_file_atomically(target, old);
                std::string msg;
                try {
                    tn::write_file_atomically(target, pattern(1 << 20, 'n'));
                    fail("a 1 MiB save on a 256 KiB tmpfs succeeded");
                } catch (const tn::io_error& e) {
                    msg = e.what();
                }
                if (!contains(msg, target.string() + ": ") ||
                    !contains(msg, "No space left on device"))
                    fail("the message does not name the target and the reason: " + msg);
                if (read_text(target) != old)
                    fail("the old file changed");
                if (entries() != names{"weights.bin"})
                    fail("a temporary file was left");
                if (report.empty())
                    report = "ok: " + msg;
            } catch (const std::exception& e) {
                fail(std::string("unexpected exception: ") + e.what());
            }
        }
        const ssize_t written = write(pipe_fds[1], report.data(), report.size());
        _exit(written == static_cast<ssize_t>(report.size()) ? 0 : 1);
    }
    close(pipe_fds[1]);
    const std::string report = read_all(pipe_fds[0]);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    BOOST_TEST_MESSAGE("child: " << report);
    if (report.rfind("skip: ", 0) == 0) {
        BOOST_TEST_MESSAGE("full-disk test skipped (needs root): " << report);
        return;
    }
    BOOST_TEST(report.rfind("ok: ", 0) == 0, report);
}

BOOST_AUTO_TEST_SUITE_END()
