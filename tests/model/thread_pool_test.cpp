// The thread pool under data_parallel (include/typenet/model/thread_pool.hpp): every thread runs
// every job once, jobs run one after the other, a job for the calling thread alone wakes no
// worker, an exception on any thread reaches the caller (and only once), and a worker that cannot
// start gives std::system_error naming it instead of std::terminate.
#define BOOST_TEST_MODULE model.thread_pool
#include "typenet/model/thread_pool.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <pthread.h>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace tn = typenet;

namespace {

/// What each thread saw of one job.
struct record {
    std::vector<std::size_t> calls;         // calls[t]: how many times thread t ran the job
    std::vector<std::thread::id> ids;       // the std::thread that ran it
    std::vector<std::size_t> seen_previous; // the job counter when thread t ran
    std::size_t job = 0;                    // the job's number
    const std::atomic<std::size_t>* done = nullptr;
    explicit record(std::size_t n)
        : calls(n)
        , ids(n)
        , seen_previous(n) {}
};

void note(void* p, std::size_t t) {
    auto& r = *static_cast<record*>(p);
    ++r.calls[t];
    r.ids[t] = std::this_thread::get_id();
    r.seen_previous[t] = r.done->load();
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

std::string start_up_error(std::size_t threads, const char* owner) {
    try {
        tn::thread_pool pool(threads, owner);
    } catch (const std::system_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

BOOST_AUTO_TEST_CASE(every_thread_runs_every_job_once_in_sequence) {
    for (const std::size_t n : {1u, 2u, 3u, 5u}) {
        BOOST_TEST_CONTEXT("threads " << n) {
            tn::thread_pool pool(n);
            BOOST_TEST(pool.threads() == n);
            std::atomic<std::size_t> done{0};
            // Enough jobs that the workers both spin and fall asleep between some of them.
            for (std::size_t job = 0; job < 200; ++job) {
                record r(n);
                r.job = job;
                r.done = &done;
                if (job % 50 == 49)
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
                pool.run(note, &r, true);
                std::set<std::thread::id> distinct(r.ids.begin(), r.ids.end());
                BOOST_TEST(distinct.size() == n);
                BOOST_TEST(r.ids[0] == std::this_thread::get_id()); // thread 0 is the caller
                for (std::size_t t = 0; t < n; ++t) {
                    BOOST_TEST(r.calls[t] == 1u);
                    BOOST_TEST(r.seen_previous[t] == job); // the previous job had finished
                }
                done.store(job + 1);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_job_for_the_caller_alone_runs_only_thread_0) {
    tn::thread_pool pool(3);
    std::atomic<std::size_t> done{0};
    record r(3);
    r.done = &done;
    pool.run(note, &r, false);
    BOOST_TEST(r.calls[0] == 1u);
    BOOST_TEST(r.calls[1] == 0u);
    BOOST_TEST(r.calls[2] == 0u);
    BOOST_TEST(r.ids[0] == std::this_thread::get_id());
}

BOOST_AUTO_TEST_CASE(an_exception_on_any_thread_reaches_the_caller_once) {
    tn::thread_pool pool(3);
    struct context {
        std::vector<bool> throw_on;
        std::atomic<std::size_t> ran{0};
    };
    const auto job = [](void* p, std::size_t t) {
        auto& c = *static_cast<context*>(p);
        c.ran.fetch_add(1);
        if (c.throw_on[t])
            throw std::runtime_error("thread " + std::to_string(t));
    };
    {
        context c{{false, true, true}};
        std::string what;
        try {
            pool.run(job, &c, true);
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        BOOST_TEST(what == "thread 1"); // the lowest thread's, after every thread has finished
        BOOST_TEST(c.ran.load() == 3u);
    }
    {
        context c{{true, false, false}};
        BOOST_CHECK_THROW(pool.run(job, &c, true), std::runtime_error);
        BOOST_TEST(c.ran.load() == 3u);
    }
    {
        // Thread 2's exception of the first job was dropped with it: this job is clean.
        context c{{false, false, false}};
        BOOST_CHECK_NO_THROW(pool.run(job, &c, true));
        BOOST_TEST(c.ran.load() == 3u);
    }
}

BOOST_AUTO_TEST_CASE(a_worker_that_cannot_start_is_named) {
    std::string message, owned;
    {
        const unstartable_threads refuse;
        message = start_up_error(4, "typenet::thread_pool");
        owned = start_up_error(2, "someone");
    }
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.find("typenet::thread_pool: cannot start worker thread 1 of 3 "
                            "(4 threads requested)") == 0);
    BOOST_TEST(owned.find("someone: cannot start worker thread 1 of 1 (2 threads requested)") == 0);
    // Afterwards threads start again, and one thread needs no worker.
    BOOST_TEST(start_up_error(3, "typenet::thread_pool").empty());
    BOOST_TEST(start_up_error(1, "typenet::thread_pool").empty());
}
