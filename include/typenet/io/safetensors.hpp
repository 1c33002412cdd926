#pragma once
// Weights files in the safetensors format (https://github.com/huggingface/safetensors):
//
//   8 bytes     N, the header length, unsigned little-endian
//   N bytes     JSON: {"__metadata__": {"key": "value", ...},
//                      "<name>": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [b, e]},
//                      ...}   (padded with spaces to a multiple of 8)
//   the rest    the tensors' bytes, little-endian, row-major; [b, e) is relative to this buffer,
//               which the tensors cover exactly (no gaps, no overlap, nothing after them)
//
// A file holds a network's state_dict as PyTorch names it for the matching module
// (torch.nn.Sequential numbering, "<i>.block.<j>" / "<i>.shortcut.<k>" inside a residual):
// - every parameter tensor ("0.weight", "0.bias", ...: network::parameter_entries()), in
//   PyTorch's layout, dtype F32 for float parameters and F64 for double;
// - every buffer tensor (batch_norm's "<i>.running_mean" and "<i>.running_var":
//   network::buffer_entries()), in the parameters' dtype;
// - each batch_norm's "<i>.num_batches_tracked" (network::batch_counter_names()), an I64 scalar
//   (shape [], as a 0-dim torch.long tensor is stored).
// So `net.load_state_dict(safetensors.torch.load_file(path), strict=True)` accepts it for the same
// architecture. The counters come first in the data, then the parameters, then the buffers:
// every tensor starts at a multiple of its element size (the reference implementation orders by
// alignment for the same reason), and a network without batch_norm has just its parameters, in
// the bytes typenet wrote before buffers existed. The metadata records the network's signature;
// a file made for another architecture is refused with both signatures in the message. A file
// without the signature (e.g. written by PyTorch) is accepted if its tensors match by name,
// dtype and shape.
//
// Saving goes through atomic_file (io/atomic_file.hpp), so the target is either the old file or
// the complete new one, never a half-written file. Loading validates the whole file before it
// changes a single value. It reads only regular files, and checks the header length against the
// file's size before allocating anything for it.

#include "typenet/compose/network.hpp"
#include "typenet/io/atomic_file.hpp"
#include "typenet/io/error.hpp"
#include "typenet/io/file.hpp"
#include "typenet/io/json.hpp"
#include "typenet/model/model.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet {

/// The "__metadata__" of a safetensors file: string keys to string values.
using safetensors_metadata = std::map<std::string, std::string>;

/// Metadata keys typenet writes (and reserves).
inline constexpr const char* safetensors_signature_key = "typenet.signature";
inline constexpr const char* safetensors_version_key = "typenet.format_version";

namespace detail {

/// What a stored tensor holds: parameters, buffers (both in the parameters' dtype), or one
/// batch_norm's num_batches_tracked (an I64 scalar).
enum class tensor_role { parameter, buffer, counter };

/// One tensor as stored: its name, PyTorch dims, what it holds and where it lives in the block
/// of its role (parameters(), buffers() or batch_counters()).
struct stored_tensor {
    std::string name;
    std::vector<std::size_t> dims;
    std::size_t offset = 0;
    std::size_t count = 0;
    tensor_role role = tensor_role::parameter;
};

/// The tensors of network<Net, In> in file order: the counters, the parameters, the buffers.
template<class Net, class In>
std::vector<stored_tensor> stored_tensors() {
    using net = network<Net, In>;
    std::vector<stored_tensor> out;
    const std::vector<std::string> counters = net::batch_counter_names();
    for (std::size_t i = 0; i < counters.size(); ++i)
        out.push_back({counters[i], {}, i, 1, tensor_role::counter});
    for (auto& e : net::parameter_entries())
        out.push_back({e.name, e.desc.dims, e.offset, e.desc.size(), tensor_role::parameter});
    for (auto& e : net::buffer_entries())
        out.push_back({e.name, e.desc.dims, e.offset, e.desc.size(), tensor_role::buffer});
    return out;
}

/// A network's state as the file holds it: parameters and buffers of type T (const T to save),
/// counters of type C (std::int64_t or const std::int64_t).
template<class T, class C>
struct state_spans {
    std::span<T> params;
    std::span<T> buffers;
    std::span<C> counters;
};

template<class T>
constexpr const char* safetensors_dtype() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "typenet safetensors: parameters must be float (F32) or double (F64)");
    return std::is_same_v<T, float> ? "F32" : "F64";
}

