// io/json.hpp, the reader of safetensors headers: values of every kind, strings with escapes and
// UTF-8, how numbers are classified, repeated keys, and every way the text can be malformed
// (each must throw json_error naming the byte).
#define BOOST_TEST_MODULE io.json
#include "typenet/io/json.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>

using typenet::json_error;
using typenet::json_value;
using typenet::parse_json;

namespace {

/// The json_error message for `text` ("" and a failed check if there is none).
std::string error_of(const std::string& text) {
    try {
        parse_json(text);
    } catch (const json_error& e) {
        BOOST_TEST_MESSAGE("json_error: " << e.what());
        return e.what();
    }
    BOOST_ERROR("no json_error for: " << text);
    return "";
}

} // namespace

BOOST_AUTO_TEST_CASE(a_safetensors_header) {
    const json_value h = parse_json(
        R"( {"__metadata__":{"format":"pt","typenet.signature":"1x8x8 conv<3,3,filters<2>>"},)"
        "\n\t\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2, 1, 3, 3],\"data_offsets\":[0,72]}}\r\n");
    BOOST_TEST(h.is_object());
    BOOST_TEST(h.members.size() == 2u);
    BOOST_TEST(h.members[0].key == "__metadata__");
    BOOST_TEST(h.members[1].key == "0.weight");
    const json_value* meta = h.find("__metadata__");
    BOOST_TEST_REQUIRE(meta != nullptr);
    BOOST_TEST(meta->find("format")->text == "pt");
    BOOST_TEST(meta->find("typenet.signature")->text == "1x8x8 conv<3,3,filters<2>>");
    const json_value* t = h.find("0.weight");
    BOOST_TEST_REQUIRE(t != nullptr);
    BOOST_TEST(t->find("dtype")->is_string());
    const auto& shape = t->find("shape")->items;
    BOOST_TEST(shape.size() == 4u);
    BOOST_TEST(shape[0].is_number_unsigned());
    BOOST_TEST(shape[0].number == 2u);
    BOOST_TEST(shape[3].number == 3u);
    BOOST_TEST(t->find("data_offsets")->items[1].number == 72u);
    BOOST_TEST(h.find("1.bias") == nullptr);
    BOOST_TEST(shape[0].find("x") == nullptr); // not an object
}

BOOST_AUTO_TEST_CASE(literals_and_empty_containers) {
    const json_value v = parse_json(R"([true, false, null, [], {}, ""])");
    BOOST_TEST(v.is_array());
    BOOST_TEST_REQUIRE(v.items.size() == 6u);
    BOOST_TEST((v.items[0].type == json_value::kind::boolean && v.items[0].boolean));
    BOOST_TEST((v.items[1].type == json_value::kind::boolean && !v.items[1].boolean));
    BOOST_TEST((v.items[2].type == json_value::kind::null));
    BOOST_TEST((v.items[3].is_array() && v.items[3].items.empty()));
    BOOST_TEST((v.items[4].is_object() && v.items[4].members.empty()));
    BOOST_TEST((v.items[5].is_string() && v.items[5].text.empty()));
    BOOST_TEST((parse_json("7").is_number_unsigned()));
    BOOST_TEST((parse_json(" \"x\" ").text == "x"));
}

BOOST_AUTO_TEST_CASE(numbers) {
    const json_value v =
        parse_json("[0, 18446744073709551615, 18446744073709551616, -0, -3, 1.0, 2e3, 1E+2, "
                   "-0.5e-7]");
    BOOST_TEST_REQUIRE(v.items.size() == 9u);
    BOOST_TEST(v.items[0].is_number_unsigned());
    BOOST_TEST(v.items[0].number == 0u);
    BOOST_TEST(v.items[1].is_number_unsigned());
    BOOST_TEST(v.items[1].number == 18446744073709551615ull);
    for (std::size_t i = 2; i < v.items.size(); ++i) { // too large, signed, fraction, exponent
        BOOST_TEST((v.items[i].type == json_value::kind::number));
        BOOST_TEST(!v.items[i].is_number_unsigned());
    }
    BOOST_TEST(v.items[8].text == "-0.5e-7");
}

