// pytorch_module_source (include/typenet/io/pytorch_export.hpp): the Python source of a network's
// torch.nn module. The cases of suite `source` check the text: the signature comment, the
// Residual class, each layer's PyTorch form and the numbering of the children against the names
// typenet gives the tensors. PyTorch itself runs the source in two script tests
// (tests/io/pytorch_export_check.sh, skipped without python3-torch), through the cases of suite
// `pytorch`, which write their files only when asked by an environment variable:
// - io.pytorch_export_check: TYPENET_PYTORCH_EXPORT=DIR, exports_for_the_pytorch_check writes,
//   for dsl::lenet5, dsl::separable, dsl::resnet<8,1> and mixed_net below, trained for a few
//   steps on Fashion-MNIST in training mode (running statistics and num_batches_tracked moved),
//   DIR/<net>.py (the source), DIR/<net>.safetensors, DIR/<net>.json (the tensor names in
//   typenet's orders) and eval-mode logits of Fashion-MNIST test images; pytorch_export_check.py
//   loads the file into the module with load_state_dict(strict=True) and compares logits.
//   Last result (g++ 12, dev preset), max |torch - typenet| / max |logit| over 64 test images:
//     lenet5     10 parameter tensors,  0 buffers, 0 counters: 2.3e-07
//     separable  20 parameter tensors,  0 buffers, 0 counters: 1.8e-07
//     resnet8    38 parameter tensors, 18 buffers, 9 counters: 2.5e-07
//     mixed      18 parameter tensors,  4 buffers, 2 counters: 5.8e-07
// - io.pytorch_export_accuracy: TYPENET_PYTORCH_ACCURACY=DIR, accuracy_for_the_pytorch_check
//   trains dsl::resnet<8,1> for one epoch on the first 6000 Fashion-MNIST training images (batch
//   64, Adam), measures its eval-mode accuracy on the 10,000 test images and writes the model
//   and those figures; the script measures the exported module's accuracy on the same images,
//   which must agree within 0.001. Last result (g++ 12, Release, 93 steps): test
//   accuracy typenet 0.6148, PyTorch 0.6148, no image classified differently, logits 1.1e-06
//   apart relative to the largest.
#define BOOST_TEST_MODULE io.pytorch_export
#include "typenet/dsl/lenet5.hpp"
#include "typenet/dsl/resnet.hpp"
#include "typenet/dsl/separable.hpp"
#include "typenet/io/idx.hpp"
#include "typenet/io/pytorch_export.hpp"
#include "typenet/io/safetensors.hpp"
#include "typenet/optim/adam.hpp"
#include "typenet/optim/init.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ratio>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "typenet.hpp"

namespace fs = std::filesystem;
namespace tn = typenet;
using tn::shape;

namespace {

using image = shape<1, 28, 28>;

/// Every other layer of the vocabulary: batch norm on a feature map and on a vector
/// (BatchNorm1d), leaky_relu, avgpool, a residual whose block is one layer, a residual nested in
/// a block, a single-layer projection shortcut, tanh, sigmoid, a maxpool with stride and padding,
/// flatten, dense on a vector (nn.Linear) and dropout.
using mixed_net = tn::seq<
    tn::conv<3, 3, tn::filters<8>, tn::padding<1>>, tn::batch_norm,
    tn::leaky_relu<std::ratio<1, 5>>, tn::avgpool<2>,             // 8x14x14
    tn::residual<tn::conv<3, 3, tn::filters<8>, tn::padding<1>>>, // 4.block.weight
    tn::tanh,
    tn::residual<
        tn::seq<tn::residual<tn::seq<tn::conv<3, 3, tn::filters<8>, tn::padding<1>>, tn::relu>>,
                tn::conv<3, 3, tn::filters<12>, tn::stride<2>, tn::padding<1>>, tn::sigmoid>,
        tn::conv<1, 1, tn::filters<12>, tn::stride<2>>>, // 12x7x7
    tn::maxpool<3, tn::stride<2>, tn::padding<1>>,       // 12x4x4
    tn::flatten, tn::dense<32>, tn::batch_norm, tn::relu, tn::dropout<std::ratio<1, 4>>,
    tn::dense<10>, tn::softmax_ce>;

using resnet8 = tn::dsl::resnet<8, 1>;

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}
std::size_t count(const std::string& s, const std::string& part) {
    std::size_t n = 0;
    for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + part.size()))
        ++n;
    return n;
}
std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

