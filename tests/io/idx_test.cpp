// IDX reader: tiny files written here at run time (gzip via zlib, and plain), good and bad, plus
// the real Fashion-MNIST files when dataset-fashion-mnist is installed.
#define BOOST_TEST_MODULE io.idx
#include "typenet/io/idx.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <sys/stat.h>
#include <vector>
#include <zlib.h>

#include "../optim/count_new.hpp"
#include "../support/files.hpp"

namespace fs = std::filesystem;
namespace tn = typenet;
using bytes = std::vector<std::uint8_t>;

namespace {

/// A temporary directory for one test (tests/support/files.hpp).
struct temp_dir : tn::test::temp_dir {
    temp_dir()
        : tn::test::temp_dir("typenet-idx-test-") {}
};

void put_be32(bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
        b.push_back(static_cast<std::uint8_t>(v >> s));
}

bytes idx_images_bytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                       std::uint32_t magic = 0x803) {
    bytes b;
    put_be32(b, magic);
    put_be32(b, count);
    put_be32(b, rows);
    put_be32(b, cols);
    for (std::uint32_t i = 0; i < count * rows * cols; ++i)
        b.push_back(static_cast<std::uint8_t>((i * 37 + 11) % 256));
    return b;
}

bytes idx_labels_bytes(const bytes& labels, std::uint32_t magic = 0x801) {
    bytes b;
    put_be32(b, magic);
    put_be32(b, static_cast<std::uint32_t>(labels.size()));
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
}

void write_gz(const fs::path& p, const bytes& b) {
    gzFile f = gzopen(p.c_str(), "wb");
    BOOST_REQUIRE(f);
    if (!b.empty())
        BOOST_REQUIRE_EQUAL(gzwrite(f, b.data(), static_cast<unsigned>(b.size())),
                            static_cast<int>(b.size()));
    BOOST_REQUIRE_EQUAL(gzclose(f), Z_OK);
}

/// A gzip file (zlib level `level`) of `head` followed by `zeros` zero bytes and then `tail`,
/// written a block at a time.
void write_gz_zeros(const fs::path& p, const bytes& head, std::size_t zeros, const bytes& tail,
                    int level) {
    gzFile f = gzopen(p.c_str(), ("wb" + std::to_string(level)).c_str());
    BOOST_REQUIRE(f);
    BOOST_REQUIRE_EQUAL(gzwrite(f, head.data(), static_cast<unsigned>(head.size())),
                        static_cast<int>(head.size()));
    const bytes block(std::size_t{1} << 20, 0);
    while (zeros > 0) {
        const auto n = static_cast<unsigned>(std::min(zeros, block.size()));
        BOOST_REQUIRE_EQUAL(gzwrite(f, block.data(), n), static_cast<int>(n));
        zeros -= n;
    }
    if (!tail.empty())
        BOOST_REQUIRE_EQUAL(gzwrite(f, tail.data(), static_cast<unsigned>(tail.size())),
                            static_cast<int>(tail.size()));
    BOOST_REQUIRE_EQUAL(gzclose(f), Z_OK);
}

/// The 16 header bytes of an images file.
bytes images_header(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
    bytes b;
    put_be32(b, 0x803);
    put_be32(b, count);
    put_be32(b, rows);
    put_be32(b, cols);
    return b;
}

bytes random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    bytes b(n);
    for (auto& v : b)
        v = static_cast<std::uint8_t>(rng());
    return b;
}

/// The largest single allocation f() makes (tests/optim/count_new.hpp counts them).
template<class F>
std::size_t largest_allocation_of(F&& f) {
    typenet::test::largest_allocation = 0;
    f();
    return typenet::test::largest_allocation.load();
}

void write_raw(const fs::path& p, const bytes& b) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    BOOST_REQUIRE(out.good());
}

