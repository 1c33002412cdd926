// Fuzz target: io/idx.hpp (read_idx_images, read_idx_labels, load_dataset), for raw and gzip
// files alike (zlib decides from the bytes); the two corpora, idx_raw and idx_gzip, start it on
// either. An input is
//   2 bytes   n, little-endian: the images file is the next n bytes (or all that is left)
//   1 byte    dataset_options::limit (0: none)
//   n bytes   the images file, then the labels file (the rest)
// Every call either succeeds with what the header promised or throws io_error naming one of the
// two files; anything else (a crash, another exception, a sanitizer report, an allocation beyond
// libFuzzer's -malloc_limit_mb) is a finding.
#include "typenet/io/idx.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3)
        return 0;
    const std::size_t n = std::min<std::size_t>(data[0] | std::size_t{data[1]} << 8, size - 3);
    const std::size_t limit = data[2];
    const auto images = typenet::fuzz::write_input("images", data + 3, n);
    const auto labels = typenet::fuzz::write_input("labels", data + 3 + n, size - 3 - n);

    try {
        const auto im = typenet::read_idx_images(images);
        FUZZ_CHECK(im.pixels.size() == im.count * im.rows * im.cols);
    } catch (const typenet::io_error& e) {
        FUZZ_CHECK(e.file() == images);
    }
    try {
        (void)typenet::read_idx_labels(labels);
    } catch (const typenet::io_error& e) {
        FUZZ_CHECK(e.file() == labels);
    }
    typenet::dataset_options options;
    if (limit != 0)
        options.limit = limit;
    try {
        const auto d = typenet::load_dataset<typenet::shape<1, 2, 3>>(images, labels, 10, options);
        FUZZ_CHECK(d.size() > 0 && d.size() <= options.limit);
        FUZZ_CHECK(d.values().size() == d.size() * 6);
        for (const float v : d.values())
            FUZZ_CHECK(v >= 0.0f && v <= 1.0f);
        for (const auto l : d.labels())
            FUZZ_CHECK(l < 10);
    } catch (const typenet::io_error& e) {
        FUZZ_CHECK(e.file() == images || e.file() == labels);
    }
    return 0;
}