/// The line of `source` whose comment starts with path `path` (and a space, or nothing else).
std::string child_line(const std::string& source, const std::string& path) {
    std::string found;
    for (const auto& line : lines_of(source))
        if (contains(line, "# " + path + " ") || line.ends_with("# " + path)) {
            BOOST_TEST(found.empty(), "two children commented " << path);
            found = line;
        }
    return found;
}

/// Every tensor typenet names `<path>.<tensor>` belongs to the child the source comments with
/// that path, and that child's module is of the kind the tensor needs: each name typenet writes
/// is a name the module's state_dict has.
template<class Net, class In>
void check_children_hold_the_names() {
    using net = tn::network<Net, In>;
    const std::string source = tn::pytorch_module_source<Net, In>();
    const auto owner = [&](const std::string& name) {
        return child_line(source, name.substr(0, name.rfind('.')));
    };
    for (const auto& e : net::parameter_entries()) {
        const std::string line = owner(e.name);
        BOOST_TEST_CONTEXT(e.name << ": " << line) {
            BOOST_TEST((contains(line, "nn.Conv2d(") || contains(line, "Linear(") ||
                        contains(line, "nn.BatchNorm")));
        }
    }
    for (const auto& e : net::buffer_entries())
        BOOST_TEST(contains(owner(e.name), "nn.BatchNorm"), e.name);
    for (const auto& name : net::batch_counter_names())
        BOOST_TEST(contains(owner(name), "nn.BatchNorm"), name);
}

} // namespace

namespace user {
/// A user's layer with a PyTorch form of its own, and a class that form needs.
struct half_square_fn {
    template<class T>
    static constexpr T value(T x) {
        return x * x / 2;
    }
    template<class T>
    static constexpr T derivative(T x, T) {
        return x;
    }
};
struct half_square : tn::elementwise_layer<half_square, half_square_fn> {
    static std::string name() { return "half_square"; }
    template<class In>
    static std::string pytorch_module() {
        return "HalfSquare()";
    }
    template<class In>
    static std::string pytorch_definitions() {
        return "class HalfSquare(nn.Module):\n"
               "    def forward(self, x):\n"
               "        return x * x / 2\n";
    }
};
} // namespace user

BOOST_AUTO_TEST_SUITE(source)

BOOST_AUTO_TEST_CASE(starts_with_the_signature_and_defines_residual) {
    const std::string s = tn::pytorch_module_source<tn::dsl::lenet5, image>();
    BOOST_TEST_MESSAGE(s);
    const auto lines = lines_of(s);
    BOOST_REQUIRE(!lines.empty());
    BOOST_TEST(
        (lines[0] == "# typenet network: " + tn::network<tn::dsl::lenet5, image>::signature()));
    BOOST_TEST(lines[0] == "# typenet network: 1x28x28 conv<5,5,filters<6>> relu maxpool<2> "
                           "conv<5,5,filters<16>> relu maxpool<2> dense<120> relu dense<84> relu "
                           "dense<10> softmax_ce");
    BOOST_TEST(contains(s, "\nimport torch\nfrom torch import nn\n"));
    BOOST_TEST(contains(s, "class Residual(nn.Module):\n"));
    BOOST_TEST(contains(s, "    def __init__(self, block, shortcut=None):\n"
                           "        super().__init__()\n"
                           "        self.block = block\n"
                           "        self.shortcut = shortcut if shortcut is not None else "
                           "nn.Identity()\n"
                           "\n"
                           "    def forward(self, x):\n"
                           "        return self.block(x) + self.shortcut(x)\n"));
    BOOST_TEST(contains(s, "\ndef make_model():\n"));
    BOOST_TEST(contains(s, "    return nn.Sequential(\n"));
    BOOST_TEST(s.ends_with("    )\n"));
}

