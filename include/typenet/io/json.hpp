#pragma once
// A small JSON reader for the headers of weights files (io/safetensors.hpp): RFC 8259 text into
// a tree of values. It replaced nlohmann::json, whose parser cost the trainer's weights unit about
// 4 s of compile time (docs/performance.md, "Compile time (the trainer)"); the header needs no
// more than this.
//
// Strict: one value with optional whitespace around it; strings must be valid UTF-8 without
// unescaped control characters, \u escapes must pair their surrogates; numbers follow the JSON
// grammar. Objects keep their members in file order; a repeated key keeps its first position and
// its last value (as nlohmann::json does). Nesting deeper than json_max_depth is refused. Errors
// throw json_error with the byte offset and what was expected.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace typenet {

/// Malformed JSON text; what() is "byte <offset>: <problem>".
class json_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::size_t json_max_depth = 64;

/// One JSON value. Numbers keep their text; `unsigned_integer` is set (and `number` holds it) for
/// a number without sign, fraction or exponent that fits in 64 bits.
struct json_value {
    enum class kind { null, boolean, number, string, array, object };
    struct member; // {key, value}

    kind type = kind::null;
    bool boolean = false;
    bool unsigned_integer = false;
    std::uint64_t number = 0;
    std::string text;              // a string's value, or a number's text
    std::vector<json_value> items; // an array's elements
    std::vector<member> members;   // an object's members, in file order

    bool is_object() const { return type == kind::object; }
    bool is_array() const { return type == kind::array; }
    bool is_string() const { return type == kind::string; }
    bool is_number_unsigned() const { return type == kind::number && unsigned_integer; }

    /// The object member named `key`, or nullptr (also if this is not an object).
    const json_value* find(std::string_view key) const;
};

struct json_value::member {
    std::string key;
    json_value value;
};

inline const json_value* json_value::find(std::string_view key) const {
    for (const auto& m : members)
        if (m.key == key)
            return &m.value;
    return nullptr;
}

namespace detail {

/// The length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no
/// surrogates, at most U+10FFFF), or 0 if there is none. Used to read and to write JSON text.
inline std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto byte = [s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80)
        return 1;
    const std::size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4
                                                     : 0;
    // The second byte's range excludes overlong forms, surrogates and > U+10FFFF.
    const unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    bool ok = len != 0 && i + len <= s.size() && byte(i + 1) >= lo && byte(i + 1) <= hi;
    for (std::size_t k = 2; ok && k < len; ++k)
        ok = byte(i + k) >= 0x80 && byte(i + k) <= 0xBF;
    return ok ? len : 0;
}

class json_parser {
public:
    explicit json_parser(std::string_view text)
        : s_(text) {}

    json_value parse_document() {
        json_value v = parse_value(0);
        skip_space();
        if (i_ != s_.size())
            fail("unexpected text after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw json_error("byte " + std::to_string(i_) + ": " + what);
    }

    void skip_space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
            ++i_;
    }

    bool at_end() const { return i_ == s_.size(); }
    char peek() const { return s_[i_]; }

    void expect(char c, const char* context) {
        skip_space();
        if (at_end() || peek() != c)
            fail(std::string("expected '") + c + "' " + context);
        ++i_;
    }

    json_value parse_value(std::size_t depth) {
        skip_space();
        if (at_end())
            fail("unexpected end of the text, expected a value");
        json_value v;
        switch (peek()) {
        case '{':
            parse_object(v, depth + 1);
            break;
        case '[':
            parse_array(v, depth + 1);
            break;
        case '"':
            v.type = json_value::kind::string;
            v.text = parse_string();
            break;
        case 't':
            literal("true");
            v.type = json_value::kind::boolean;
            v.boolean = true;
            break;
        case 'f':
            literal("false");
            v.type = json_value::kind::boolean;
            break;
        case 'n':
            literal("null");
            break;
        default:
            parse_number(v);
        }
        return v;
    }

