// Fuzz target: io/json.hpp. Any text either parses into a tree that keeps the reader's promises
// (no repeated key in an object, strings valid UTF-8, nesting within json_max_depth) or throws
// json_error naming a byte inside the text.
#include "typenet/io/json.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"

namespace {

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = typenet::detail::utf8_length(s, i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void check(const typenet::json_value& v, std::size_t depth) {
    using kind = typenet::json_value::kind;
    FUZZ_CHECK(depth <= typenet::json_max_depth);
    switch (v.type) {
    case kind::string:
        FUZZ_CHECK(valid_utf8(v.text));
        break;
    case kind::number:
        FUZZ_CHECK(!v.text.empty());
        FUZZ_CHECK(v.unsigned_integer || v.number == 0);
        break;
    case kind::array:
        for (const auto& item : v.items)
            check(item, depth + 1);
        break;
    case kind::object: {
        std::vector<std::string_view> keys;
        for (const auto& m : v.members) {
            FUZZ_CHECK(valid_utf8(m.key));
            FUZZ_CHECK(v.find(m.key) == &m.value); // the first member of that name
            keys.push_back(m.key);
            check(m.value, depth + 1);
        }
        std::sort(keys.begin(), keys.end());
        FUZZ_CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
        break;
    }
    default:
        FUZZ_CHECK(v.items.empty() && v.members.empty());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        check(typenet::parse_json(text), 0);
    } catch (const typenet::json_error& e) {
        const std::string what = e.what();
        FUZZ_CHECK(what.starts_with("byte "));
        FUZZ_CHECK(std::stoull(what.substr(5)) <= size);
    }
    return 0;
}