inline std::string dims_string(const std::vector<std::size_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i)
        s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}

/// Appends `s` to `out` as a JSON string, escaped as nlohmann::json::dump() escapes it: `"`, `\`
/// and control characters (\b \t \n \f \r, others \u00xx); other bytes as they are. JSON text is
/// UTF-8, so a string that is not valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at
/// most U+10FFFF) is refused with std::invalid_argument.
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) { // a multi-byte sequence: lead byte, then 1-3 continuation bytes
            const std::size_t len = detail::utf8_length(s, i);
            if (len == 0)
                throw std::invalid_argument("typenet::save_safetensors: '" + std::string(s) +
                                            "' is not valid UTF-8 (byte " + std::to_string(i) +
                                            ")");
            out.append(s, i, len);
            i += len - 1;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (c < 0x20) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(c));
                out += hex;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

/// Little-endian bytes of v, whatever the host's byte order.
template<class T>
void put_le(unsigned char* out, T v) {
    using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    const U u = std::bit_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(U); ++i)
        out[i] = static_cast<unsigned char>(u >> (8 * i));
}
template<class T>
T get_le(const unsigned char* in) {
    using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
        u |= U{in[i]} << (8 * i);
    return std::bit_cast<T>(u);
}

template<class T>
void write_safetensors(const std::filesystem::path& path, const std::string& signature,
                       const std::vector<stored_tensor>& tensors,
                       state_spans<const T, const std::int64_t> state,
                       const safetensors_metadata& extra) {
    for (const char* key : {safetensors_signature_key, safetensors_version_key})
        if (extra.count(key))
            throw std::invalid_argument(std::string("typenet::save_safetensors: metadata key '") +
                                        key + "' is reserved");
    // The header as nlohmann::ordered_json::dump() wrote it up to now (same bytes): the metadata
    // first, then the tensors in file order. Written by hand because it is a flat object of
    // strings and integers, and serialising through nlohmann::json cost the trainer ~2 s of
    // compile time (docs/performance.md, "Compile time"); reading parses with io/json.hpp.
    // "format": "pt" (PyTorch layout) is what safetensors.torch and transformers look for.
    std::string text = "{\"__metadata__\":{\"format\":\"pt\"";
    const auto member = [&text](std::string_view key, std::string_view value) {
        text += ',';
        append_json_string(text, key);
        text += ':';
        append_json_string(text, value);
    };
    member(safetensors_signature_key, signature);
    member(safetensors_version_key, "1");
    for (const auto& [k, v] : extra)
        if (k != "format")
            member(k, v);
    text += '}';
    std::size_t at = 0;
    for (const auto& t : tensors) {
        const bool counter = t.role == tensor_role::counter;
        const std::size_t bytes = t.count * (counter ? sizeof(std::int64_t) : sizeof(T));
        text += ',';
        append_json_string(text, t.name);
        text += ":{\"dtype\":\"";
        text += counter ? "I64" : safetensors_dtype<T>();
        text += "\",\"shape\":[";
        for (std::size_t i = 0; i < t.dims.size(); ++i) { // appended piece by piece, as above
            if (i)
                text += ',';
            text += std::to_string(t.dims[i]);
        }
        text += "],\"data_offsets\":[";
        text += std::to_string(at);
        text += ',';
        text += std::to_string(at + bytes);
        text += "]}";
        at += bytes;
    }
    text += '}';
    // Pad so that the data start 8-byte aligned, as the reference implementation does.
    text.append((8 - (8 + text.size()) % 8) % 8, ' ');

    typenet::atomic_file out(path);
    unsigned char len[8];
    put_le(len, static_cast<std::uint64_t>(text.size()));
    out.write(len, sizeof len);
    out.write(text.data(), text.size());
    std::vector<unsigned char> buf;
    for (const auto& t : tensors) {
        if (t.role == tensor_role::counter) {
            buf.resize(t.count * sizeof(std::int64_t));
            for (std::size_t i = 0; i < t.count; ++i)
                put_le(buf.data() + i * sizeof(std::int64_t), state.counters[t.offset + i]);
        } else {
            const std::span<const T> block =
                t.role == tensor_role::parameter ? state.params : state.buffers;
            buf.resize(t.count * sizeof(T));
            for (std::size_t i = 0; i < t.count; ++i)
                put_le(buf.data() + i * sizeof(T), block[t.offset + i]);
        }
        out.write(buf.data(), buf.size());
    }
    out.commit();
}

