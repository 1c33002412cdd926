#pragma once
// IDX files (the MNIST / Fashion-MNIST container, http://yann.lecun.com/exdb/mnist/), gzip
// compressed or not: zlib's gzread reads both. Debian ships Fashion-MNIST in this form under
// /usr/share/datasets/fashion-mnist/ (package dataset-fashion-mnist).
//
// Layout: a big-endian 32-bit magic 0x000008DD (0x08 = unsigned byte, DD = number of
// dimensions), DD big-endian 32-bit extents, then the bytes, row-major. Images are 3-dimensional
// (count, rows, cols; magic 0x00000803), labels 1-dimensional (count; magic 0x00000801).
//
// Every check names the file and what is wrong with it: a bad file is an io_error, never a crash
// and never a silently short data set. Memory is bounded by what the header promises, and the
// promise is checked against the file before anything is allocated for it: an uncompressed file
// must hold the payload, and a gzip file cannot inflate to more than deflate's maximum ratio
// (1032:1) times its size. So a corrupt count, or a small gzip file that inflates to gigabytes,
// is refused without allocating for it.

#include "typenet/io/error.hpp"
#include "typenet/io/file.hpp"
#include "typenet/shape/shape.hpp"
#include "typenet/tensor/tensor_view.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <zlib.h>

namespace typenet {

namespace detail {

inline std::string hex32(std::uint32_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s = "0x";
    for (int shift = 28; shift >= 0; shift -= 4)
        s += digits[(v >> shift) & 0xf];
    return s;
}

/// A gzFile that closes itself and turns every zlib failure into an io_error naming the file.
class gz_reader {
public:
    explicit gz_reader(std::filesystem::path path)
        : path_(std::move(path)) {
        input_file f(path_, "an IDX file");
        size_ = f.size();
        file_ = gzdopen(f.fd(), "rb");
        if (!file_)
            throw io_error(path_, "cannot open: zlib could not allocate");
        f.release(); // gzclose_r closes it
        gzbuffer(file_, 1u << 17);
    }
    gz_reader(const gz_reader&) = delete;
    gz_reader& operator=(const gz_reader&) = delete;
    ~gz_reader() { gzclose_r(file_); }

    const std::filesystem::path& path() const { return path_; }
    /// The size of the file on disk (compressed or not).
    std::uint64_t file_size() const { return size_; }
    /// Whether zlib inflates the file (false: it reads it as it is). Known after the first read.
    bool compressed() { return gzdirect(file_) == 0; }

