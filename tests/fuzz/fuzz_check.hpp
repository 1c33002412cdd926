#pragma once
// What the fuzz targets share: the readers take paths, so each input is written to a scratch file
// first; and FUZZ_CHECK, an invariant whose failure aborts, which libFuzzer (and the replay
// driver, tests/fuzz/replay.cpp) reports as a crash with the input that caused it.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace typenet::fuzz {

/// A directory of this process under the temporary directory ($TMPDIR), removed at exit.
inline const std::filesystem::path& scratch_dir() {
    static const struct dir {
        std::filesystem::path path =
            std::filesystem::temp_directory_path() / ("typenet-fuzz-" + std::to_string(::getpid()));
        dir() { std::filesystem::create_directories(path); }
        ~dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    } d;
    return d.path;
}

/// Writes `n` bytes to the scratch file `name` (replacing it) and returns its path.
inline std::filesystem::path write_input(const char* name, const std::uint8_t* data,
                                         std::size_t n) {
    const std::filesystem::path p = scratch_dir() / name;
    std::FILE* f = std::fopen(p.c_str(), "wb");
    FUZZ_CHECK(f != nullptr);
    FUZZ_CHECK(n == 0 || std::fwrite(data, 1, n, f) == n);
    FUZZ_CHECK(std::fclose(f) == 0);
    return p;
}

} // namespace typenet::fuzz
