// The trainer's command line (options.hpp). It replaced CLI11, whose header alone took about 5.5 s
// to compile (docs/performance.md, "Compile time (the trainer)"); --help prints the same table.

#include "options.hpp"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace fashion_mnist {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

/// One option: its name, where its value goes (exactly one target), its checks and its help.
struct option_spec {
    std::string_view name; // "--epochs"
    std::string_view help;
    std::size_t* count = nullptr;               // UINT
    std::uint64_t* seed = nullptr;              // UINT
    double* real = nullptr;                     // FLOAT
    std::string* text = nullptr;                // TEXT
    bool* flag = nullptr;                       // no value: given or not
    bool positive = false;                      // the number must be > 0
    std::size_t most = 0;                       // UINT: at most this (0: no limit)
    double low = -infinity, high = infinity;    // FLOAT: in [low, high] ...
    bool low_open = false, high_open = false;   // ... or (low, ...), (..., high)
    bool float_normal = false;                  // FLOAT: a normal float (the model's type)
    std::vector<std::string_view> choices = {}; // TEXT: one of these
};

/// The options, bound to `o`, in --help order.
std::vector<option_spec> option_specs(options& o) {
    return {
        {.name = "--model",
         .help = "the network (dsl/<model>.hpp)",
         .text = &o.model,
         .choices = {std::begin(model_names), std::end(model_names)}},
        {.name = "--epochs",
         .help = "passes over the training set (to evaluate without training: --load)",
         .count = &o.epochs,
         .positive = true},
        {.name = "--batch", .help = "mini-batch size", .count = &o.batch, .positive = true},
        {.name = "--lr",
         .help = "learning rate (one_cycle, cosine: the peak; step: the first epoch's)",
         .real = &o.lr,
         .positive = true,
         .float_normal = true},
        {.name = "--schedule",
         .help = "learning-rate schedule over the run's steps",
         .text = &o.schedule,
         .choices = {"one_cycle", "cosine", "step", "constant"}},
        {.name = "--warmup",
         .help = "one_cycle: share of the run rising to --lr, in (0, 1); cosine: share of linear "
                 "warm-up, in [0, 1)",
         .real = &o.warmup,
         .low = 0,
         .high = 1,
         .high_open = true},
        {.name = "--lr-decay",
         .help = "step schedule: learning-rate factor per epoch, in (0, 1]",
         .real = &o.lr_decay,
         .low = 0,
         .high = 1,
         .low_open = true},
        {.name = "--optimizer",
         .help = "adam, adamw (decoupled weight decay) or sgd",
         .text = &o.optimizer,
         .choices = {"adam", "adamw", "sgd"}},
        {.name = "--init",
         .help = "parameter initialisation",
         .text = &o.init,
         .choices = {"pytorch_default", "kaiming_uniform", "xavier_uniform"}},
        {.name = "--augment",
         .help = "training-data augmentation: crop (random 28x28 window of the image zero-padded "
                 "by 2), flip (random left-right mirror), both, or none; auto: crop+flip for 20 "
                 "epochs or more, flip for fewer",
         .text = &o.augment,
         .choices = {"auto", "crop+flip", "crop", "flip", "none"}},
        {.name = "--test-views",
         .help = "what each test prediction averages: the image, or the image and its left-right "
                 "mirror (softmax distributions averaged; twice the evaluation's work)",
         .text = &o.test_views,
         .choices = {"image", "image+mirror"}},
        {.name = "--momentum",
         .help = "SGD momentum, in [0, 1)",
         .real = &o.momentum,
         .low = 0,
         .high = 1,
         .high_open = true},
        {.name = "--nesterov",
         .help = "SGD: Nesterov momentum",
         .text = &o.nesterov,
         .choices = {"off", "on"}},
        {.name = "--weight-decay",
         .help = "weight decay, >= 0 (L2 for adam and sgd, decoupled for adamw)",
         .real = &o.weight_decay,
         .low = 0},
        {.name = "--threads",
         .help = "worker threads, at most 256",
         .count = &o.threads,
         .positive = true,
         .most = max_threads},
        {.name = "--seed", .help = "seed of initialisation and shuffling", .seed = &o.seed},
        {.name = "--data",
         .help = "directory with the Fashion-MNIST IDX .gz files",
         .text = &o.data},
        {.name = "--save",
         .help = "safetensors file for the trained weights ('' to skip; the default has the "
                 "--model's name)",
         .text = &o.save},
        {.name = "--load", .help = "evaluate these weights instead of training", .text = &o.load},
        {.name = "--checkpoint",
         .help = "checkpoint written atomically after every epoch ('' to skip)",
         .text = &o.checkpoint},
        {.name = "--resume",
         .help = "continue from --checkpoint if it exists (same settings)",
         .flag = &o.resume},
        {.name = "--progress",
         .help = "auto (a bar on a terminal, lines otherwise), bar, lines or none",
         .text = &o.progress,
         .choices = {"auto", "bar", "lines", "none"}},
        {.name = "--csv", .help = "CSV log of the curves ('' to skip)", .text = &o.csv},
        {.name = "--plot",
         .help = "PNG plot of the curves, if gnuplot is installed",
         .text = &o.plot},
        {.name = "--train-limit",
         .help = "use only the first N training images (0: all)",
         .count = &o.train_limit},
        {.name = "--test-limit",
         .help = "use only the first N test images (0: all)",
         .count = &o.test_limit},
    };
}