    /// Reads up to `n` bytes; fewer only at the end of the data.
    std::size_t read(std::uint8_t* out, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
            const int r = gzread(file_, out + got, chunk);
            if (r < 0)
                fail();
            got += static_cast<std::size_t>(r);
            if (static_cast<unsigned>(r) < chunk)
                break;
        }
        check_stream();
        return got;
    }

private:
    /// zlib's message without the "<fd:N>: " it prefixes (the file was opened by descriptor).
    std::string zlib_message() {
        int code = Z_OK;
        std::string msg = gzerror(file_, &code);
        if (const auto colon = msg.find(">: "); msg.starts_with("<fd:") && colon != msg.npos)
            msg.erase(0, colon + 3);
        return msg;
    }
    /// gzread reports a gzip stream that stops short (Z_BUF_ERROR, "unexpected end of file")
    /// only through gzerror, after returning what it had: check it after every read.
    void check_stream() {
        int code = Z_OK;
        gzerror(file_, &code);
        if (code == Z_BUF_ERROR)
            throw io_error(path_, "truncated gzip stream (" + zlib_message() +
                                      "); the download or copy is incomplete");
        if (code != Z_OK)
            fail();
    }
    [[noreturn]] void fail() {
        int code = Z_OK;
        gzerror(file_, &code);
        if (code == Z_ERRNO)
            throw io_error(path_, std::string("read error: ") + std::strerror(errno));
        if (code == Z_BUF_ERROR)
            throw io_error(path_, "truncated gzip stream (" + zlib_message() + ")");
        throw io_error(path_, "corrupt gzip data (" + zlib_message() + ")");
    }

    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    gzFile file_ = nullptr;
};

/// Reads the big-endian magic and extents of an IDX file and checks the magic.
template<std::size_t Dims>
std::array<std::uint32_t, Dims> read_idx_header(gz_reader& in, const char* what) {
    constexpr std::uint32_t magic = 0x0800u | Dims;
    std::array<std::uint8_t, 4 * (Dims + 1)> raw{};
    const std::size_t got = in.read(raw.data(), raw.size());
    if (got < 4)
        throw io_error(in.path(), "too short for an IDX file (" + std::to_string(got) +
                                      " bytes; the magic number alone takes 4)");
    auto be32 = [&](std::size_t i) {
        return std::uint32_t{raw[4 * i]} << 24 | std::uint32_t{raw[4 * i + 1]} << 16 |
               std::uint32_t{raw[4 * i + 2]} << 8 | std::uint32_t{raw[4 * i + 3]};
    };
    const std::uint32_t found = be32(0);
    if (found != magic) {
        std::string hint;
        if (found == 0x0801u || found == 0x0803u)
            hint = found == 0x0801u ? "; this is a labels file" : "; this is an images file";
        else if ((found >> 16) == 0x1f8bu)
            hint = "; a gzip stream inside the gzip stream (compressed twice?)";
        throw io_error(in.path(), "wrong magic number " + hex32(found) + " (expected " +
                                      hex32(magic) + ", IDX " + what + ")" + hint);
    }
    if (got < raw.size())
        throw io_error(in.path(), "truncated IDX header (" + std::to_string(got) + " of " +
                                      std::to_string(raw.size()) + " bytes)");
    std::array<std::uint32_t, Dims> dims{};
    for (std::size_t i = 0; i < Dims; ++i)
        dims[i] = be32(i + 1);
    return dims;
}

/// Deflate's densest code: a 258-byte match in two bits, so a gzip file of c bytes inflates to
/// at most about 1032 * c bytes. The slack covers the first literal and rounding.
inline constexpr std::uint64_t deflate_max_ratio = 1032;
inline constexpr std::uint64_t deflate_slack = 4096;

/// Refuses a header whose payload (`n` bytes after `header` bytes) cannot be in the file: more than
/// an uncompressed file holds, or more than a gzip file of its size can inflate to. Called before
/// anything is allocated for the payload.
inline void check_idx_promise(gz_reader& in, std::uint64_t header, std::uint64_t n,
                              const std::string& promised) {
    const std::uint64_t size = in.file_size();
    const std::string head = "truncated: the header promises " + promised + " (" +
                             std::to_string(n) + " bytes after the header) but ";
    if (!in.compressed()) {
        const std::uint64_t present = size > header ? size - header : 0;
        if (n > present)
            throw io_error(in.path(),
                           head + "the data ends after " + std::to_string(present) + " bytes");
        return;
    }
    if (size > (std::numeric_limits<std::uint64_t>::max() - deflate_slack) / deflate_max_ratio)
        return;
    const std::uint64_t most = deflate_max_ratio * size + deflate_slack;
    if (n > most || header + n > most) // n first: header + n can wrap around
        throw io_error(in.path(), head + "the file's " + std::to_string(size) +
                                      " compressed bytes inflate to at most " +
                                      std::to_string(most) + " (deflate's maximum ratio is " +
                                      std::to_string(deflate_max_ratio) + ":1)");
}

/// Reads exactly `n` payload bytes and checks that nothing follows; returns the first `keep` of
/// them (all by default) and passes the rest through a small scratch buffer. The buffer is
/// allocated once for the `keep` bytes the header promises (check_idx_promise has bounded them)
/// and filled chunk by chunk, so a stream that stops short touches only what it delivered.
inline std::vector<std::uint8_t>
read_idx_payload(gz_reader& in, std::uint64_t n, const std::string& promised,
                 std::uint64_t keep = std::numeric_limits<std::uint64_t>::max()) {
    keep = std::min(keep, n);
    std::uint64_t got = 0;
    const auto truncated = [&] {
        return io_error(in.path(), "truncated: the header promises " + promised + " (" +
                                       std::to_string(n) + " bytes after the header) but " +
                                       "the data ends after " + std::to_string(got) + " bytes");
    };
    constexpr std::uint64_t chunk = 1u << 22;
    std::vector<std::uint8_t> out;
    out.reserve(static_cast<std::size_t>(keep));
    while (got < keep) {
        const std::uint64_t want = std::min(chunk, keep - got);
        out.resize(static_cast<std::size_t>(got + want));
        const std::size_t r = in.read(out.data() + got, static_cast<std::size_t>(want));
        got += r;
        if (r < want)
            throw truncated();
    }
    if (got < n) {
        std::vector<std::uint8_t> scratch(static_cast<std::size_t>(std::min(n - got, chunk / 64)));
        while (got < n) {
            const std::uint64_t want = std::min<std::uint64_t>(scratch.size(), n - got);
            const std::size_t r = in.read(scratch.data(), static_cast<std::size_t>(want));
            got += r;
            if (r < want)
                throw truncated();
        }
    }
    std::uint8_t extra[64];
    if (const std::size_t r = in.read(extra, sizeof extra); r > 0)
        throw io_error(in.path(),
                       "trailing data: " + std::string(r == sizeof extra ? "at least " : "") +
                           std::to_string(r) + " bytes after the " + promised +
                           " that the header announces");
    return out;
}

/// The extents of an IDX images file, read and checked against the file (check_idx_promise).
struct idx_images_header {
    std::uint64_t count = 0, rows = 0, cols = 0;
    std::uint64_t bytes() const { return count * rows * cols; }
    std::string promised() const {
        return std::to_string(count) + " images of " + std::to_string(rows) + "x" +
               std::to_string(cols);
    }
};

inline idx_images_header read_idx_images_header(gz_reader& in) {
    const auto d = read_idx_header<3>(in, "images: unsigned bytes in 3 dimensions");
    const idx_images_header h{d[0], d[1], d[2]};
    // Each extent is below 2^32, so count * (rows * cols) fits 64 bits unless both are huge.
    const std::uint64_t image = h.rows * h.cols;
    if (image != 0 && h.count > std::numeric_limits<std::uint64_t>::max() / image)
        throw io_error(in.path(),
                       "corrupt header: " + h.promised() + " is more bytes than any file holds");
    check_idx_promise(in, 16, h.bytes(), h.promised());
    return h;
}

} // namespace detail