BOOST_AUTO_TEST_CASE(lenet5_dense_flattens_inside_its_module) {
    // typenet's dense<120> reads 16x4x4 at position 6: FlattenLinear keeps it child 6, where a
    // separate nn.Flatten() would have moved it (and every later layer) to 7.
    const std::string s = tn::pytorch_module_source<tn::dsl::lenet5, image>();
    BOOST_TEST(child_line(s, "0") ==
               "        nn.Conv2d(1, 6, (5, 5), stride=(1, 1), padding=(0, 0), groups=1, "
               "bias=True),  # 0 conv<5,5,filters<6>>: 1x28x28 -> 6x24x24");
    BOOST_TEST(child_line(s, "2") == "        nn.MaxPool2d(2, stride=(2, 2), padding=(0, 0)),  # 2 "
                                     "maxpool<2>: 6x24x24 -> 6x12x12");
    BOOST_TEST(child_line(s, "6") ==
               "        FlattenLinear(256, 120),  # 6 dense<120>: 16x4x4 -> 120");
    BOOST_TEST(child_line(s, "8") == "        nn.Linear(120, 84),  # 8 dense<84>: 120 -> 84");
    BOOST_TEST(child_line(s, "10") == "        nn.Linear(84, 10),  # 10 dense<10>: 84 -> 10");
    BOOST_TEST(child_line(s, "11") ==
               "        # 11 softmax_ce: not a module; nn.CrossEntropyLoss() on the logits");
    BOOST_TEST(contains(s, "class FlattenLinear(nn.Linear):\n"));
    BOOST_TEST(contains(s, "        return super().forward(torch.flatten(x, 1))\n"));
    BOOST_TEST(!contains(s, "nn.Flatten()"));
    // The children of make_model: the 11 modules, one per line, and the loss's comment.
    BOOST_TEST(count(s, "\n        nn.") + count(s, "\n        FlattenLinear(") == 11u);
}

BOOST_AUTO_TEST_CASE(resnet_residuals_and_batch_norm) {
    const std::string s = tn::pytorch_module_source<resnet8, image>();
    BOOST_TEST(count(s, "Residual(") == 1u + 3u); // the class and three blocks
    BOOST_TEST(child_line(s, "1") == "        nn.BatchNorm2d(8, eps=1e-05, momentum=0.1),  # 1 "
                                     "batch_norm: 8x28x28 -> 8x28x28");
    BOOST_TEST(child_line(s, "3") ==
               "        Residual(  # 3 residual: block(x) + x, 8x28x28 -> 8x28x28");
    BOOST_TEST(child_line(s, "3.block") == "            nn.Sequential(  # 3.block");
    BOOST_TEST(child_line(s, "5") ==
               "        Residual(  # 5 residual: block(x) + shortcut(x), 8x28x28 -> 16x14x14");
    BOOST_TEST(child_line(s, "5.block.0") ==
               "                nn.Conv2d(8, 16, (3, 3), stride=(2, 2), padding=(1, 1), groups=1, "
               "bias=True),  # 5.block.0 conv<3,3,filters<16>,stride<2>,padding<1>>: 8x28x28 -> "
               "16x14x14");
    BOOST_TEST(child_line(s, "5.shortcut") == "            nn.Sequential(  # 5.shortcut");
    BOOST_TEST(child_line(s, "7.shortcut.0") ==
               "                nn.Conv2d(16, 32, (1, 1), stride=(2, 2), padding=(0, 0), "
               "groups=1, bias=True),  # 7.shortcut.0 conv<1,1,filters<32>,stride<2>>: 16x14x14 "
               "-> 32x7x7");
    BOOST_TEST(child_line(s, "9") == "        nn.Sequential(nn.AdaptiveAvgPool2d(1), "
                                     "nn.Flatten()),  # 9 global_avgpool: 32x7x7 -> 32");
    BOOST_TEST(child_line(s, "10") == "        nn.Linear(32, 10),  # 10 dense<10>: 32 -> 10");
    BOOST_TEST(!contains(s, "FlattenLinear")); // no dense on a feature map: no class for it
}

