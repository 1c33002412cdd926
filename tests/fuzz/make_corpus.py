#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/CMakeLists.txt) under
tests/fuzz/corpus/<target>/: a few small valid files and a few that are nearly valid, so that
fuzzing starts from the readers' interesting paths. Deterministic (gzip mtime 0); rerun after
changing it and commit the result. Usage: python3 tests/fuzz/make_corpus.py"""

import gzip
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    d = root / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


# json: headers as typenet and PyTorch write them, and the grammar's corners.
json_seeds = {
    "header.json": '{"__metadata__":{"format":"pt","typenet.signature":"1x5x5 conv<2,2,filters<1>>'
                   ' relu maxpool<2> softmax_ce"},"0.weight":{"dtype":"F32","shape":[1,1,2,2],'
                   '"data_offsets":[0,16]},"0.bias":{"dtype":"F32","shape":[1],'
                   '"data_offsets":[16,20]}}',
    "values.json": '[true, false, null, 0, -0.5e-7, 1E+2, 18446744073709551615, '
                   '18446744073709551616, "", {}, []]',
    "strings.json": '["a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "\\u0041\\u00e9\\u20AC\\ud83d\\ude00", '
                    '"\u00e9\u20ac\U0001F600"]',
    "repeated.json": '{"a": 1, "b": {"x": [1, {"a": 2, "a": 3}]}, "a": 4, "c": null, "b": 5}',
    "nested.json": "[" * 64 + "]" * 64,
    "too_deep.json": "[" * 65 + "]" * 65,
    "truncated.json": '{"a": [1, 2, {"b": "c',
    "bad_escape.json": '["\\ud83d\\u0041", "\\x"]',
    "trailing_comma.json": '{"a": 1,}',
}
for name, text in json_seeds.items():
    write("json", name, text.encode("utf-8"))


# safetensors: files for dsl/seed_net.hpp (0.weight [1, 1, 2, 2], 0.bias [1]).
SIGNATURE = "1x5x5 conv<2,2,filters<1>> relu maxpool<2> softmax_ce"


def safetensors(tensors, metadata, dtype="F32", pad=True):
    """tensors: (name, shape, values); returns the file's bytes."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    fmt = "<f" if dtype == "F32" else "<d"
    for name, shape, values in tensors:
        begin = len(data)
        data += b"".join(struct.pack(fmt, v) for v in values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, len(data)]}
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


seed_tensors = [("0.weight", [1, 1, 2, 2], [0.25, -0.5, 0.75, 1.0]), ("0.bias", [1], [0.125])]
typenet_meta = {"format": "pt", "typenet.signature": SIGNATURE, "typenet.format_version": "1"}
valid = safetensors(seed_tensors, typenet_meta)
write("safetensors", "typenet_f32.safetensors", valid)
write("safetensors", "torch_f64.safetensors", safetensors(seed_tensors, {"format": "pt"}, "F64"))
write("safetensors", "no_metadata.safetensors", safetensors(seed_tensors, None, pad=False))
write("safetensors", "truncated.safetensors", valid[:-3])
write("safetensors", "huge_length.safetensors", struct.pack("<Q", 1 << 60) + valid[8:40])
write("safetensors", "other_net.safetensors",
      safetensors(seed_tensors, {"typenet.signature": "1x5x5 dense<4> softmax_ce"}))
write("safetensors", "wrong_shape.safetensors",
      safetensors([("0.weight", [2, 2], [1, 2, 3, 4]), ("0.bias", [1], [0])], None))


# idx: [n: 2 bytes LE][limit: 1 byte][images file: n bytes][labels file] (idx_fuzz.cpp).
def be32(*values):
    return b"".join(struct.pack(">I", v) for v in values)


def images(count, rows, cols, magic=0x803):
    return be32(magic, count, rows, cols) + bytes((i * 37 + 11) % 256 for i in range(count * rows * cols))


def labels(values, magic=0x801):
    return be32(magic, len(values)) + bytes(values)


def idx_input(image_file, label_file, limit=0):
    return struct.pack("<HB", len(image_file), limit) + image_file + label_file


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


idx_seeds = {
    "three": (images(3, 2, 3), labels([2, 0, 1]), 0),
    "limit_one": (images(3, 2, 3), labels([2, 0, 1]), 1),
    "wrong_extents": (images(2, 3, 2), labels([1, 1]), 0),
    "short_payload": (images(3, 2, 3)[:-1], labels([2, 0, 1]), 0),
    "trailing": (images(1, 2, 3) + b"\0", labels([9, 9]), 0),
    "label_range": (images(2, 2, 3), labels([3, 10]), 0),
    "swapped": (labels([1, 2]), images(2, 2, 3), 0),
    "huge_count": (be32(0x803, 0xFFFFFFFF, 2, 3), labels([]), 0),
}
for name, (im, lb, limit) in idx_seeds.items():
    write("idx_raw", name, idx_input(im, lb, limit))
    write("idx_gzip", name, idx_input(gz(im), gz(lb), limit))