/// The contents of an IDX images file: `count` images of rows x cols bytes, row-major.
struct idx_images {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels; ///< count * rows * cols bytes
};

/// Reads an IDX images file (magic 0x00000803), gzip-compressed or not. Throws io_error naming
/// the file if it is missing, not an images file, truncated, followed by extra bytes, or if its
/// gzip stream is corrupt.
inline idx_images read_idx_images(const std::filesystem::path& path) {
    detail::gz_reader in(path);
    const auto h = detail::read_idx_images_header(in);
    auto pixels = detail::read_idx_payload(in, h.bytes(), h.promised());
    return {static_cast<std::size_t>(h.count), static_cast<std::size_t>(h.rows),
            static_cast<std::size_t>(h.cols), std::move(pixels)};
}

/// Reads an IDX labels file (magic 0x00000801), gzip-compressed or not; same checks as
/// read_idx_images.
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
    detail::gz_reader in(path);
    const auto d = detail::read_idx_header<1>(in, "labels: unsigned bytes in 1 dimension");
    const std::string promised = std::to_string(d[0]) + " labels";
    detail::check_idx_promise(in, 8, d[0], promised);
    return detail::read_idx_payload(in, d[0], promised);
}

/// One sample of a dataset: a view of its (already scaled) image and its class.
template<class T, class Shape>
struct labelled_sample {
    tensor_view<const T, Shape> image;
    std::size_t label;
};

/// Images of static shape `Shape` converted to T, with their labels: one contiguous buffer of
/// size() * Shape::size values, so sample i is a view into it (no allocation, no copy).
template<class Shape, class T = float>
class dataset {
public:
    using shape_type = Shape;
    using value_type = T;
    using sample_type = labelled_sample<T, Shape>;
    static constexpr std::size_t sample_size = Shape::size;

    dataset() = default;
    /// `values` holds labels.size() samples of Shape::size values each; every label is below
    /// `classes`. Throws std::invalid_argument otherwise.
    dataset(std::vector<T> values, std::vector<std::uint8_t> labels, std::size_t classes)
        : values_(std::move(values))
        , labels_(std::move(labels))
        , classes_(classes) {
        if (values_.size() != labels_.size() * sample_size)
            throw std::invalid_argument("typenet::dataset: " + std::to_string(values_.size()) +
                                        " values for " + std::to_string(labels_.size()) +
                                        " samples of " + std::to_string(sample_size));
        for (std::size_t i = 0; i < labels_.size(); ++i)
            if (labels_[i] >= classes_)
                throw std::invalid_argument("typenet::dataset: label " +
                                            std::to_string(labels_[i]) + " at index " +
                                            std::to_string(i) + " is out of range for " +
                                            std::to_string(classes_) + " classes");
    }

    std::size_t size() const noexcept { return labels_.size(); }
    bool empty() const noexcept { return labels_.empty(); }
    std::size_t classes() const noexcept { return classes_; }

    /// Image i (i < size(), unchecked).
    tensor_view<const T, Shape> image(std::size_t i) const noexcept {
        return tensor_view<const T, Shape>(values_.data() + i * sample_size);
    }
    /// Label i (i < size(), unchecked).
    std::size_t label(std::size_t i) const noexcept { return labels_[i]; }
    /// {image(i), label(i)}; works with structured bindings: `auto [x, y] = data[i];`
    sample_type operator[](std::size_t i) const noexcept { return {image(i), label(i)}; }

