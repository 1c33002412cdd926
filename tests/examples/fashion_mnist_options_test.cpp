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
    BOOST_TEST(o.lr == 3e-3);
    BOOST_TEST(o.schedule == "one_cycle");
    BOOST_TEST(o.optimizer == "adamw");
    BOOST_TEST(o.weight_decay == 0.05);
    BOOST_TEST(o.augment == "auto");
    BOOST_TEST(o.test_views == "image+mirror");
    BOOST_TEST(!o.resume);
    BOOST_TEST(o.checkpoint == "fashion_mnist_resnet.checkpoint");
    BOOST_TEST(o.save == d.save);
    BOOST_TEST(o.load.empty());
    BOOST_TEST(o.threads == d.threads);
}

BOOST_AUTO_TEST_CASE(the_default_thread_count_is_the_hardware_concurrency) {
    BOOST_TEST(fm::default_threads() == std::max(1u, std::thread::hardware_concurrency()));
    BOOST_TEST(fm::options{}.threads == fm::default_threads());
}

BOOST_AUTO_TEST_CASE(every_option_sets_its_field) {
    const fm::options o = parse({"--epochs",     "3",     "--batch",        "32",
                                 "--lr",         "0.5",   "--lr-decay",     "0.25",
                                 "--optimizer",  "sgd",   "--init",         "xavier_uniform",
                                 "--augment",    "none",  "--test-views",   "image",
                                 "--momentum",   "0.5",   "--weight-decay", "1e-4",
                                 "--threads",    "7",     "--seed",         "18446744073709551615",
                                 "--data",       "d",     "--save",         "s.st",
                                 "--load",       "l.st",  "--csv",          "c.csv",
                                 "--plot",       "p.png", "--train-limit",  "100",
                                 "--test-limit", "10"});
    BOOST_TEST(o.epochs == 3u);
    BOOST_TEST(o.batch == 32u);
    BOOST_TEST(o.lr == 0.5);
    BOOST_TEST(o.lr_decay == 0.25);
    BOOST_TEST(o.optimizer == "sgd");
    BOOST_TEST(o.init == "xavier_uniform");
    BOOST_TEST(o.augment == "none");
    BOOST_TEST(o.test_views == "image");
    BOOST_TEST(o.momentum == 0.5);
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

BOOST_AUTO_TEST_CASE(augment_auto_crops_from_20_epochs_on) {
    fm::options o;
    o.epochs = 19;
    BOOST_TEST(fm::resolved_augment(o) == "flip");
    o.epochs = 20;
    BOOST_TEST(fm::resolved_augment(o) == "crop+flip");
    o.augment = "none";
    BOOST_TEST(fm::resolved_augment(o) == "none");
    o.epochs = 7;
    o.augment = "crop";
    BOOST_TEST(fm::resolved_augment(o) == "crop");
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
    BOOST_TEST(contains(h, "  --epochs UINT:POSITIVE=7    passes over the training set"));
    BOOST_TEST(contains(h, "  --batch UINT:POSITIVE=64    mini-batch size\n"));
    BOOST_TEST(
        contains(h, "  --lr FLOAT:POSITIVE=0.003   learning rate (one_cycle, cosine: the peak"));
    BOOST_TEST(contains(h, "  --schedule TEXT:{one_cycle,cosine,step,constant}=one_cycle\n"));
    BOOST_TEST(contains(h, "  --resume                    continue from --checkpoint"));
    BOOST_TEST(contains(h, "  --lr-decay FLOAT=0.9        "));
    BOOST_TEST(contains(h, "  --optimizer TEXT:{adam,adamw,sgd}=adamw\n" + std::string(30, ' ') +
                               "adam, adamw (decoupled weight decay) or sgd\n"));
    BOOST_TEST(contains(h, "  --init TEXT:{pytorch_default,kaiming_uniform,xavier_uniform}="
                           "kaiming_uniform\n"));
    BOOST_TEST(contains(h, "  --augment TEXT:{auto,crop+flip,crop,flip,none}=auto\n"));
    BOOST_TEST(contains(h, "  --test-views TEXT:{image,image+mirror}=image+mirror\n"));
    BOOST_TEST(contains(h, "  --momentum FLOAT=0.9 "));
    BOOST_TEST(contains(h, "  --weight-decay FLOAT=0.05 "));
    BOOST_TEST(contains(h, "  --threads UINT:POSITIVE=2   worker threads, at most 256\n"));
    BOOST_TEST(contains(h, "  --seed UINT=1 "));
    BOOST_TEST(contains(h, "  --data TEXT=/usr/share/datasets/fashion-mnist\n"));
    BOOST_TEST(contains(h, "  --save TEXT=fashion_mnist_resnet.safetensors\n"));
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
    BOOST_TEST(error_of({"--epochs"}) == "--epochs: missing value (UINT:POSITIVE)");
    BOOST_TEST(error_of({"--epochs", "--data", "d"}) == "--epochs: missing value (UINT:POSITIVE)");
    BOOST_TEST(error_of({"--optimizer"}) == "--optimizer: missing value (TEXT:{adam,adamw,sgd})");
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
    BOOST_TEST(parse({"--train-limit", "0"}).train_limit == 0u);
}

// Zero epochs would save untrained weights; evaluating saved weights is --load.
BOOST_AUTO_TEST_CASE(zero_epochs_are_refused) {
    BOOST_TEST(error_of({"--epochs", "0"}) == "--epochs: must be positive, got 0");
    BOOST_TEST(parse({"--epochs", "1"}).epochs == 1u);
}

// The model computes in float: a rate that is 0 or subnormal there does not train, one beyond
// FLT_MAX is inf.
BOOST_AUTO_TEST_CASE(the_learning_rate_is_a_normal_float) {
    const std::string range = " is not a normal float (the model's type): it must lie in "
                              "[1.17549e-38, 3.40282e+38]";
    BOOST_TEST(error_of({"--lr", "4.9e-324"}) == "--lr: 4.9e-324" + range);
    BOOST_TEST(error_of({"--lr", "1e-40"}) == "--lr: 1e-40" + range); // subnormal in float
    BOOST_TEST(error_of({"--lr", "1e39"}) == "--lr: 1e39" + range);
    BOOST_TEST(parse({"--lr", "1.2e-38", "--epochs", "1"}).lr == 1.2e-38);
    BOOST_TEST(parse({"--lr", "3e38"}).lr == 3e38);
}

BOOST_AUTO_TEST_CASE(ranges) {
    BOOST_TEST(error_of({"--lr-decay", "-1"}) == "--lr-decay: must be in (0, 1], got -1");
    BOOST_TEST(error_of({"--lr-decay", "0"}) == "--lr-decay: must be in (0, 1], got 0");
    BOOST_TEST(error_of({"--lr-decay", "1.5"}) == "--lr-decay: must be in (0, 1], got 1.5");
    BOOST_TEST(parse({"--lr-decay", "1"}).lr_decay == 1.0);
    BOOST_TEST(error_of({"--momentum", "-0.5"}) == "--momentum: must be in [0, 1), got -0.5");
    BOOST_TEST(error_of({"--momentum", "1"}) == "--momentum: must be in [0, 1), got 1");
    BOOST_TEST(parse({"--momentum", "0"}).momentum == 0.0);
    BOOST_TEST(error_of({"--weight-decay", "-1e-4"}) == "--weight-decay: must be >= 0, got -1e-4");
    BOOST_TEST(parse({"--weight-decay", "0"}).weight_decay == 0.0);
}

// The last epoch's rate, lr * lr_decay^(epochs - 1), must not underflow float either.
BOOST_AUTO_TEST_CASE(the_last_learning_rate_is_a_normal_float) {
    BOOST_TEST(error_of({"--schedule", "step", "--epochs", "40", "--lr", "0.002", "--lr-decay",
                         "1e-10"}) ==
               "--lr-decay: 1e-10 makes the learning rate of epoch 40 2e-393, below the "
               "smallest normal float (1.17549e-38); raise --lr-decay or lower --epochs");
    BOOST_TEST(contains(
        error_of({"--schedule", "step", "--lr", "1e-37", "--lr-decay", "0.5", "--epochs", "5"}),
        "epoch 5 6.25e-39, below the smallest normal float"));
    BOOST_TEST(parse({"--schedule", "step", "--lr-decay", "1e-10", "--epochs", "2"}).lr_decay ==
               1e-10);
    // Only the step schedule decays per epoch.
    BOOST_TEST(parse({"--lr-decay", "1e-10", "--epochs", "40"}).lr_decay == 1e-10);
}

BOOST_AUTO_TEST_CASE(thread_count_limit) {
    BOOST_TEST(error_of({"--threads", "1000"}) ==
               "--threads: 1000 is more than 256, the most this program accepts");
    BOOST_TEST(error_of({"--threads", "257"}) ==
               "--threads: 257 is more than 256, the most this program accepts");
    BOOST_TEST(parse({"--threads", "256"}).threads == 256u);
}

BOOST_AUTO_TEST_CASE(values_from_a_set) {
    BOOST_TEST(error_of({"--optimizer", "foo"}) ==
               "--optimizer: 'foo' is not one of adam, adamw, sgd");
    BOOST_TEST(error_of({"--optimizer", "Adam"}) ==
               "--optimizer: 'Adam' is not one of adam, adamw, sgd");
    BOOST_TEST(error_of({"--augment", ""}) ==
               "--augment: '' is not one of auto, crop+flip, crop, flip, none");
    BOOST_TEST(error_of({"--schedule", "linear"}) ==
               "--schedule: 'linear' is not one of one_cycle, cosine, step, constant");
    BOOST_TEST(error_of({"--resume=yes"}) == "--resume takes no value");
    BOOST_TEST(parse({"--resume"}).resume);
    BOOST_TEST(error_of({"--warmup", "0"}) ==
               "--warmup: one_cycle needs a rising share in (0, 1), got 0");
    BOOST_TEST(error_of({"--init", "bogus"}) ==
               "--init: 'bogus' is not one of pytorch_default, kaiming_uniform, xavier_uniform");
    for (const char* scheme : {"pytorch_default", "kaiming_uniform", "xavier_uniform"})
        BOOST_TEST(parse({"--init", scheme}).init == scheme);
}

BOOST_AUTO_TEST_CASE(an_option_given_twice) {
    BOOST_TEST(error_of({"--epochs", "3", "--epochs=4"}) == "--epochs: given more than once");
}

BOOST_AUTO_TEST_CASE(the_model_names_the_weights_file) {
    BOOST_TEST(parse({}).model == "resnet");
    BOOST_TEST(parse({}).save == "fashion_mnist_resnet.safetensors");
    for (const std::string name : fm::model_names) {
        BOOST_TEST(parse({"--model", name}).model == name);
        BOOST_TEST(parse({"--model", name}).save == "fashion_mnist_" + name + ".safetensors");
        BOOST_TEST(parse({"--model", name, "--save", "w.st"}).save == "w.st");
        BOOST_TEST(parse({"--save=", "--model", name}).save == "");
        BOOST_TEST(parse({"--model", name}).checkpoint == "fashion_mnist_" + name + ".checkpoint");
    }
    BOOST_TEST(error_of({"--model", "vgg19"}) ==
               "--model: 'vgg19' is not one of resnet, lenet5, separable, vgg_small");
}