/// A weights file split into its JSON header and its data buffer.
struct safetensors_bytes {
    std::string header;
    std::vector<unsigned char> data;
};

/// Reads a weights file, checking the header length against the file's size before allocating
/// anything for the header or the data.
inline safetensors_bytes read_weights_file(const std::filesystem::path& path) {
    input_file in(path, "a weights file");
    const std::uint64_t size = in.size();
    if (size < 8)
        throw io_error(path, "too short for a safetensors file (" + std::to_string(size) +
                                 " bytes; the header length alone takes 8)");
    unsigned char len[8];
    in.read_exactly(len, sizeof len, "header length");
    const std::uint64_t n = get_le<std::uint64_t>(len);
    const std::uint64_t rest = size - 8;
    if (n == 0 || n > rest)
        throw io_error(path, "truncated or not a safetensors file: the header length is " +
                                 std::to_string(n) + " bytes but " + std::to_string(rest) +
                                 " bytes follow it");
    safetensors_bytes out;
    out.header.resize(static_cast<std::size_t>(n));
    in.read_exactly(out.header.data(), out.header.size(), "header");
    out.data.resize(static_cast<std::size_t>(rest - n));
    in.read_exactly(out.data.data(), out.data.size(), "data");
    return out;
}

inline std::uint64_t json_offset(const std::filesystem::path& path, const std::string& name,
                                 const json_value& v) {
    if (!v.is_number_unsigned())
        throw io_error(path, "corrupt header: tensor '" + name +
                                 "' has a data offset that is not a non-negative integer");
    return v.number;
}