    std::span<const T> values() const noexcept { return values_; }
    std::span<const std::uint8_t> labels() const noexcept { return labels_; }

private:
    std::vector<T> values_;
    std::vector<std::uint8_t> labels_;
    std::size_t classes_ = 0;
};

/// How load_dataset turns bytes into values: x = (byte / 255 - mean) / stddev, i.e. PyTorch's
/// ToTensor() followed by Normalize(mean, stddev). The default is plain ToTensor() ([0, 1]), so
/// weights trained here work as they are in PyTorch on the same input.
struct dataset_options {
    double mean = 0.0;
    double stddev = 1.0;
    /// Keep only the first `limit` samples (after checking the whole files).
    std::size_t limit = std::numeric_limits<std::size_t>::max();
};

namespace detail {
/// The image extents (rows, cols) a model input shape accepts: 1xRxC, RxC, or a flat R*C.
template<class Shape>
constexpr bool idx_shape_matches(std::size_t rows, std::size_t cols) {
    if constexpr (Shape::rank == 3)
        return Shape::dims[0] == 1 && Shape::dims[1] == rows && Shape::dims[2] == cols;
    else if constexpr (Shape::rank == 2)
        return Shape::dims[0] == rows && Shape::dims[1] == cols;
    else
        return Shape::size == rows * cols;
}
} // namespace detail

/// Reads an IDX images file and its labels file into a dataset for a model whose input is
/// `Shape` (1xRxC, RxC, or R*C for a network that starts with dense) and that has `classes`
/// outputs. Throws io_error (naming the offending file) on any problem read_idx_images and
/// read_idx_labels report, and when the images do not have the model's input extents, the two
/// files hold different counts, the images file holds none, or a label is not below `classes`.
template<class Shape, class T = float>
dataset<Shape, T> load_dataset(const std::filesystem::path& images_path,
                               const std::filesystem::path& labels_path, std::size_t classes,
                               const dataset_options& options = {}) {
    static_assert(is_shape_v<Shape> && Shape::rank >= 1 && Shape::rank <= 3,
                  "typenet::load_dataset: the input shape must be shape<1,R,C>, shape<R,C> or "
                  "shape<R*C> (IDX images are single-channel)");
    static_assert(std::is_floating_point_v<T>, "typenet::load_dataset: T must be floating");
    if (!(options.stddev > 0.0))
        throw std::invalid_argument("typenet::load_dataset: stddev must be positive");
    // The extents are checked before the payload is read, which is then kept only for the
    // samples kept (the rest passes through a scratch buffer to be checked).
    detail::gz_reader images(images_path);
    const auto h = detail::read_idx_images_header(images);
    if (!detail::idx_shape_matches<Shape>(h.rows, h.cols))
        throw io_error(
            images_path,
            "images are " + std::to_string(h.rows) + "x" + std::to_string(h.cols) +
                " but the model's input shape is " + to_string<Shape>() +
                (Shape::rank == 3 && Shape::dims[0] != 1 ? " (IDX images have one channel)" : ""));
    if (h.count == 0)
        throw io_error(images_path, "holds no images");
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(h.count, options.limit));
    const std::vector<std::uint8_t> pixels =
        detail::read_idx_payload(images, h.bytes(), h.promised(), std::uint64_t{n} * Shape::size);
    std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
    if (labels.size() != h.count)
        throw io_error(labels_path, "holds " + std::to_string(labels.size()) + " labels but " +
                                        images_path.filename().string() + " holds " +
                                        std::to_string(h.count) + " images");
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] >= classes)
            throw io_error(labels_path, "label " + std::to_string(labels[i]) + " at index " +
                                            std::to_string(i) + " is out of range for " +
                                            std::to_string(classes) + " classes");

    labels.resize(n);
    // In T, operation by operation, as torchvision's ToTensor() (x = p / 255) and Normalize
    // (x = (x - mean) / std) compute it: the same bytes give the same values as in PyTorch.
    const T mean = static_cast<T>(options.mean), stddev = static_cast<T>(options.stddev);
    std::vector<T> values(n * Shape::size);
    std::transform(pixels.begin(), pixels.end(), values.begin(),
                   [=](std::uint8_t p) { return (static_cast<T>(p) / T{255} - mean) / stddev; });
    return dataset<Shape, T>(std::move(values), std::move(labels), classes);
}

} // namespace typenet
