// The Fashion-MNIST trainer's command-line parser (examples/fashion_mnist/options.hpp): every
// option and both spellings, the defaults kept, the --help table, and every way a command line
// can be wrong (each error must name the option or argument).
#define BOOST_TEST_MODULE examples.fashion_mnist_options
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "examples/fashion_mnist/options.hpp"

namespace fm = fashion_mnist;

namespace {

fm::options parse(const std::vector<std::string>& args) {
    fm::options opt;
    BOOST_TEST(fm::parse_options(args, opt));
    return opt;
}

/// The usage_error message for `args` ("" and a failed check if there is none).
std::string error_of(const std::vector<std::string>& args) {
    fm::options opt;
    try {
        fm::parse_options(args, opt);
    } catch (const fm::usage_error& e) {
        BOOST_TEST_MESSAGE("usage_error: " << e.what());
        return e.what();
    }
    BOOST_ERROR("no usage_error for the command line");
    return "";
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(no_arguments_keep_the_defaults) {
    const fm::options d, o = parse({});
    BOOST_TEST(o.epochs == d.epochs);
    BOOST_TEST(o.batch == 64u);
    BOOST_TEST(o.lr == 2e-3);
    BOOST_TEST(o.optimizer == "adam");
    BOOST_TEST(o.augment == "flip");
    BOOST_TEST(o.save == d.save);
    BOOST_TEST(o.load.empty());
    BOOST_TEST(o.threads == d.threads);
}

BOOST_AUTO_TEST_CASE(the_default_thread_count_is_the_hardware_concurrency) {
    BOOST_TEST(fm::default_threads() == std::max(1u, std::thread::hardware_concurrency()));
    BOOST_TEST(fm::options{}.threads == fm::default_threads());
}

BOOST_AUTO_TEST_CASE(every_option_sets_its_field) {
    const fm::options o = parse({"--epochs",       "3",
                                 "--batch",        "32",
                                 "--lr",           "0.5",
                                 "--lr-decay",     "0.25",
                                 "--optimizer",    "sgd",
                                 "--init",         "xavier_uniform",
                                 "--augment",      "none",
                                 "--momentum",     "-0.5",
                                 "--weight-decay", "1e-4",
                                 "--threads",      "7",
                                 "--seed",         "18446744073709551615",
                                 "--data",         "d",
                                 "--save",         "s.st",
                                 "--load",         "l.st",
                                 "--csv",          "c.csv",
                                 "--plot",         "p.png",
                                 "--train-limit",  "100",
                                 "--test-limit",   "10"});
    BOOST_TEST(o.epochs == 3u);
    BOOST_TEST(o.batch == 32u);
    BOOST_TEST(o.lr == 0.5);
    BOOST_TEST(o.lr_decay == 0.25);
    BOOST_TEST(o.optimizer == "sgd");
    BOOST_TEST(o.init == "xavier_uniform");
    BOOST_TEST(o.augment == "none");
    BOOST_TEST(o.momentum == -0.5);
    BOOST_TEST(o.weight_decay == 1e-4);
    BOOST_TEST(o.threads == 7u);
    BOOST_TEST(o.seed == 18446744073709551615ull);
    BOOST_TEST(o.data == "d");
    BOOST_TEST(o.save == "s.st");
    BOOST_TEST(o.load == "l.st");
    BOOST_TEST(o.csv == "c.csv");
    BOOST_TEST(o.plot == "p.png");
    BOOST_TEST(o.train_limit == 100u);
    BOOST_TEST(o.test_limit == 10u);
}

BOOST_AUTO_TEST_CASE(equals_spelling_and_empty_text) {
    const fm::options o = parse({"--epochs=5", "--save=", "--csv", "", "--load=a=b"});
    BOOST_TEST(o.epochs == 5u);
    BOOST_TEST(o.save.empty());
    BOOST_TEST(o.csv.empty());
    BOOST_TEST(o.load == "a=b");
}

BOOST_AUTO_TEST_CASE(help_is_asked_for) {
    fm::options opt;
    BOOST_TEST(!fm::parse_options({"--help"}, opt));
    BOOST_TEST(!fm::parse_options({"--epochs", "2", "-h"}, opt));
}

BOOST_AUTO_TEST_CASE(help_lists_every_option_with_its_default) {
    fm::options d;
    d.threads = 2;
    const std::string h = fm::help_text("fm", d);
    BOOST_TEST_MESSAGE(h);
    BOOST_TEST(contains(h, "Usage: fm [OPTIONS]\n"));
    BOOST_TEST(contains(h, "  -h,--help                   Print this help message and exit\n"));
    BOOST_TEST(contains(h, "  --epochs UINT=40            passes over the training set\n"));
    BOOST_TEST(contains(h, "  --batch UINT:POSITIVE=64    mini-batch size\n"));
    BOOST_TEST(contains(h, "  --lr FLOAT:POSITIVE=0.002   learning rate of the first epoch\n"));
    BOOST_TEST(contains(h, "  --lr-decay FLOAT=0.9        "));
    BOOST_TEST(contains(h, "  --optimizer TEXT:{adam,sgd}=adam\n" + std::string(30, ' ') +
                               "adam or sgd\n"));
    BOOST_TEST(contains(h, "  --init TEXT=pytorch_default parameter initialisation"));
    BOOST_TEST(contains(h, "  --augment TEXT:{flip,none}=flip\n"));
    BOOST_TEST(contains(h, "  --momentum FLOAT=0.9 "));
    BOOST_TEST(contains(h, "  --weight-decay FLOAT=0 "));
    BOOST_TEST(contains(h, "  --threads UINT:POSITIVE=2 "));
    BOOST_TEST(contains(h, "  --seed UINT=1 "));
    BOOST_TEST(contains(h, "  --data TEXT=/usr/share/datasets/fashion-mnist\n"));
    BOOST_TEST(contains(h, "  --save TEXT=fashion_mnist_lenet5.safetensors\n"));
    BOOST_TEST(contains(h, "  --load TEXT                 evaluate these weights"));
    BOOST_TEST(contains(h, "  --csv TEXT=fashion_mnist_log.csv\n"));
    BOOST_TEST(contains(h, "  --plot TEXT=fashion_mnist_curves.png\n"));
    BOOST_TEST(contains(h, "  --train-limit UINT=0        use only the first N training images"));
    BOOST_TEST(contains(h, "  --test-limit UINT=0         use only the first N test images"));
}

BOOST_AUTO_TEST_CASE(unknown_options_and_stray_arguments) {
    BOOST_TEST(error_of({"--bogus", "1"}) == "unknown option '--bogus'");
    BOOST_TEST(error_of({"--bogus=1"}) == "unknown option '--bogus'");
    BOOST_TEST(contains(error_of({"extra"}), "unexpected argument 'extra'"));
    BOOST_TEST(contains(error_of({"-e", "3"}), "unexpected argument '-e'"));
    BOOST_TEST(contains(error_of({"--"}), "unexpected argument '--'"));
    BOOST_TEST(contains(error_of({"--epochs", "3", "4"}), "unexpected argument '4'"));
    BOOST_TEST(error_of({"--help=1"}) == "--help takes no value");
}

BOOST_AUTO_TEST_CASE(missing_values) {
    BOOST_TEST(error_of({"--epochs"}) == "--epochs: missing value (UINT)");
    BOOST_TEST(error_of({"--epochs", "--data", "d"}) == "--epochs: missing value (UINT)");
    BOOST_TEST(error_of({"--optimizer"}) == "--optimizer: missing value (TEXT:{adam,sgd})");
    BOOST_TEST(error_of({"--epochs="}) == "--epochs: '' is not a non-negative integer");
    BOOST_TEST(error_of({"--lr="}) == "--lr: '' is not a number");
}

BOOST_AUTO_TEST_CASE(not_numbers) {
    BOOST_TEST(error_of({"--epochs", "x"}) == "--epochs: 'x' is not a non-negative integer");
    BOOST_TEST(error_of({"--epochs", "2.5"}) == "--epochs: '2.5' is not a non-negative integer");
    BOOST_TEST(error_of({"--epochs", "-1"}) == "--epochs: '-1' is not a non-negative integer");
    BOOST_TEST(error_of({"--seed", "+1"}) == "--seed: '+1' is not a non-negative integer");
    BOOST_TEST(error_of({"--batch", "1e2"}) == "--batch: '1e2' is not a non-negative integer");
    BOOST_TEST(error_of({"--test-limit", " 3"}) ==
               "--test-limit: ' 3' is not a non-negative integer");
    BOOST_TEST(error_of({"--seed", "18446744073709551616"}) ==
               "--seed: '18446744073709551616' is too large");
    BOOST_TEST(error_of({"--lr", "abc"}) == "--lr: 'abc' is not a number");
    BOOST_TEST(error_of({"--momentum", "0.9x"}) == "--momentum: '0.9x' is not a number");
    BOOST_TEST(error_of({"--lr-decay", "nan"}) == "--lr-decay: 'nan' is not a finite number");
    BOOST_TEST(error_of({"--lr", "inf"}) == "--lr: 'inf' is not a finite number");
    BOOST_TEST(error_of({"--weight-decay", "1e999"}) ==
               "--weight-decay: '1e999' is not a finite number");
}

BOOST_AUTO_TEST_CASE(positive_values) {
    BOOST_TEST(error_of({"--batch", "0"}) == "--batch: must be positive, got 0");
    BOOST_TEST(error_of({"--threads", "0"}) == "--threads: must be positive, got 0");
    BOOST_TEST(error_of({"--lr", "0"}) == "--lr: must be positive, got 0");
    BOOST_TEST(error_of({"--lr", "-1e-3"}) == "--lr: must be positive, got -1e-3");
    BOOST_TEST(parse({"--epochs", "0", "--train-limit", "0"}).epochs == 0u);
    BOOST_TEST(parse({"--lr-decay", "0"}).lr_decay == 0.0);
}

BOOST_AUTO_TEST_CASE(values_from_a_set) {
    BOOST_TEST(error_of({"--optimizer", "foo"}) == "--optimizer: 'foo' is not one of adam, sgd");
    BOOST_TEST(error_of({"--optimizer", "Adam"}) == "--optimizer: 'Adam' is not one of adam, sgd");
    BOOST_TEST(error_of({"--augment", ""}) == "--augment: '' is not one of flip, none");
}

BOOST_AUTO_TEST_CASE(an_option_given_twice) {
    BOOST_TEST(error_of({"--epochs", "3", "--epochs=4"}) == "--epochs: given more than once");
}