BOOST_AUTO_TEST_CASE(string_escapes_and_utf8) {
    const json_value v = parse_json(R"(["a\"b\\c\/d\b\f\n\r\t", "\u0041\u00e9\u20AC\ud83d\ude00",)"
                                    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\\u0000\"]");
    BOOST_TEST_REQUIRE(v.items.size() == 4u);
    BOOST_TEST(v.items[0].text == "a\"b\\c/d\b\f\n\r\t");
    BOOST_TEST(v.items[1].text == "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    BOOST_TEST(v.items[2].text == v.items[1].text.substr(1));
    BOOST_TEST(v.items[3].text == std::string(1, '\0'));
}

BOOST_AUTO_TEST_CASE(a_repeated_key_keeps_its_place_and_its_last_value) {
    const json_value v = parse_json(R"({"a": 1, "b": 2, "a": 3})");
    BOOST_TEST_REQUIRE(v.members.size() == 2u);
    BOOST_TEST(v.members[0].key == "a");
    BOOST_TEST(v.find("a")->number == 3u);
    BOOST_TEST(v.find("b")->number == 2u);
}

BOOST_AUTO_TEST_CASE(an_object_of_half_a_million_keys) {
    // Comparing each key with every earlier one makes n^2 / 2 comparisons, over 10^11 here: far
    // beyond the CTest TIMEOUT of this test (tests/CMakeLists.txt). Sorting makes n log n.
    constexpr std::size_t n = 500000;
    // Strings are appended piece by piece: g++ 12 at -O3 gives a false -Wrestrict on
    // "literal" + std::string&& (GCC bug 105329).
    const auto key = [](std::size_t i) {
        std::string k = "tensor.";
        k += std::to_string(i * 7919 % n);
        return k;
    };
    std::string text = "{";
    const auto add_member = [&text](const std::string& k, std::size_t value) {
        text += '"';
        text += k;
        text += "\":";
        text += std::to_string(value);
        text += ',';
    };
    for (std::size_t i = 0; i < n; ++i)
        add_member(key(i), i);
    // Repeats: of the first key (half a million members apart), of one in the middle (twice),
    // and of the last key right after it.
    add_member(key(0), 1000000);
    add_member(key(n / 2), 1000001);
    add_member(key(n / 2), 1000002);
    add_member(key(n - 1), 1000003);
    text.back() = '}';
    const json_value v = parse_json(text);
    BOOST_TEST_REQUIRE(v.members.size() == n);
    bool in_order = true, values_kept = true;
    for (std::size_t i = 0; i < n; ++i) {
        in_order = in_order && v.members[i].key == key(i);
        const std::uint64_t expected = i == 0       ? 1000000
                                       : i == n / 2 ? 1000002
                                       : i == n - 1 ? 1000003
                                                    : i;
        values_kept = values_kept && v.members[i].value.number == expected;
    }
    BOOST_TEST(in_order);
    BOOST_TEST(values_kept);
    BOOST_TEST(v.find(key(0))->number == 1000000u);
}

BOOST_AUTO_TEST_CASE(repeated_keys_in_nested_objects) {
    const json_value v =
        parse_json(R"({"x": {"b": 1, "a": 2, "b": 3, "b": 4}, "y": [{"k": 5, "k": 6}], "x": {}})");
    BOOST_TEST_REQUIRE(v.members.size() == 2u);
    BOOST_TEST(v.members[0].key == "x");
    BOOST_TEST(v.members[0].value.members.empty()); // the last value of "x"
    const json_value w = parse_json(R"({"x": {"b": 1, "a": 2, "b": 3, "b": 4}})");
    const auto& x = w.find("x")->members;
    BOOST_TEST_REQUIRE(x.size() == 2u);
    BOOST_TEST(x[0].key == "b");
    BOOST_TEST(x[0].value.number == 4u);
    BOOST_TEST(x[1].key == "a");
    BOOST_TEST(x[1].value.number == 2u);
    const auto& k = v.find("y")->items[0].members;
    BOOST_TEST_REQUIRE(k.size() == 1u);
    BOOST_TEST(k[0].value.number == 6u);
}