BOOST_AUTO_TEST_CASE(separable_groups) {
    const std::string s = tn::pytorch_module_source<tn::dsl::separable, image>();
    BOOST_TEST(contains(child_line(s, "2"), "nn.Conv2d(16, 16, (3, 3), stride=(2, 2), "
                                            "padding=(1, 1), groups=16, bias=True),"));
    BOOST_TEST(contains(child_line(s, "4"), "nn.Conv2d(16, 32, (1, 1), stride=(1, 1), "
                                            "padding=(0, 0), groups=1, bias=True),"));
    BOOST_TEST(contains(child_line(s, "18"), "nn.Sequential(nn.AdaptiveAvgPool2d(1), "
                                             "nn.Flatten()),"));
    BOOST_TEST(contains(child_line(s, "19"), "nn.Linear(64, 10),"));
}

BOOST_AUTO_TEST_CASE(mixed_layers) {
    const std::string s = tn::pytorch_module_source<mixed_net, image>();
    BOOST_TEST_MESSAGE(s);
    BOOST_TEST(contains(child_line(s, "2"), "nn.LeakyReLU(1 / 5),"));
    BOOST_TEST(
        contains(child_line(s, "3"), "nn.AvgPool2d(2),  # 3 avgpool<2>: 8x28x28 -> 8x14x14"));
    // A one-layer block is the module itself: its weight is "4.block.weight".
    BOOST_TEST(contains(child_line(s, "4.block"), "nn.Conv2d(8, 8, (3, 3)"));
    BOOST_TEST(contains(child_line(s, "5"), "nn.Tanh(),"));
    BOOST_TEST(contains(child_line(s, "6.block.0"), "Residual(  # 6.block.0 residual: block(x) + "
                                                    "x, 8x14x14 -> 8x14x14"));
    BOOST_TEST(contains(child_line(s, "6.block.0.block.1"), "nn.ReLU(),"));
    BOOST_TEST(contains(child_line(s, "6.block.2"), "nn.Sigmoid(),"));
    BOOST_TEST(contains(child_line(s, "6.shortcut"), "nn.Conv2d(8, 12, (1, 1), stride=(2, 2)"));
    BOOST_TEST(contains(child_line(s, "7"), "nn.MaxPool2d(3, stride=(2, 2), padding=(1, 1)),  # 7 "
                                            "maxpool<3,stride<2>,padding<1>>: 12x7x7 -> 12x4x4"));
    BOOST_TEST(contains(child_line(s, "8"), "nn.Flatten(),  # 8 flatten: 12x4x4 -> 192"));
    BOOST_TEST(contains(child_line(s, "9"), "nn.Linear(192, 32),"));
    BOOST_TEST(contains(child_line(s, "10"), "nn.BatchNorm1d(32, eps=1e-05, momentum=0.1),"));
    BOOST_TEST(contains(child_line(s, "12"), "nn.Dropout(1 / 4),"));
    BOOST_TEST(contains(child_line(s, "14"), "# 14 softmax_ce: not a module"));
}

BOOST_AUTO_TEST_CASE(children_hold_the_names_typenet_writes) {
    check_children_hold_the_names<tn::dsl::lenet5, image>();
    check_children_hold_the_names<tn::dsl::separable, image>();
    check_children_hold_the_names<resnet8, image>();
    check_children_hold_the_names<mixed_net, image>();
}

