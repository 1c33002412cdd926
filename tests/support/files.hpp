#pragma once
// Test helpers for the io/ tests: a temporary directory that removes itself, and the message of
// the io_error a call throws.

#include "typenet/io/error.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace typenet::test {

/// A new directory under the system's temporary directory, removed with everything in it (also
/// after a test took away its permissions).
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& prefix = "typenet-test-") {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path, ec);
    }
    /// Every entry of the directory, sorted (to show that no temporary file is left behind).
    std::vector<std::string> entries() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(path))
            out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

/// The message of the io_error that f() throws; fails the test if it throws none.
template<class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const typenet::io_error& e) {
        BOOST_TEST_MESSAGE("io_error: " << e.what());
        return e.what();
    }
    BOOST_ERROR("expected a typenet::io_error");
    return {};
}

inline bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

} // namespace typenet::test