/// Validates the file against `tensors` (names, dtypes, shapes, offsets, coverage) and returns
/// its metadata; writes the parameters, buffers and counters only when every check has passed.
template<class T>
safetensors_metadata
read_safetensors(const std::filesystem::path& path, const std::string& signature,
                 const std::vector<stored_tensor>& tensors, state_spans<T, std::int64_t> state) {
    const safetensors_bytes file = read_weights_file(path);
    json_value header;
    try {
        header = parse_json(file.header);
    } catch (const json_error& e) {
        throw io_error(path, std::string("corrupt JSON header: ") + e.what());
    }
    if (!header.is_object())
        throw io_error(path, "corrupt header: the JSON header is not an object");

    safetensors_metadata meta;
    if (const json_value* m = header.find("__metadata__")) {
        if (!m->is_object())
            throw io_error(path, "corrupt header: __metadata__ is not an object");
        for (const auto& [key, v] : m->members) {
            if (!v.is_string())
                throw io_error(path, "corrupt header: metadata '" + key + "' is not a string");
            meta[key] = v.text;
        }
    }
    if (auto it = meta.find(safetensors_signature_key); it != meta.end() && it->second != signature)
        throw io_error(path,
                       "was saved for '" + it->second + "' but this model is '" + signature + "'");

    // Every tensor in the file: its byte range in the data buffer.
    const std::uint64_t data_size = file.data.size();
    const unsigned char* data = file.data.data();
    struct range {
        std::uint64_t begin, end;
        std::string name;
    };
    std::vector<range> ranges;
    for (const auto& [name, t] : header.members) {
        if (name == "__metadata__")
            continue;
        const json_value* dtype = t.find("dtype");
        const json_value* shape = t.find("shape");
        const json_value* offsets = t.find("data_offsets");
        if (!dtype || !shape || !offsets || !dtype->is_string() || !shape->is_array() ||
            !offsets->is_array() || offsets->items.size() != 2)
            throw io_error(path, "corrupt header: tensor '" + name +
                                     "' lacks a dtype, shape or data_offsets pair");
        const std::uint64_t b = json_offset(path, name, offsets->items[0]);
        const std::uint64_t e = json_offset(path, name, offsets->items[1]);
        if (b > e)
            throw io_error(path, "corrupt header: tensor '" + name + "' has data_offsets [" +
                                     std::to_string(b) + ", " + std::to_string(e) + "]");
        if (e > data_size)
            throw io_error(path, "truncated: tensor '" + name + "' ends at byte " +
                                     std::to_string(e) + " of the data but the file holds " +
                                     std::to_string(data_size) + " data bytes");
        ranges.push_back({b, e, name});
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const range& a, const range& b) { return a.begin < b.begin; });
    std::uint64_t covered = 0;
    for (const auto& r : ranges) {
        if (r.begin != covered)
            throw io_error(path, "corrupt header: tensor '" + r.name + "' starts at byte " +
                                     std::to_string(r.begin) + " of the data, expected " +
                                     std::to_string(covered) + " (tensors must be contiguous)");
        covered = r.end;
    }
    if (covered != data_size)
        throw io_error(path, "trailing data: " + std::to_string(data_size - covered) +
                                 " bytes after the last tensor");

    std::vector<std::string> expected;
    for (const auto& t : tensors)
        expected.push_back(t.name);
    for (const auto& r : ranges)
        if (std::find(expected.begin(), expected.end(), r.name) == expected.end())
            throw io_error(path, "holds tensor '" + r.name + "', which this model ('" + signature +
                                     "') does not have");

    std::vector<T> params(state.params.size()), buffers(state.buffers.size());
    std::vector<std::int64_t> counters(state.counters.size());
    for (const auto& t : tensors) {
        const json_value* h = header.find(t.name);
        if (!h)
            throw io_error(path,
                           "missing tensor '" + t.name + "' of this model ('" + signature + "')");
        const std::string& dtype = h->find("dtype")->text;
        std::vector<std::size_t> dims;
        for (const auto& d : h->find("shape")->items) {
            if (!d.is_number_unsigned() || d.number > SIZE_MAX)
                throw io_error(path, "corrupt header: tensor '" + t.name +
                                         "' has a shape that is not a list of sizes");
            dims.push_back(static_cast<std::size_t>(d.number));
        }
        if (dims != t.dims)
            throw io_error(path, "tensor '" + t.name + "' has shape " + dims_string(dims) +
                                     " but this model expects " + dims_string(t.dims));
        const bool counter = t.role == tensor_role::counter;
        std::size_t esize = 0;
        if (counter) {
            if (dtype != "I64") {
                std::string m = "tensor '";
                m += t.name;
                m += "' has dtype ";
                m += dtype;
                m += "; a num_batches_tracked counter is I64 (torch.long)";
                throw io_error(path, m);
            }
            esize = 8;
        } else {
            esize = dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0;
            if (esize == 0)
                throw io_error(path, "tensor '" + t.name + "' has dtype " + dtype +
                                         "; typenet reads F32 and F64");
        }
        const std::uint64_t b = h->find("data_offsets")->items[0].number;
        const std::uint64_t e = h->find("data_offsets")->items[1].number;
        if (e - b != t.count * esize)
            throw io_error(path, "corrupt header: tensor '" + t.name + "' spans " +
                                     std::to_string(e - b) + " bytes but " + dtype + " " +
                                     dims_string(t.dims) + " takes " +
                                     std::to_string(t.count * esize));
        const unsigned char* src = data + b;
        if (counter) {
            for (std::size_t i = 0; i < t.count; ++i)
                counters[t.offset + i] = get_le<std::int64_t>(src + 8 * i);
            continue;
        }
        T* dst = (t.role == tensor_role::parameter ? params.data() : buffers.data()) + t.offset;
        // F32 <-> F64 converts (as tensor.to(dtype) would); same dtype copies bits.
        for (std::size_t i = 0; i < t.count; ++i)
            dst[i] = esize == 4 ? static_cast<T>(get_le<float>(src + 4 * i))
                                : static_cast<T>(get_le<double>(src + 8 * i));
    }
    // Element by element: a network without buffers has empty blocks, and g++ 12 at -O3 warns
    // (-Wnonnull) about std::copy into an empty span's null pointer.
    for (std::size_t i = 0; i < params.size(); ++i)
        state.params[i] = params[i];
    for (std::size_t i = 0; i < buffers.size(); ++i)
        state.buffers[i] = buffers[i];
    for (std::size_t i = 0; i < counters.size(); ++i)
        state.counters[i] = counters[i];
    return meta;
}