std::string quoted(std::string_view s) {
    std::string q = "'";
    q += s;
    return q += '\'';
}

/// `v` as --help and the messages show it (%g).
std::string number_string(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

template<class U>
U parse_unsigned(std::string_view name, std::string_view value, bool positive, std::size_t most) {
    unsigned long long v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec == std::errc::invalid_argument || end != value.data() + value.size())
        throw usage_error(std::string(name) + ": " + quoted(value) +
                          " is not a non-negative integer");
    if (ec == std::errc::result_out_of_range || v > std::numeric_limits<U>::max())
        throw usage_error(std::string(name) + ": " + quoted(value) + " is too large");
    if (positive && v == 0)
        throw usage_error(std::string(name) + ": must be positive, got 0");
    if (most && v > most)
        throw usage_error(std::string(name) + ": " + std::string(value) + " is more than " +
                          std::to_string(most) + ", the most this program accepts");
    return static_cast<U>(v);
}

double parse_real(const option_spec& s, std::string_view value) {
    const std::string_view name = s.name;
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec == std::errc::invalid_argument || end != value.data() + value.size())
        throw usage_error(std::string(name) + ": " + quoted(value) + " is not a number");
    constexpr double max = std::numeric_limits<double>::max();
    if (ec == std::errc::result_out_of_range || !(v >= -max && v <= max)) // inf, nan
        throw usage_error(std::string(name) + ": " + quoted(value) + " is not a finite number");
    if (s.positive && !(v > 0))
        throw usage_error(std::string(name) + ": must be positive, got " + std::string(value));
    const bool above = s.low_open ? v > s.low : v >= s.low;
    const bool below = s.high_open ? v < s.high : v <= s.high;
    if (!above || !below) {
        const std::string range = s.high == infinity
                                      ? (s.low_open ? "> " : ">= ") + number_string(s.low)
                                      : "in " + std::string(s.low_open ? "(" : "[") +
                                            number_string(s.low) + ", " + number_string(s.high) +
                                            (s.high_open ? ")" : "]");
        throw usage_error(std::string(name) + ": must be " + range + ", got " + std::string(value));
    }
    // The model computes in float: a value below FLT_MIN is subnormal there or rounds to 0 (a
    // learning rate of 4.9e-324 would train with a zero rate), one above FLT_MAX becomes inf.
    if (s.float_normal && !(v >= FLT_MIN && v <= FLT_MAX))
        throw usage_error(std::string(name) + ": " + std::string(value) +
                          " is not a normal float (the model's type): it must lie in [" +
                          number_string(FLT_MIN) + ", " + number_string(FLT_MAX) + "]");
    return v;
}

void assign(const option_spec& s, std::string_view value) {
    if (s.count)
        *s.count = parse_unsigned<std::size_t>(s.name, value, s.positive, s.most);
    else if (s.seed)
        *s.seed = parse_unsigned<std::uint64_t>(s.name, value, s.positive, s.most);
    else if (s.real)
        *s.real = parse_real(s, value);
    else {
        if (!s.choices.empty()) {
            bool member = false;
            std::string list;
            for (const auto c : s.choices) {
                member = member || c == value;
                list += (list.empty() ? "" : ", ") + std::string(c);
            }
            if (!member)
                throw usage_error(std::string(s.name) + ": " + quoted(value) + " is not one of " +
                                  list);
        }
        *s.text = value;
    }
}

/// "UINT", "FLOAT:POSITIVE", "TEXT:{adam,sgd}", ...
std::string type_name(const option_spec& s) {
    if (s.flag)
        return "";
    std::string t = s.real ? "FLOAT" : s.text ? "TEXT" : "UINT";
    if (s.positive)
        t += ":POSITIVE";
    if (!s.choices.empty()) {
        t += ":{";
        for (std::size_t i = 0; i < s.choices.size(); ++i)
            (t += i ? "," : "") += s.choices[i];
        t += '}';
    }
    return t;
}