    void literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word)
            fail("invalid literal, expected '" + std::string(word) + "'");
        i_ += word.size();
    }

    void check_depth(std::size_t depth) const {
        if (depth > json_max_depth)
            fail("nested deeper than " + std::to_string(json_max_depth) + " levels");
    }

    void parse_object(json_value& v, std::size_t depth) {
        check_depth(depth);
        v.type = json_value::kind::object;
        ++i_; // '{'
        skip_space();
        if (!at_end() && peek() == '}') {
            ++i_;
            return;
        }
        for (;;) {
            skip_space();
            if (at_end() || peek() != '"')
                fail("expected a string as object key");
            std::string key = parse_string();
            expect(':', "after an object key");
            v.members.push_back({std::move(key), parse_value(depth)});
            skip_space();
            if (at_end())
                fail("unexpected end of the text in an object");
            if (peek() == '}') {
                ++i_;
                merge_repeated_keys(v.members);
                return;
            }
            if (peek() != ',')
                fail("expected ',' or '}' in an object");
            ++i_;
        }
    }

    /// Gives each repeated key its first position and its last value. The members are sorted
    /// by (key, position) once the object is complete, so an object of n members costs
    /// O(n log n) key comparisons; looking up every key among the earlier ones as it is read
    /// would cost n^2 / 2.
    static void merge_repeated_keys(std::vector<json_value::member>& members) {
        if (members.size() < 2)
            return;
        std::vector<std::size_t> order(members.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&members](std::size_t a, std::size_t b) {
            const int c = members[a].key.compare(members[b].key);
            return c != 0 ? c < 0 : a < b;
        });
        std::vector<bool> dropped(members.size(), false);
        bool any = false;
        for (std::size_t first = 0; first < order.size();) {
            std::size_t end = first + 1;
            while (end < order.size() && members[order[end]].key == members[order[first]].key)
                dropped[order[end++]] = true;
            if (end - first > 1) {
                members[order[first]].value = std::move(members[order[end - 1]].value);
                any = true;
            }
            first = end;
        }
        if (!any)
            return;
        std::size_t kept = 0;
        for (std::size_t k = 0; k < members.size(); ++k)
            if (!dropped[k]) {
                if (kept != k)
                    members[kept] = std::move(members[k]);
                ++kept;
            }
        members.erase(members.begin() + static_cast<std::ptrdiff_t>(kept), members.end());
    }

    void parse_array(json_value& v, std::size_t depth) {
        check_depth(depth);
        v.type = json_value::kind::array;
        ++i_; // '['
        skip_space();
        if (!at_end() && peek() == ']') {
            ++i_;
            return;
        }
        for (;;) {
            v.items.push_back(parse_value(depth));
            skip_space();
            if (at_end())
                fail("unexpected end of the text in an array");
            if (peek() == ']') {
                ++i_;
                return;
            }
            if (peek() != ',')
                fail("expected ',' or ']' in an array");
            ++i_;
        }
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    void parse_number(json_value& v) {
        const std::size_t start = i_;
        const auto digits = [this] {
            const std::size_t first = i_;
            while (!at_end() && is_digit(peek()))
                ++i_;
            return i_ - first;
        };
        bool plain = true; // no sign, fraction or exponent
        if (!at_end() && peek() == '-') {
            plain = false;
            ++i_;
        }
        if (at_end() || !is_digit(peek()))
            fail("expected a value");
        if (peek() == '0')
            ++i_; // no leading zeros: "01" ends the number after "0"
        else
            digits();
        if (!at_end() && peek() == '.') {
            plain = false;
            ++i_;
            if (digits() == 0)
                fail("expected a digit after the decimal point");
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            plain = false;
            ++i_;
            if (!at_end() && (peek() == '+' || peek() == '-'))
                ++i_;
            if (digits() == 0)
                fail("expected a digit in the exponent");
        }
        v.type = json_value::kind::number;
        v.text = std::string(s_.substr(start, i_ - start));
        if (plain) {
            std::uint64_t n = 0;
            bool fits = true;
            for (const char c : v.text) {
                const auto d = static_cast<std::uint64_t>(c - '0');
                fits = fits && n <= (UINT64_MAX - d) / 10;
                n = n * 10 + d;
            }
            v.unsigned_integer = fits;
            v.number = fits ? n : 0;
        }
    }

    unsigned hex4() {
        if (s_.size() - i_ < 4)
            fail("incomplete \\u escape");
        unsigned u = 0;
        for (int k = 0; k < 4; ++k, ++i_) {
            const char c = s_[i_];
            unsigned d = 0;
            if (c >= '0' && c <= '9')
                d = unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                d = unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                d = unsigned(c - 'A' + 10);
            else
                fail("invalid \\u escape");
            u = u * 16 + d;
        }
        return u;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::string parse_string() {
        ++i_; // '"'
        std::string out;
        for (;;) {
            if (at_end())
                fail("unterminated string");
            const auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++i_;
                return out;
            }
            if (c < 0x20)
                fail("control character in a string (it must be escaped)");
            if (c >= 0x80) {
                const std::size_t len = utf8_length(s_, i_);
                if (len == 0)
                    fail("invalid UTF-8 in a string");
                out.append(s_, i_, len);
                i_ += len;
                continue;
            }
            ++i_;
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (at_end())
                fail("unterminated string");
            const char e = s_[i_++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                std::uint32_t cp = hex4();
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    fail("\\u escape of a low surrogate without a high one");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (s_.substr(i_, 2) != "\\u")
                        fail("\\u escape of a high surrogate without a low one");
                    i_ += 2;
                    const std::uint32_t low = hex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                        fail("\\u escape of a high surrogate without a low one");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(out, cp);
                break;
            }
            default:
                --i_;
                fail("invalid escape in a string");
            }
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

} // namespace detail

/// Parses `text` as one JSON value. Throws json_error.
inline json_value parse_json(std::string_view text) {
    return detail::json_parser(text).parse_document();
}

} // namespace typenet