BOOST_AUTO_TEST_CASE(layer_forms) {
    BOOST_TEST((tn::conv<3, 2, tn::filters<4>, tn::stride<2, 1>, tn::padding<1, 0>,
                         tn::groups<2>>::pytorch_module<shape<6, 9, 9>>() ==
                "nn.Conv2d(6, 4, (3, 2), stride=(2, 1), padding=(1, 0), groups=2, bias=True)"));
    BOOST_TEST(tn::dense<7>::pytorch_module<shape<5>>() == "nn.Linear(5, 7)");
    BOOST_TEST(tn::dense<7>::pytorch_definitions<shape<5>>().empty());
    BOOST_TEST((tn::dense<7>::pytorch_module<shape<3, 4>>() == "FlattenLinear(12, 7)"));
    BOOST_TEST(tn::leaky_relu<>::pytorch_module<shape<5>>() == "nn.LeakyReLU(1 / 100)");
    BOOST_TEST(
        (tn::leaky_relu<std::ratio<3, 6>>::pytorch_module<shape<5>>() == "nn.LeakyReLU(1 / 2)"));
    BOOST_TEST(tn::dropout<>::pytorch_module<shape<5>>() == "nn.Dropout(1 / 2)");
    BOOST_TEST((tn::maxpool<2, tn::stride<1>>::pytorch_module<shape<1, 4, 4>>() ==
                "nn.MaxPool2d(2, stride=(1, 1), padding=(0, 0))"));
    BOOST_TEST((tn::batch_norm::pytorch_module<shape<3, 4, 4>>() ==
                "nn.BatchNorm2d(3, eps=1e-05, momentum=0.1)"));
    BOOST_TEST(tn::batch_norm::pytorch_module<shape<6>>() ==
               "nn.BatchNorm1d(6, eps=1e-05, momentum=0.1)");
    BOOST_TEST(tn::softmax_ce::pytorch_loss() == "nn.CrossEntropyLoss()");
}

BOOST_AUTO_TEST_CASE(a_user_layer_brings_its_class_once) {
    using net = tn::seq<tn::dense<4>, user::half_square, tn::residual<user::half_square>,
                        tn::dense<3>, tn::softmax_ce>;
    const std::string s = tn::pytorch_module_source<net, shape<2, 3>>("build");
    BOOST_TEST_MESSAGE(s);
    BOOST_TEST(count(s, "class HalfSquare(nn.Module):") == 1u);
    BOOST_TEST(count(s, "class FlattenLinear(nn.Linear):") == 1u);
    // The classes come before the function that uses them.
    BOOST_TEST(s.find("class HalfSquare") < s.find("def build():"));
    BOOST_TEST(child_line(s, "0") == "        FlattenLinear(6, 4),  # 0 dense<4>: 2x3 -> 4");
    BOOST_TEST(child_line(s, "1") == "        HalfSquare(),  # 1 half_square: 4 -> 4");
    BOOST_TEST(child_line(s, "2.block") ==
               "            HalfSquare(),  # 2.block half_square: 4 -> 4");
    BOOST_TEST(contains(s, "\"\"\"Input: a batch N x 2x3; output: N x 3.\"\"\""));
    BOOST_TEST(!contains(s, "make_model"));
}