/// The value as --help shows it as a default ("" for an empty text: no default).
std::string value_string(const option_spec& s) {
    if (s.count)
        return std::to_string(*s.count);
    if (s.seed)
        return std::to_string(*s.seed);
    if (s.real)
        return number_string(*s.real);
    if (s.flag)
        return "";
    return *s.text;
}

bool starts_with_dashes(std::string_view a) {
    return a.size() >= 2 && a[0] == '-' && a[1] == '-';
}

} // namespace

std::size_t default_threads() {
    // std::thread::hardware_concurrency() as libstdc++ computes it on Linux (get_nprocs(), which
    // this sysconf returns), without <thread>: 0.35 s of this unit's compile time.
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<std::size_t>(n) : 1;
}

std::string resolved_augment(const options& opt) {
    if (opt.augment != "auto")
        return opt.augment;
    return opt.epochs >= 20 ? "crop+flip" : "flip";
}

bool parse_options(const std::vector<std::string>& args, options& opt) {
    const std::vector<option_spec> specs = option_specs(opt);
    std::vector<bool> seen(specs.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help")
            return false;
        if (!starts_with_dashes(arg) || arg.size() == 2)
            throw usage_error("unexpected argument " + quoted(arg) +
                              " (options are --name VALUE or --name=VALUE)");
        const std::size_t eq = arg.find('=');
        const std::string_view name = arg.substr(0, eq);
        if (name == "--help")
            throw usage_error("--help takes no value");
        std::size_t k = 0;
        while (k < specs.size() && specs[k].name != name)
            ++k;
        if (k == specs.size())
            throw usage_error("unknown option " + quoted(name));
        if (seen[k])
            throw usage_error(std::string(name) + ": given more than once");
        seen[k] = true;
        std::string_view value;
        if (specs[k].flag) {
            if (eq != std::string_view::npos)
                throw usage_error(std::string(name) + " takes no value");
            *specs[k].flag = true;
            continue;
        }
        if (eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
        } else {
            if (i + 1 == args.size() || starts_with_dashes(args[i + 1]))
                throw usage_error(std::string(name) + ": missing value (" + type_name(specs[k]) +
                                  ")");
            value = args[++i];
        }
        assign(specs[k], value);
    }
    // The weights file and the checkpoint are named after the network unless the options name
    // them.
    const auto given = [&](std::string_view option) {
        for (std::size_t k = 0; k < specs.size(); ++k)
            if (specs[k].name == option)
                return bool(seen[k]);
        return false;
    };
    if (!given("--save"))
        opt.save = "fashion_mnist_" + opt.model + ".safetensors";
    if (!given("--checkpoint"))
        opt.checkpoint = "fashion_mnist_" + opt.model + ".checkpoint";
    // The learning rate of the last epoch, lr * lr_decay^(epochs - 1), must still be a normal
    // float, or the last epochs would train with a zero (or subnormal) rate.
    const double decays = double(opt.epochs > 0 && opt.schedule == "step" ? opt.epochs - 1 : 0);
    if (opt.schedule == "one_cycle" && !(opt.warmup > 0))
        throw usage_error("--warmup: one_cycle needs a rising share in (0, 1), got 0");
    if (const double last_lr = opt.lr * std::pow(opt.lr_decay, decays); !(last_lr >= FLT_MIN)) {
        // Shown through its logarithm: it may be too small for a double too.
        const double e = std::log10(opt.lr) + decays * std::log10(opt.lr_decay);
        const double exponent = std::floor(e);
        char shown[48];
        std::snprintf(shown, sizeof shown, "%ge%.0f", std::pow(10.0, e - exponent), exponent);
        throw usage_error("--lr-decay: " + number_string(opt.lr_decay) +
                          " makes the learning rate of epoch " + std::to_string(opt.epochs) + " " +
                          shown + ", below the smallest normal float (" + number_string(FLT_MIN) +
                          "); raise --lr-decay or lower --epochs");
    }
    return true;
}

std::string help_text(const std::string& program, const options& defaults) {
    options shown = defaults;
    std::string out = "Train a typenet network (--model) on Fashion-MNIST\nUsage: " + program +
                      " [OPTIONS]\n\nOptions:\n";
    constexpr std::size_t column = 30; // descriptions start here
    const auto line = [&out](const std::string& left, std::string_view help) {
        out += "  " + left;
        if (left.size() + 2 < column)
            out.append(column - 2 - left.size(), ' ');
        else
            (out += '\n').append(column, ' ');
        (out += help) += '\n';
    };
    line("-h,--help", "Print this help message and exit");
    for (const auto& s : option_specs(shown)) {
        std::string left = std::string(s.name) + (s.flag ? "" : " ") + type_name(s);
        if (const std::string v = value_string(s); !v.empty())
            left += '=' + v;
        line(left, s.help);
    }
    return out;
}

} // namespace fashion_mnist
