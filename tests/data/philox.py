#!/usr/bin/python3
"""Philox4x32-10 and typenet's dropout masks in pure Python (no numpy, no torch).

The same generator as include/typenet/random/philox.hpp (Salmon et al., "Parallel random numbers:
as easy as 1, 2, 3", SC'11) and the same key mapping as include/typenet/ops/dropout.hpp, so a
PyTorch parity script can apply exactly the masks typenet draws:

    import philox                     # from tests/data/
    keep = philox.dropout_mask(seed, step, layer, sample, x.numel(), 1, 2)   # p = 1/2
    mask = torch.tensor(keep, dtype=torch.bool).reshape(x.shape)
    y = torch.where(mask, x * philox.dropout_scale(1, 2), torch.zeros_like(x))

Run as a script it checks Random123's known answers and writes tests/data/dropout_mask_reference.hpp
(tests/ops/dropout_test.cpp: masks_match_python):

    /usr/bin/python3 tests/data/philox.py
"""

import os
import shutil
import subprocess

MASK32 = 0xFFFFFFFF
# The round multipliers and the key schedule's Weyl increments, from the paper.
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85


def write_formatted(path, lines):
    """Writes a generated C++ header (its lines) and clang-formats it when clang-format is
    installed, so that regenerating it gives the committed bytes."""
    with open(path, "w") as f:
        f.write("\n".join(lines))
    formatter = shutil.which("clang-format-14") or shutil.which("clang-format")
    if formatter:
        subprocess.run([formatter, "-i", path], check=True)


def philox4x32(counter, key, rounds=10):
    """Four 32-bit words from a 4-word counter and a 2-word key."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for r in range(rounds):
        if r > 0:
            k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK32, (p0 >> 32) ^ c3 ^ k1, p0 & MASK32
    return (c0, c1, c2, c3)


def probability_threshold(num, den):
    """floor(num * 2^32 / den): bits < threshold has probability threshold / 2^32."""
    assert 0 <= num < den
    return (num << 32) // den


def dropout_philox_key(seed):
    """The Philox key of a dropout key: the 64-bit seed, low word first."""
    return (seed & MASK32, (seed >> 32) & MASK32)


def dropout_counter(step, layer, sample, group):
    """The Philox counter of elements 4*group .. 4*group+3:
    (group, sample, step mod 2^32, layer * 2^16 + (step >> 32) mod 2^16)."""
    return (group & MASK32, sample & MASK32, step & MASK32,
            ((layer << 16) & MASK32) | ((step >> 32) & 0xFFFF))


def dropout_bits(seed, step, layer, sample, element):
    """The 32 random bits of one element: word element % 4 of group element // 4."""
    words = philox4x32(dropout_counter(step, layer, sample, element // 4), dropout_philox_key(seed))
    return words[element % 4]


def dropout_mask(seed, step, layer, sample, size, num, den):
    """Which of the `size` elements (flat index) dropout<std::ratio<num, den>> keeps."""
    if num == 0:
        return [True] * size
    t = probability_threshold(num, den)
    key = dropout_philox_key(seed)
    keep = []
    for group in range((size + 3) // 4):
        words = philox4x32(dropout_counter(step, layer, sample, group), key)
        keep += [w >= t for w in words]
    return keep[:size]


def dropout_scale(num, den):
    """1 / (1 - num/den) = den / (den - num), the factor on kept elements."""
    return den / (den - num)


# Random123's tests/kat_vectors, philox4x32 lines: (rounds, counter, key, expected).
KNOWN_ANSWERS = [
    (7, (0, 0, 0, 0), (0, 0), (0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48)),
    (7, (MASK32,) * 4, (MASK32,) * 2, (0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662)),
    (7, (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a)),
    (10, (0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    (10, (MASK32,) * 4, (MASK32,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    (10, (0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
]

# (name, seed, step, layer, sample, num, den, size): every field at zero; ordinary values with a
# size not a multiple of four; every field at the top of its range (step above 2^32, whose high
# bits share counter word 3 with the layer); p = 1/3 and 3/8.
MASK_CASES = [
    ("zero_key", 0, 0, 0, 0, 1, 2, 64),
    ("ordinary", 0x0123456789ABCDEF, 12345, 3, 17, 1, 10, 61),
    ("large_fields", 2**64 - 1, 2**40 + 5, 2**16 - 1, 2**32 - 1, 9, 10, 103),
    ("third", 42, 1, 1, 1, 1, 3, 50),
    ("three_eighths", 2024, 7, 2, 255, 3, 8, 37),
]

# Raw Philox4x32-10 words at counters and keys no known answer covers.
WORD_CASES = [
    ((1, 2, 3, 4), (5, 6)),
    ((0x89ABCDEF, 0x01234567, 0xFEDCBA98, 0x76543210), (0xDEADBEEF, 0xCAFEF00D)),
    ((0xFFFFFFFF, 0, 0xFFFFFFFF, 0), (0, 0xFFFFFFFF)),
]


def check_known_answers():
    for rounds, counter, key, expected in KNOWN_ANSWERS:
        got = philox4x32(counter, key, rounds)
        assert got == expected, (rounds, counter, key, [hex(w) for w in got])


def hex32(w):
    return f"0x{w:08x}u"


def write_header(path):
    out = [
        "#pragma once",
        "// Generated by tests/data/philox.py (typenet's dropout masks and Philox4x32-10 words in",
        "// pure Python). Do not edit: rerun /usr/bin/python3 tests/data/philox.py",
        "",
        "#include <cstddef>",
        "#include <cstdint>",
        "",
        "namespace typenet::test::ref::dropout {",
        "",
        "/// The mask of dropout<std::ratio<num, den>, shape<size>> under key (seed, step, layer,",
        "/// sample): keep[e] is '1' where element e is kept, '0' where it is dropped.",
        "struct mask_case {",
        "    const char* name;",
        "    std::uint64_t seed, step;",
        "    std::uint32_t layer;",
        "    std::uint64_t sample;",
        "    std::intmax_t num, den;",
        "    std::size_t size;",
        "    const char* keep;",
        "};",
        "",
        "inline constexpr mask_case mask_cases[] = {",
    ]
    for name, seed, step, layer, sample, num, den, size in MASK_CASES:
        keep = "".join("1" if k else "0" for k in dropout_mask(seed, step, layer, sample, size,
                                                                 num, den))
        chunks = [keep[i:i + 64] for i in range(0, len(keep), 64)]
        out.append(f'    {{"{name}", 0x{seed:x}u, {step}u, {layer}u, {sample}u, {num}, {den}, '
                   f'{size},')
        out += [f'     "{c}"' for c in chunks[:-1]]
        out.append(f'     "{chunks[-1]}"}},')
    out += [
        "};",
        "",
        "/// philox4x32(counter, key) = words.",
        "struct word_case {",
        "    std::uint32_t counter[4], key[2], words[4];",
        "};",
        "",
        "inline constexpr word_case word_cases[] = {",
    ]
    for counter, key in WORD_CASES:
        words = philox4x32(counter, key)
        out.append("    {{" + ", ".join(map(hex32, counter)) + "}, {" + ", ".join(map(hex32, key))
                   + "}, {" + ", ".join(map(hex32, words)) + "}},")
    out += ["};", "", "} // namespace typenet::test::ref::dropout", ""]
    write_formatted(path, out)


if __name__ == "__main__":
    check_known_answers()
    write_header(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "dropout_mask_reference.hpp"))