bytes read_raw(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

using tn::test::contains;
using tn::test::error_of;

// 3 images of 2x3 and their labels, the small data set of most cases below.
struct small_files : temp_dir {
    fs::path images = path / "imgs-idx3-ubyte.gz";
    fs::path labels = path / "lbls-idx1-ubyte.gz";
    bytes image_bytes = idx_images_bytes(3, 2, 3);
    bytes label_bytes = idx_labels_bytes({2, 0, 1});
    small_files() {
        write_gz(images, image_bytes);
        write_gz(labels, label_bytes);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(good_files)

BOOST_FIXTURE_TEST_CASE(reads_gzip_images_and_labels, small_files) {
    const auto im = typenet::read_idx_images(images);
    BOOST_TEST(im.count == 3u);
    BOOST_TEST(im.rows == 2u);
    BOOST_TEST(im.cols == 3u);
    const bytes payload(image_bytes.begin() + 16, image_bytes.end());
    BOOST_TEST(im.pixels == payload, boost::test_tools::per_element());
    const auto lb = typenet::read_idx_labels(labels);
    const bytes expected{2, 0, 1};
    BOOST_TEST(lb == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(reads_uncompressed_files, temp_dir) {
    const auto img = idx_images_bytes(2, 4, 1);
    write_raw(path / "plain-images", img);
    write_raw(path / "plain-labels", idx_labels_bytes({7, 9}));
    const auto im = typenet::read_idx_images(path / "plain-images");
    BOOST_TEST(im.count == 2u);
    BOOST_TEST(im.rows == 4u);
    BOOST_TEST(im.cols == 1u);
    const bytes payload(img.begin() + 16, img.end());
    BOOST_TEST(im.pixels == payload, boost::test_tools::per_element());
    const bytes expected{7, 9};
    BOOST_TEST(typenet::read_idx_labels(path / "plain-labels") == expected,
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(dataset_scales_pixels_like_to_tensor, small_files) {
    const auto d = typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 3);
    BOOST_TEST(d.size() == 3u);
    BOOST_TEST(d.classes() == 3u);
    BOOST_TEST(d.values().size() == 18u);
    for (std::size_t i = 0; i < 3; ++i) {
        auto [x, y] = d[i];
        BOOST_TEST(y == std::size_t{label_bytes[8 + i]});
        for (std::size_t r = 0; r < 2; ++r)
            for (std::size_t c = 0; c < 3; ++c) {
                const std::uint8_t p = image_bytes[16 + i * 6 + r * 3 + c];
                // torchvision ToTensor: float(p) / 255 in float, exactly.
                BOOST_TEST(x(0, r, c) == static_cast<float>(p) / 255.0f);
            }
        BOOST_TEST(d.image(i).data() == d.values().data() + 6 * i); // one contiguous buffer
    }
}

BOOST_FIXTURE_TEST_CASE(dataset_accepts_flat_and_planar_shapes_in_double, small_files) {
    const auto flat = typenet::load_dataset<typenet::shape<6>, double>(images, labels, 3);
    const auto plane = typenet::load_dataset<typenet::shape<2, 3>, double>(images, labels, 3);
    BOOST_TEST(flat.image(2)(5) == image_bytes[16 + 17] / 255.0);
    BOOST_TEST(plane.image(2)(1, 2) == image_bytes[16 + 17] / 255.0);
}

BOOST_FIXTURE_TEST_CASE(dataset_normalises_and_limits, small_files) {
    typenet::dataset_options opt;
    opt.mean = 0.5;
    opt.stddev = 0.25;
    opt.limit = 2;
    const auto d = typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 3, opt);
    BOOST_TEST(d.size() == 2u);
    BOOST_TEST(d.values().size() == 12u);
    BOOST_TEST(d.labels()[1] == 0u);
    const float p = image_bytes[16 + 6 + 4];
    BOOST_TEST(d.image(1)(0, 1, 1) == (p / 255.0f - 0.5f) / 0.25f);
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist) {
    const fs::path dir = TYPENET_FASHION_MNIST_DIR;
    if (!fs::exists(dir / "t10k-labels-idx1-ubyte.gz")) {
        BOOST_TEST_MESSAGE("dataset-fashion-mnist not installed: skipped");
        return;
    }
    for (const auto& [prefix, count] : {std::pair{"train", 60000u}, std::pair{"t10k", 10000u}}) {
        const auto d = typenet::load_dataset<typenet::shape<1, 28, 28>>(
            dir / (std::string(prefix) + "-images-idx3-ubyte.gz"),
            dir / (std::string(prefix) + "-labels-idx1-ubyte.gz"), 10);
        BOOST_TEST(d.size() == count);
        // Fashion-MNIST is balanced: every class has a tenth of each split.
        std::array<std::size_t, 10> per_class{};
        for (auto l : d.labels())
            ++per_class.at(l);
        for (auto n : per_class)
            BOOST_TEST(n == count / 10);
        float lo = 1, hi = 0;
        for (float v : d.values()) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        BOOST_TEST(lo == 0.0f);
        BOOST_TEST(hi == 1.0f);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_files)

BOOST_FIXTURE_TEST_CASE(missing_file, temp_dir) {
    const auto msg = error_of([&] { typenet::read_idx_images(path / "nope-images.gz"); });
    BOOST_TEST(contains(msg, "nope-images.gz"));
    BOOST_TEST(contains(msg, "cannot open"));
    BOOST_TEST(contains(msg, "No such file"));
}

BOOST_FIXTURE_TEST_CASE(labels_file_given_as_images, small_files) {
    const auto msg = error_of([&] { typenet::read_idx_images(labels); });
    BOOST_TEST(contains(msg, labels.filename().string()));
    BOOST_TEST(contains(msg, "wrong magic number 0x00000801 (expected 0x00000803"));
    BOOST_TEST(contains(msg, "this is a labels file"));
    const auto msg2 = error_of([&] { typenet::read_idx_labels(images); });
    BOOST_TEST(contains(msg2, "wrong magic number 0x00000803 (expected 0x00000801"));
}

BOOST_FIXTURE_TEST_CASE(wrong_magic, temp_dir) {
    write_gz(path / "bad-magic.gz", idx_images_bytes(1, 2, 2, 0x0c03)); // 0x0c: int32 elements
    const auto msg = error_of([&] { typenet::read_idx_images(path / "bad-magic.gz"); });
    BOOST_TEST(contains(msg, "bad-magic.gz"));
    BOOST_TEST(contains(msg, "wrong magic number 0x00000c03"));
}

BOOST_FIXTURE_TEST_CASE(empty_and_truncated_header, temp_dir) {
    write_gz(path / "empty.gz", {});
    auto msg = error_of([&] { typenet::read_idx_labels(path / "empty.gz"); });
    BOOST_TEST(contains(msg, "empty.gz"));
    BOOST_TEST(contains(msg, "too short for an IDX file (0 bytes"));

    auto b = idx_images_bytes(1, 2, 2);
    b.resize(10);
    write_gz(path / "short-header.gz", b);
    msg = error_of([&] { typenet::read_idx_images(path / "short-header.gz"); });
    BOOST_TEST(contains(msg, "short-header.gz"));
    BOOST_TEST(contains(msg, "truncated IDX header (10 of 16 bytes)"));
}

BOOST_FIXTURE_TEST_CASE(truncated_payload, temp_dir) {
    auto b = idx_images_bytes(3, 2, 3);
    b.pop_back();
    write_gz(path / "short-images.gz", b);
    auto msg = error_of([&] { typenet::read_idx_images(path / "short-images.gz"); });
    BOOST_TEST(contains(msg, "short-images.gz"));
    BOOST_TEST(contains(msg, "truncated: the header promises 3 images of 2x3 (18 bytes after "
                             "the header) but the data ends after 17 bytes"));

    auto l = idx_labels_bytes({1, 2, 3, 4});
    l.resize(l.size() - 3);
    write_raw(path / "short-labels", l); // uncompressed too
    msg = error_of([&] { typenet::read_idx_labels(path / "short-labels"); });
    BOOST_TEST(contains(msg, "short-labels"));
    BOOST_TEST(contains(msg, "promises 4 labels"));
    BOOST_TEST(contains(msg, "ends after 1 bytes"));
}

BOOST_FIXTURE_TEST_CASE(trailing_bytes, temp_dir) {
    auto b = idx_labels_bytes({1, 2});
    b.push_back(0);
    b.push_back(0);
    write_gz(path / "long-labels.gz", b);
    const auto msg = error_of([&] { typenet::read_idx_labels(path / "long-labels.gz"); });
    BOOST_TEST(contains(msg, "long-labels.gz"));
    BOOST_TEST(contains(msg, "trailing data: 2 bytes after the 2 labels"));
}

BOOST_FIXTURE_TEST_CASE(impossible_header_does_not_allocate, temp_dir) {
    // 2^32-1 images of (2^32-1)^2 bytes: overflows 64 bits.
    auto b = idx_images_bytes(0, 0, 0);
    std::fill(b.begin() + 4, b.end(), 0xff);
    write_gz(path / "huge.gz", b);
    auto msg = error_of([&] { typenet::read_idx_images(path / "huge.gz"); });
    BOOST_TEST(contains(msg, "corrupt header"));
    // 2^32-1 images of 28x28: 3.4 TB promised, 0 present; must fail fast, not allocate.
    b = idx_images_bytes(0, 28, 28);
    std::fill(b.begin() + 4, b.begin() + 8, 0xff);
    write_gz(path / "many.gz", b);
    msg = error_of([&] { typenet::read_idx_images(path / "many.gz"); });
    BOOST_TEST(contains(msg, "many.gz: truncated: the header promises 4294967295 images"));
}

BOOST_FIXTURE_TEST_CASE(dimension_mismatch, small_files) {
    const auto msg =
        error_of([&] { typenet::load_dataset<typenet::shape<1, 28, 28>>(images, labels, 10); });
    BOOST_TEST(contains(msg, images.filename().string()));
    BOOST_TEST(contains(msg, "images are 2x3 but the model's input shape is 1x28x28"));
    // Channels other than 1 are not IDX images either.
    const auto msg3 =
        error_of([&] { typenet::load_dataset<typenet::shape<3, 2, 3>>(images, labels, 10); });
    BOOST_TEST(contains(msg3, "input shape is 3x2x3 (IDX images have one channel)"));
}

BOOST_FIXTURE_TEST_CASE(count_mismatch, small_files) {
    write_gz(labels, idx_labels_bytes({0, 1}));
    const auto msg =
        error_of([&] { typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 10); });
    BOOST_TEST(contains(msg, labels.filename().string() + ": holds 2 labels but " +
                                 images.filename().string() + " holds 3 images"));
}

BOOST_FIXTURE_TEST_CASE(label_out_of_range, small_files) {
    write_gz(labels, idx_labels_bytes({0, 1, 12}));
    const auto msg =
        error_of([&] { typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 10); });
    BOOST_TEST(contains(msg, labels.filename().string() +
                                 ": label 12 at index 2 is out of range for 10 classes"));
    // The same file is fine for 13 classes.
    const auto d = typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 13);
    BOOST_TEST(d.size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(no_images, temp_dir) {
    write_gz(path / "none-images.gz", idx_images_bytes(0, 2, 3));
    write_gz(path / "none-labels.gz", idx_labels_bytes({}));
    const auto msg = error_of([&] {
        typenet::load_dataset<typenet::shape<1, 2, 3>>(path / "none-images.gz",
                                                       path / "none-labels.gz", 10);
    });
    BOOST_TEST(contains(msg, "none-images.gz: holds no images"));
}

BOOST_FIXTURE_TEST_CASE(corrupt_gzip, temp_dir) {
    // Enough incompressible-ish data that the deflate stream has a body to damage.
    auto b = idx_images_bytes(40, 28, 28);
    std::mt19937 rng(5);
    for (std::size_t i = 16; i < b.size(); ++i)
        b[i] = static_cast<std::uint8_t>(rng());
    write_gz(path / "good.gz", b);
    BOOST_TEST(typenet::read_idx_images(path / "good.gz").count == 40u);

    auto z = read_raw(path / "good.gz");
    auto damaged = z;
    for (std::size_t i = z.size() / 2; i < z.size() / 2 + 8; ++i)
        damaged[i] ^= 0x5a;
    write_raw(path / "damaged.gz", damaged);
    auto msg = error_of([&] { typenet::read_idx_images(path / "damaged.gz"); });
    BOOST_TEST(contains(msg, "damaged.gz"));
    BOOST_TEST(contains(msg, "corrupt gzip data"));

    // A flipped byte in the gzip trailer's CRC: the data decompress but do not check.
    auto bad_crc = z;
    bad_crc[z.size() - 6] ^= 0x01;
    write_raw(path / "bad-crc.gz", bad_crc);
    msg = error_of([&] { typenet::read_idx_images(path / "bad-crc.gz"); });
    BOOST_TEST(contains(msg, "bad-crc.gz: corrupt gzip data (incorrect data check)"));

    // A compressed file cut short: an incomplete download.
    z.resize(z.size() / 2);
    write_raw(path / "cut.gz", z);
    msg = error_of([&] { typenet::read_idx_images(path / "cut.gz"); });
    BOOST_TEST(contains(msg, "cut.gz"));
    BOOST_TEST(contains(msg, "truncated gzip stream"));
}

BOOST_FIXTURE_TEST_CASE(directory_instead_of_file, temp_dir) {
    const auto msg = error_of([&] { typenet::read_idx_labels(path); });
    BOOST_TEST(contains(msg, path.string()));
}

BOOST_AUTO_TEST_SUITE_END()

// Memory is bounded by what the header promises, checked against the file before anything is
// allocated for it; never by what a stream inflates to.
BOOST_AUTO_TEST_SUITE(bounded_reads)

constexpr std::size_t MiB = std::size_t{1} << 20;

BOOST_FIXTURE_TEST_CASE(gzip_promising_more_than_it_can_inflate_to, temp_dir) {
    // 512 images of 1024x1024 (512 MiB) promised; the stream inflates to 32 MiB of zeros, from
    // about 32 KB on disk, which cannot inflate beyond ~33 MB. Read to the end before being found
    // truncated, it would fill a buffer doubling past 32 MiB.
    const fs::path file = path / "bomb-images.gz";
    write_gz_zeros(file, images_header(512, 1024, 1024), 32 * MiB, {}, 9);
    const auto compressed = fs::file_size(file);
    std::string msg;
    const std::size_t largest =
        largest_allocation_of([&] { msg = error_of([&] { typenet::read_idx_images(file); }); });
    BOOST_TEST(largest < 64 * 1024u);
    BOOST_TEST(contains(msg, "bomb-images.gz: truncated: the header promises 512 images of "
                             "1024x1024 (536870912 bytes after the header) but the file's " +
                                 std::to_string(compressed) +
                                 " compressed bytes inflate to at most"));
    BOOST_TEST(contains(msg, "(deflate's maximum ratio is 1032:1)"));

    // Far beyond the ratio: 2^32-1 labels from a gzip file of a few dozen bytes.
    bytes labels;
    put_be32(labels, 0x801);
    put_be32(labels, 0xffffffffu);
    write_gz(path / "many-labels.gz", labels);
    msg = error_of([&] { typenet::read_idx_labels(path / "many-labels.gz"); });
    BOOST_TEST(contains(msg, "many-labels.gz: truncated: the header promises 4294967295 labels"));
    BOOST_TEST(contains(msg, "compressed bytes inflate to at most"));
}

BOOST_FIXTURE_TEST_CASE(the_promised_payload_is_allocated_once, temp_dir) {
    // 20 MiB of zeros and 64 KiB of noise: the ~85 KB file may inflate to 25 MiB, so that
    // promise passes the ratio check. A buffer that doubles as it fills would reach 32 MiB for
    // the 20 MiB present; one allocation of what the header promises does not exceed it.
    const bytes noise = random_bytes(64 * 1024, 3);
    const std::size_t present = 20 * MiB + noise.size();
    const std::uint32_t rows = 1024, cols = static_cast<std::uint32_t>(present / 1024 / 4);
    BOOST_REQUIRE_EQUAL(std::size_t{4} * rows * cols, present);
    write_gz_zeros(path / "exact.gz", images_header(4, rows, cols), 20 * MiB, noise, 1);
    std::size_t largest = largest_allocation_of([&] {
        const auto im = typenet::read_idx_images(path / "exact.gz");
        BOOST_TEST(im.pixels.size() == present);
        BOOST_TEST(std::equal(noise.begin(), noise.end(), im.pixels.end() - 64 * 1024));
    });
    BOOST_TEST(largest == present); // the pixels, nothing larger

    write_gz_zeros(path / "short.gz", images_header(5, rows, cols), 20 * MiB, noise, 1);
    const std::size_t promised = std::size_t{5} * rows * cols;
    std::string msg;
    largest = largest_allocation_of(
        [&] { msg = error_of([&] { typenet::read_idx_images(path / "short.gz"); }); });
    BOOST_TEST(largest <= promised);
    BOOST_TEST(largest < 2 * present);
    BOOST_TEST(contains(msg, "short.gz: truncated: the header promises 5 images of 1024x" +
                                 std::to_string(cols) + " (" + std::to_string(promised) +
                                 " bytes after the header) but the data ends after " +
                                 std::to_string(present) + " bytes"));
}

BOOST_FIXTURE_TEST_CASE(uncompressed_file_shorter_than_its_header_says, temp_dir) {
    // The exact size is known from the file system: refused without reading the payload.
    auto b = images_header(512, 1024, 1024);
    b.resize(16 + MiB, 7);
    write_raw(path / "short-raw", b);
    std::string msg;
    const std::size_t largest = largest_allocation_of(
        [&] { msg = error_of([&] { typenet::read_idx_images(path / "short-raw"); }); });
    BOOST_TEST(largest < 64 * 1024u);
    BOOST_TEST(contains(msg, "short-raw: truncated: the header promises 512 images of 1024x1024 "
                             "(536870912 bytes after the header) but the data ends after "
                             "1048576 bytes"));
}

BOOST_FIXTURE_TEST_CASE(wrong_extents_refused_before_the_payload, temp_dir) {
    // 1000 images of 32x32 (1 MB) for a 28x28 model: refused from the header.
    write_gz(path / "big-images.gz", idx_images_bytes(1000, 32, 32));
    write_gz(path / "big-labels.gz", idx_labels_bytes(bytes(1000, 1)));
    std::string msg;
    const std::size_t largest = largest_allocation_of([&] {
        msg = error_of([&] {
            typenet::load_dataset<typenet::shape<1, 28, 28>>(path / "big-images.gz",
                                                             path / "big-labels.gz", 10);
        });
    });
    BOOST_TEST(largest < 64 * 1024u);
    BOOST_TEST(contains(msg, "big-images.gz: images are 32x32 but the model's input shape is "
                             "1x28x28"));
}

BOOST_FIXTURE_TEST_CASE(limit_keeps_only_the_first_samples_in_memory, temp_dir) {
    // 2000 images of 28x28 (1.5 MB); a limit of 10 keeps 10 of them, yet checks the whole file.
    const auto img = idx_images_bytes(2000, 28, 28);
    bytes labels(2000);
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = static_cast<std::uint8_t>(i % 10);
    write_gz(path / "images.gz", img);
    write_gz(path / "labels.gz", idx_labels_bytes(labels));
    typenet::dataset_options opt;
    opt.limit = 10;
    const std::size_t largest = largest_allocation_of([&] {
        const auto d = typenet::load_dataset<typenet::shape<1, 28, 28>>(
            path / "images.gz", path / "labels.gz", 10, opt);
        BOOST_TEST(d.size() == 10u);
        BOOST_TEST(d.labels()[9] == 9u);
        BOOST_TEST(d.image(9)(0, 27, 27) == static_cast<float>(img[16 + 10 * 784 - 1]) / 255.0f);
    });
    BOOST_TEST(largest < 100 * 1024u); // 10 images in float, a scratch buffer, the labels

    // A fault past the limit is still found.
    write_gz(path / "images.gz", bytes(img.begin(), img.end() - 1));
    const auto msg = error_of([&] {
        typenet::load_dataset<typenet::shape<1, 28, 28>>(path / "images.gz", path / "labels.gz", 10,
                                                         opt);
    });
    BOOST_TEST(contains(msg, "images.gz: truncated: the header promises 2000 images of 28x28"));
    bytes bad_labels = labels;
    // The last label; at(), not back(): g++ 12 at -O3 warns that back() of a vector it cannot
    // prove non-empty reads index -1 (-Warray-bounds).
    bad_labels.at(1999) = 10;
    write_gz(path / "images.gz", img);
    write_gz(path / "labels.gz", idx_labels_bytes(bad_labels));
    BOOST_TEST(contains(error_of([&] {
                            typenet::load_dataset<typenet::shape<1, 28, 28>>(
                                path / "images.gz", path / "labels.gz", 10, opt);
                        }),
                        "label 10 at index 1999 is out of range for 10 classes"));
}

BOOST_FIXTURE_TEST_CASE(only_regular_files_are_read, temp_dir) {
    // /dev/zero inflates to nothing useful and never ends; opening a FIFO waits for a writer
    // (this test would hang until its CTest TIMEOUT).
    auto msg = error_of([&] { typenet::read_idx_images("/dev/zero"); });
    BOOST_TEST(contains(msg, "/dev/zero: is a character device, not an IDX file"));
    const fs::path fifo = path / "images-fifo";
    BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0600), 0);
    msg = error_of([&] { typenet::read_idx_images(fifo); });
    BOOST_TEST(contains(msg, "images-fifo: is a FIFO (named pipe), not an IDX file"));
}

BOOST_AUTO_TEST_SUITE_END()