BOOST_AUTO_TEST_CASE(nesting_up_to_the_limit) {
    const std::size_t d = typenet::json_max_depth;
    BOOST_TEST(parse_json(std::string(d, '[') + std::string(d, ']')).is_array());
    BOOST_TEST(error_of(std::string(d + 1, '[') + std::string(d + 1, ']')) ==
               "byte " + std::to_string(d) + ": nested deeper than 64 levels");
    BOOST_TEST(error_of(std::string(100000, '[')).find("nested deeper") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_text) {
    BOOST_TEST(error_of("") == "byte 0: unexpected end of the text, expected a value");
    BOOST_TEST(error_of("   ") == "byte 3: unexpected end of the text, expected a value");
    BOOST_TEST(error_of("{} x") == "byte 3: unexpected text after the JSON value");
    BOOST_TEST(error_of("{}{}") == "byte 2: unexpected text after the JSON value");
    BOOST_TEST(error_of(R"({"a" 1})") == "byte 5: expected ':' after an object key");
    BOOST_TEST(error_of(R"({a: 1})") == "byte 1: expected a string as object key");
    BOOST_TEST(error_of(R"({"a": 1,})") == "byte 8: expected a string as object key");
    BOOST_TEST(error_of(R"({"a": 1)") == "byte 7: unexpected end of the text in an object");
    BOOST_TEST(error_of(R"({"a": 1 "b": 2})") == "byte 8: expected ',' or '}' in an object");
    BOOST_TEST(error_of("[1,]") == "byte 3: expected a value");
    BOOST_TEST(error_of("[1 2]") == "byte 3: expected ',' or ']' in an array");
    BOOST_TEST(error_of("[1") == "byte 2: unexpected end of the text in an array");
    BOOST_TEST(error_of("tru") == "byte 0: invalid literal, expected 'true'");
    BOOST_TEST(error_of("nul") == "byte 0: invalid literal, expected 'null'");
    BOOST_TEST(error_of("False") == "byte 0: expected a value");
}

BOOST_AUTO_TEST_CASE(malformed_numbers) {
    BOOST_TEST(error_of("-") == "byte 1: expected a value");
    BOOST_TEST(error_of("+1") == "byte 0: expected a value");
    BOOST_TEST(error_of("01") == "byte 1: unexpected text after the JSON value");
    BOOST_TEST(error_of("1.") == "byte 2: expected a digit after the decimal point");
    BOOST_TEST(error_of(".5") == "byte 0: expected a value");
    BOOST_TEST(error_of("1e") == "byte 2: expected a digit in the exponent");
    BOOST_TEST(error_of("1e+") == "byte 3: expected a digit in the exponent");
    BOOST_TEST(error_of("NaN") == "byte 0: expected a value");
}

BOOST_AUTO_TEST_CASE(malformed_strings) {
    BOOST_TEST(error_of("\"abc") == "byte 4: unterminated string");
    BOOST_TEST(error_of("\"abc\\") == "byte 5: unterminated string");
    BOOST_TEST(error_of("\"a\nb\"") ==
               "byte 2: control character in a string (it must be escaped)");
    BOOST_TEST(error_of(R"("\x")") == "byte 2: invalid escape in a string");
    BOOST_TEST(error_of(R"("\u12")") == "byte 3: incomplete \\u escape");
    BOOST_TEST(error_of(R"("\u12g4")") == "byte 5: invalid \\u escape");
    BOOST_TEST(error_of(R"("\ude00")") ==
               "byte 7: \\u escape of a low surrogate without a high one");
    BOOST_TEST(error_of(R"("\ud83d")") ==
               "byte 7: \\u escape of a high surrogate without a low one");
    BOOST_TEST(error_of(R"("\ud83d\u0041")") ==
               "byte 13: \\u escape of a high surrogate without a low one");
    BOOST_TEST(error_of("\"\xff\"") == "byte 1: invalid UTF-8 in a string");
    BOOST_TEST(error_of("\"\xc3\"") == "byte 1: invalid UTF-8 in a string");         // truncated
    BOOST_TEST(error_of("\"\xc0\xaf\"") == "byte 1: invalid UTF-8 in a string");     // overlong
    BOOST_TEST(error_of("\"\xed\xa0\x80\"") == "byte 1: invalid UTF-8 in a string"); // surrogate
    BOOST_TEST(error_of("\"\xf4\x90\x80\x80\"") ==
               "byte 1: invalid UTF-8 in a string"); // > U+10FFFF
}