BOOST_AUTO_TEST_CASE(the_function_name_must_be_a_python_identifier) {
    for (const char* bad : {"", "make model", "1net", "class", "net-1", "None", "é"})
        BOOST_CHECK_THROW((tn::pytorch_module_source<tn::dsl::lenet5, image>(bad)),
                          std::invalid_argument);
    for (const char* good : {"net", "_lenet5", "Make_Model2", "classes"})
        BOOST_TEST(contains(tn::pytorch_module_source<tn::dsl::lenet5, image>(good),
                            "\ndef " + std::string(good) + "():\n"));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

constexpr const char* fashion_mnist = TYPENET_FASHION_MNIST_DIR;

template<class Shape>
tn::dataset<Shape> fashion(bool train, std::size_t limit) {
    const fs::path dir = fashion_mnist;
    tn::dataset_options o;
    o.limit = limit;
    const std::string set = train ? "train" : "t10k";
    return tn::load_dataset<Shape>(dir / (set + "-images-idx3-ubyte.gz"),
                                   dir / (set + "-labels-idx1-ubyte.gz"), 10, o);
}

void write_floats(const fs::path& path, std::span<const float> values) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size_bytes()));
    BOOST_REQUIRE(out.good());
}

/// Trains model m (training mode) on `batches` batches of `batch` images from `train`, in order
/// from image `first`, with Adam; returns the last batch's mean loss.
template<class Model, class Data>
double train_steps(Model& m, const Data& train, std::size_t first, std::size_t batches,
                   std::size_t batch, double lr) {
    tn::adam<float, Model::parameter_count> opt({.lr = lr});
    m.train();
    m.reserve(batch);
    std::vector<typename Model::input_type> xs(batch);
    std::vector<std::uint8_t> ys(batch);
    double loss = 0;
    for (std::size_t b = 0; b < batches; ++b) {
        for (std::size_t k = 0; k < batch; ++k) {
            const auto [x, y] = train[(first + b * batch + k) % train.size()];
            std::copy(x.begin(), x.end(), xs[k].begin());
            ys[k] = static_cast<std::uint8_t>(y);
        }
        m.zero_grad();
        loss = m.forward_backward(std::span<const typename Model::input_type>(xs),
                                  std::span<const std::uint8_t>(ys));
        opt.step(m.parameters(), m.gradients());
    }
    return loss;
}

/// Eval-mode logits of the first `n` images of `data`, sample after sample.
template<class Model, class Data>
std::vector<float> eval_logits(Model& m, const Data& data, std::size_t n) {
    m.eval();
    std::vector<float> out;
    out.reserve(n * Model::classes);
    constexpr std::size_t chunk = 100;
    std::vector<typename Model::input_type> xs(chunk);
    std::vector<typename Model::output_type> ys(chunk);
    for (std::size_t i = 0; i < n; i += chunk) {
        const std::size_t k = std::min(chunk, n - i);
        for (std::size_t j = 0; j < k; ++j) {
            const auto x = data.image(i + j);
            std::copy(x.begin(), x.end(), xs[j].begin());
        }
        m.forward(std::span<const typename Model::input_type>(xs.data(), k),
                  std::span<typename Model::output_type>(ys.data(), k));
        for (std::size_t j = 0; j < k; ++j)
            out.insert(out.end(), ys[j].begin(), ys[j].end());
    }
    return out;
}

/// DIR/<name>.py, .safetensors, .json (names in typenet's orders, counts, signature) and
/// `logits`, the eval-mode logits of the first test images (DIR/<name>_logits.f32; the script
/// reads the images itself from the same IDX file).
template<class Net, class Model>
void export_model(const fs::path& dir, const std::string& name, const Model& m,
                  const std::vector<float>& logits, nlohmann::json extra = {}) {
    using net = tn::network<Net, image>;
    std::ofstream(dir / (name + ".py")) << tn::pytorch_module_source<Net, image>();
    tn::save_safetensors(m, dir / (name + ".safetensors"));
    write_floats(dir / (name + "_logits.f32"), logits);
    nlohmann::json j = std::move(extra);
    j["signature"] = net::signature();
    j["images"] = logits.size() / Model::classes;
    j["classes"] = Model::classes;
    for (const auto& e : net::parameter_entries())
        j["parameters"].push_back({{"name", e.name}, {"shape", e.desc.dims}});
    j["buffers"] = nlohmann::json::array();
    for (const auto& e : net::buffer_entries())
        j["buffers"].push_back({{"name", e.name}, {"shape", e.desc.dims}});
    j["counters"] = net::batch_counter_names();
    j["counter_values"] =
        std::vector<std::int64_t>(m.batch_counters().begin(), m.batch_counters().end());
    std::ofstream(dir / (name + ".json")) << j.dump(1);
}