/// Checks the sizes of the blocks a caller gives for network<Net, In>: a wrong size is a
/// programming error (std::invalid_argument), not a file error.
template<class Net, class In>
void check_block_size(std::size_t n, std::size_t expected, const char* what, const char* function) {
    if (n == expected)
        return;
    std::string m = "typenet::";
    m += function;
    m += ": ";
    m += std::to_string(n);
    m += ' ';
    m += what;
    m += " given but '";
    m += network<Net, In>::signature();
    m += "' has ";
    m += std::to_string(expected);
    throw std::invalid_argument(m);
}

/// Whether network<Net, In> has state beyond its parameters (batch_norm's buffers and counters).
template<class Net, class In>
inline constexpr bool has_buffers_v =
    network<Net, In>::buffer_count > 0 || network<Net, In>::batch_node_count > 0;

/// The three blocks of a model's state against network<Net, In>'s counts.
template<class Net, class In>
void check_state_sizes(std::size_t params, std::size_t buffers, std::size_t counters,
                       const char* call) {
    using net = network<Net, In>;
    check_block_size<Net, In>(params, net::parameter_count, "parameters", call);
    check_block_size<Net, In>(buffers, net::buffer_count, "buffer values", call);
    check_block_size<Net, In>(counters, net::batch_node_count, "batch counters", call);
}

template<class Net, class In, class T, class B, class C>
void save_state(std::span<T> params, std::span<B> buffers, std::span<C> counters,
                const std::filesystem::path& path, const safetensors_metadata& extra) {
    using value_t = std::remove_const_t<T>;
    static_assert(std::is_same_v<std::remove_const_t<B>, value_t>,
                  "typenet::save_safetensors: the buffers must have the parameters' type");
    static_assert(std::is_same_v<std::remove_const_t<C>, std::int64_t>,
                  "typenet::save_safetensors: the batch counters are std::int64_t");
    using net = network<Net, In>;
    check_state_sizes<Net, In>(params.size(), buffers.size(), counters.size(), "save_safetensors");
    write_safetensors<value_t>(path, net::signature(), stored_tensors<Net, In>(),
                               {std::span<const value_t>(params.data(), params.size()),
                                std::span<const value_t>(buffers.data(), buffers.size()),
                                std::span<const std::int64_t>(counters.data(), counters.size())},
                               extra);
}

template<class Net, class In, class T>
safetensors_metadata load_state(std::span<T> params, std::span<T> buffers,
                                std::span<std::int64_t> counters,
                                const std::filesystem::path& path) {
    static_assert(!std::is_const_v<T>,
                  "typenet::load_safetensors: the parameters and buffers must be mutable");
    (void)safetensors_dtype<T>();
    using net = network<Net, In>;
    check_state_sizes<Net, In>(params.size(), buffers.size(), counters.size(), "load_safetensors");
    return read_safetensors<T>(path, net::signature(), stored_tensors<Net, In>(),
                               {params, buffers, counters});
}

} // namespace detail

