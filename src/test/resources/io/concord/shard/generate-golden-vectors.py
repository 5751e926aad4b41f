#!/usr/bin/env python3
"""Writes golden-vectors.json: fixed shard keys -> canonical bytes -> XXH3-64 -> slot -> shard.

Independent of Concord's Java code on purpose: the canonical bytes are built here from the rules in
docs/shard.md, the hash comes from the reference xxHash C library (libxxhash 0.8, via ctypes), and
the owner of each slot is read from the committed golden-topology.json. GoldenVectorsTest checks
that Concord reproduces every line. Run from this directory: python3 generate-golden-vectors.py
"""
import ctypes
import json
import struct
import uuid

lib = ctypes.CDLL("libxxhash.so.0")
xxh3 = lib.XXH3_64bits_withSeed
xxh3.restype = ctypes.c_uint64
xxh3.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]

SEED = {"integer": 1, "string": 2, "uuid": 3, "bytes": 4, "composite": 5}
CODE = {"integer": 1, "string": 2, "uuid": 3, "bytes": 4}


def canonical(key):
    kind, value = key["type"], key["value"]
    if kind == "integer":
        return struct.pack("<q", int(value))
    if kind == "string":
        return value.encode("utf-16-le", "surrogatepass")
    if kind == "uuid":
        return uuid.UUID(value).bytes
    if kind == "bytes":
        return bytes.fromhex(value)
    if kind == "composite":
        out = b""
        for part in value:
            b = canonical(part)
            out += bytes([CODE[part["type"]]]) + struct.pack("<i", len(b)) + b
        return out
    raise ValueError(kind)


def I(v):
    return {"type": "integer", "value": str(v)}


def S(v):
    return {"type": "string", "value": v}


def U(v):
    return {"type": "uuid", "value": v}


def B(v):
    return {"type": "bytes", "value": v}


KEYS = [
    I(0), I(1), I(-1), I(42), I(1000), I(123456789012), I(2**63 - 1), I(-(2**63)),
    S(""), S("a"), S("abc"), S("user-42"), S("customer:000123"), S("héllo wörld"),
    S("日本語のキー"), S("\U0001F600 emoji"), S("x" * 30), S("long-key-" * 11), S("k" * 300),
    U("00000000-0000-0000-0000-000000000000"), U("123e4567-e89b-12d3-a456-426614174000"),
    U("ffffffff-ffff-ffff-ffff-ffffffffffff"), U("0190a7c2-5a3e-7b4d-8c1f-2e3d4c5b6a79"),
    B(""), B("01"), B("00112233445566778899aabbccddeeff"), B("ab" * 300),
    {"type": "composite", "value": [I(42), S("eu")]},
    {"type": "composite", "value": [S("tenant-7"), U("123e4567-e89b-12d3-a456-426614174000")]},
    {"type": "composite", "value": [I(1), I(2), I(3)]},
    {"type": "composite", "value": [B("cafe"), I(-5)]},
]
# enough integers and strings that every shard of the golden topology is hit
KEYS += [I(n) for n in range(100, 140)] + [S("order-%d" % n) for n in range(40)]

with open("golden-topology.json") as f:
    topology = json.load(f)
slot_count = topology["slotCount"]
bits = slot_count.bit_length() - 1
owner = {}
for shard in topology["shards"]:
    for part in shard["slots"].split(","):
        lo, _, hi = part.partition("-")
        for s in range(int(lo), int(hi or lo) + 1):
            owner[s] = shard["name"]

vectors = []
for key in KEYS:
    data = canonical(key)
    h = xxh3(data, len(data), SEED[key["type"]])
    slot = h >> (64 - bits)
    vectors.append({"key": key, "canonical": data.hex(), "hash": "%016x" % h,
                    "slot": slot, "shard": owner[slot]})

with open("golden-vectors.json", "w") as f:
    json.dump({"topology": "golden-topology.json", "topologyVersion": topology["version"],
               "slotCount": slot_count, "vectors": vectors}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("wrote", len(vectors), "vectors")
