// data_parallel's start-up (include/typenet/model/data_parallel.hpp): when the system refuses a
// worker thread, the constructor throws std::system_error naming the thread, after stopping and
// joining the workers already started, instead of calling std::terminate.
#define BOOST_TEST_MODULE model.data_parallel
#include "typenet/dsl/seed_net.hpp"
#include "typenet/model/data_parallel.hpp"

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdio>
#include <pthread.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace tn = typenet;
using workers_t = tn::data_parallel<tn::dsl::seed_net, tn::dsl::seed_input>;

namespace {

/// The message of the std::system_error that constructing `threads` workers throws.
std::string start_up_error(std::size_t threads) {
    try {
        workers_t workers(threads);
    } catch (const std::system_error& e) {
        return e.what();
    }
    return "";
}

/// Makes every thread created from now on ask for a stack larger than the address space, so
/// that pthread_create fails; restores the default on destruction.
class unstartable_threads {
public:
    unstartable_threads() {
        BOOST_TEST_REQUIRE(pthread_getattr_default_np(&saved_) == 0);
        pthread_attr_t huge;
        BOOST_TEST_REQUIRE(pthread_attr_init(&huge) == 0);
        BOOST_TEST_REQUIRE(pthread_attr_setstacksize(&huge, std::size_t{1} << 50) == 0);
        BOOST_TEST_REQUIRE(pthread_setattr_default_np(&huge) == 0);
        pthread_attr_destroy(&huge);
    }
    ~unstartable_threads() {
        pthread_setattr_default_np(&saved_);
        pthread_attr_destroy(&saved_);
    }
    unstartable_threads(const unstartable_threads&) = delete;
    unstartable_threads& operator=(const unstartable_threads&) = delete;

private:
    pthread_attr_t saved_;
};

} // namespace

BOOST_AUTO_TEST_CASE(no_thread_can_start) {
    std::string message;
    {
        const unstartable_threads refuse;
        message = start_up_error(4);
    }
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.find("typenet::data_parallel: cannot start worker thread 1 of 3 "
                            "(4 threads requested)") == 0);
    // Afterwards threads start again, and one worker needs none.
    BOOST_TEST(start_up_error(3).empty());
    BOOST_TEST(start_up_error(1).empty());
}

BOOST_AUTO_TEST_CASE(the_started_threads_are_joined) {
    // A process limit of a few threads, for a user who has no other process: the third worker
    // cannot start. RLIMIT_NPROC does not bind root, so the check runs in a child that gives up
    // root; it needs root to do so, and says so when it cannot.
    if (geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: needs root to run a child under another user's limit");
        return;
    }
    std::fflush(nullptr);
    const pid_t child = fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        // An id no account uses, so that no other process counts against the limit.
        constexpr uid_t unused_id = 61733;
        if (setgid(unused_id) != 0 || setuid(unused_id) != 0)
            _exit(10);
        const rlimit three{3, 3}; // this process and two threads
        if (setrlimit(RLIMIT_NPROC, &three) != 0)
            _exit(11);
        const std::string message = start_up_error(8);
        const bool named = message.find("cannot start worker thread 3 of 7") != std::string::npos;
        // The two started workers were joined: the process is alone again, so two threads can
        // start once more.
        const bool joined = start_up_error(3).empty();
        std::fprintf(stderr, "child: '%s'\n", message.c_str());
        _exit(named && joined ? 0 : 12);
    }
    int status = 0;
    BOOST_TEST_REQUIRE(waitpid(child, &status, 0) == child);
    BOOST_TEST_REQUIRE(WIFEXITED(status)); // std::terminate would end it with SIGABRT
    if (WEXITSTATUS(status) == 10 || WEXITSTATUS(status) == 11) {
        BOOST_TEST_MESSAGE("skipped: could not give up root or set RLIMIT_NPROC");
        return;
    }
    BOOST_TEST(WEXITSTATUS(status) == 0);
}