/// Saves the parameter block of network<Net, In> (parameters() order and layout) to `path`
/// atomically; `extra` is added to the file's metadata (keys "typenet.signature" and
/// "typenet.format_version" are reserved; "format" is always "pt").
/// Throws io_error (the target untouched) if the file cannot be written.
/// For a network without buffers (no batch_norm); one with them saves through the overload that
/// takes buffers and counters too, or through its model.
///
///     typenet::save_safetensors<dsl::lenet5, dsl::lenet5_input>(params, "lenet5.safetensors");
template<class Net, class In, class T, std::size_t N>
void save_safetensors(std::span<T, N> params, const std::filesystem::path& path,
                      const safetensors_metadata& extra = {}) {
    static_assert(!detail::has_buffers_v<Net, In>,
                  "typenet::save_safetensors: this network has batch_norm buffers and counters, "
                  "which a weights file holds too: pass them, save_safetensors<Net, In>(params, "
                  "buffers, batch_counters, path), or save the model");
    detail::save_state<Net, In>(std::span<T>(params.data(), params.size()),
                                std::span<const std::remove_const_t<T>>{},
                                std::span<const std::int64_t>{}, path, extra);
}

/// Saves the whole state of network<Net, In>: the parameters, the buffers (model::buffers()
/// order and layout, in the parameters' dtype) and one num_batches_tracked per batch_norm
/// (model::batch_counters() order, I64 scalars), under PyTorch's state_dict names.
template<class Net, class In, class T, std::size_t N, class B, std::size_t M, class C,
         std::size_t K>
void save_safetensors(std::span<T, N> params, std::span<B, M> buffers,
                      std::span<C, K> batch_counters, const std::filesystem::path& path,
                      const safetensors_metadata& extra = {}) {
    detail::save_state<Net, In>(
        std::span<T>(params.data(), params.size()), std::span<B>(buffers.data(), buffers.size()),
        std::span<C>(batch_counters.data(), batch_counters.size()), path, extra);
}

/// Loads `path` into the parameter block of network<Net, In>. F32 files load into double
/// parameters and F64 into float (rounded). Throws io_error naming the file if it is missing,
/// truncated, corrupt, or made for another architecture; `params` is changed only on success.
/// Returns the file's metadata. For a network without buffers (see save_safetensors).
template<class Net, class In, class T, std::size_t N>
safetensors_metadata load_safetensors(std::span<T, N> params, const std::filesystem::path& path) {
    static_assert(!detail::has_buffers_v<Net, In>,
                  "typenet::load_safetensors: this network has batch_norm buffers and counters, "
                  "which a weights file holds too: pass them, load_safetensors<Net, In>(params, "
                  "buffers, batch_counters, path), or load the model");
    return detail::load_state<Net, In>(std::span<T>(params.data(), params.size()), std::span<T>{},
                                       std::span<std::int64_t>{}, path);
}

/// Loads the whole state of network<Net, In> (see the saving overload); the buffers convert
/// between F32 and F64 as the parameters do, the counters must be I64. Every block is changed
/// only on success.
template<class Net, class In, class T, std::size_t N, std::size_t M, std::size_t K>
safetensors_metadata load_safetensors(std::span<T, N> params, std::span<T, M> buffers,
                                      std::span<std::int64_t, K> batch_counters,
                                      const std::filesystem::path& path) {
    return detail::load_state<Net, In>(
        std::span<T>(params.data(), params.size()), std::span<T>(buffers.data(), buffers.size()),
        std::span<std::int64_t>(batch_counters.data(), batch_counters.size()), path);
}

/// Saves a model's parameters, buffers and batch counters; see the span overloads.
template<class Net, class In, class T>
void save_safetensors(const model<Net, In, T>& m, const std::filesystem::path& path,
                      const safetensors_metadata& extra = {}) {
    save_safetensors<Net, In>(m.parameters(), m.buffers(), m.batch_counters(), path, extra);
}

/// Loads a model's parameters, buffers and batch counters; see the span overloads.
template<class Net, class In, class T>
safetensors_metadata load_safetensors(model<Net, In, T>& m, const std::filesystem::path& path) {
    return load_safetensors<Net, In>(m.parameters(), m.buffers(), m.batch_counters(), path);
}

} // namespace typenet