/// Net trained for 4 steps of 32 images (from image 128 * seed on), exported with the logits
/// of the test images.
template<class Net, class Data>
void train_and_export(const fs::path& dir, const std::string& name, std::uint64_t seed,
                      const Data& train, const Data& test) {
    using model_t = tn::model<Net, image>;
    model_t m;
    tn::init_parameters(m, tn::init_scheme::pytorch_default, seed);
    m.seed(seed);
    const std::vector<float> initial(m.buffers().begin(), m.buffers().end());
    const double loss = train_steps(m, train, 128 * seed, 4, 32, 2e-3);
    BOOST_TEST_MESSAGE(name << ": loss after 4 steps " << loss);
    if (model_t::buffer_count > 0)
        BOOST_TEST(!std::equal(initial.begin(), initial.end(), m.buffers().begin()),
                   name << ": the running statistics did not move");
    export_model<Net>(dir, name, m, eval_logits(m, test, test.size()), {{"steps", 4}});
}

const char* export_dir(const char* variable) {
    const char* dir = std::getenv(variable);
    if (!dir)
        BOOST_TEST_MESSAGE(variable << " not set: nothing exported");
    return dir;
}

} // namespace

BOOST_AUTO_TEST_SUITE(pytorch)

BOOST_AUTO_TEST_CASE(exports_for_the_pytorch_check) {
    const char* dir = export_dir("TYPENET_PYTORCH_EXPORT");
    if (!dir)
        return;
    const auto train = fashion<image>(true, 1024);
    const auto test = fashion<image>(false, 64);
    train_and_export<tn::dsl::lenet5>(dir, "lenet5", 1, train, test);
    train_and_export<tn::dsl::separable>(dir, "separable", 2, train, test);
    train_and_export<resnet8>(dir, "resnet8", 3, train, test);
    train_and_export<mixed_net>(dir, "mixed", 4, train, test);
}

BOOST_AUTO_TEST_CASE(accuracy_for_the_pytorch_check) {
    const char* dir = export_dir("TYPENET_PYTORCH_ACCURACY");
    if (!dir)
        return;
    using model_t = tn::model<resnet8, image>;
    constexpr std::size_t train_images = 6000, batch = 64;
    const auto train = fashion<image>(true, train_images);
    const auto test = fashion<image>(false, 10000);
    model_t m;
    tn::init_parameters(m, tn::init_scheme::pytorch_default, 1);
    const auto start = std::chrono::steady_clock::now();
    const double loss = train_steps(m, train, 0, train_images / batch, batch, 2e-3);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::vector<float> logits = eval_logits(m, test, test.size());
    std::size_t correct = 0;
    for (std::size_t i = 0; i < test.size(); ++i) {
        const auto row = logits.begin() + static_cast<std::ptrdiff_t>(i * model_t::classes);
        const auto best = std::max_element(row, row + model_t::classes) - row;
        correct += static_cast<std::size_t>(best) == test.label(i);
    }
    const double accuracy = static_cast<double>(correct) / static_cast<double>(test.size());
    BOOST_TEST_MESSAGE("resnet<8,1>: " << train_images / batch << " steps of " << batch << " in "
                                       << seconds << " s, last loss " << loss
                                       << ", typenet test accuracy " << accuracy);
    BOOST_TEST(accuracy > 0.5); // one epoch of 6000 images; chance is 0.1
    export_model<resnet8>(dir, "resnet8_accuracy", m, logits,
                          {{"accuracy", accuracy},
                           {"train_images", train_images},
                           {"batch", batch},
                           {"train_seconds", seconds}});
}

BOOST_AUTO_TEST_SUITE_END()
