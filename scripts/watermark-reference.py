#!/usr/bin/env python3
"""Independent reference of edgelock's watermark trigger algorithm (docs/watermark.md), written
from the specification with Python's hashlib/hmac only. It prints the golden values that
test/watermark/scheme.test.ts holds the TypeScript implementation to, and is the model for the
firmware's C port.

usage: scripts/watermark-reference.py <owner-id> <key-hex-64> <classes> <triggers> <base-count> <positions> <sample-size>
"""
import hashlib
import hmac
import struct
import sys

PREFIX = b"edgelock-wm1/"


class Stream:
    def __init__(self, seed, tag):
        self.seed, self.tag, self.counter, self.buf = seed, PREFIX + tag.encode("ascii"), 0, b""

    def u32(self):
        if len(self.buf) < 4:
            self.buf = hashlib.sha256(self.seed + self.tag + struct.pack(">I", self.counter)).digest()
            self.counter += 1
        w, self.buf = struct.unpack(">I", self.buf[:4])[0], self.buf[4:]
        return w

    def uniform(self, n):
        limit = 2**32 - (2**32 % n)
        while True:
            w = self.u32()
            if w < limit:
                return w % n


def distinct(stream, k, n):
    seen, out = set(), []
    while len(out) < k:
        v = stream.uniform(n)
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def derangement(stream, c):
    while True:
        perm = list(range(c))
        for i in range(c - 1, 0, -1):
            j = stream.uniform(i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        if all(p != i for i, p in enumerate(perm)):
            return perm


def plan(sig, classes, triggers, base_count, positions, sample_size):
    perm = derangement(Stream(sig, "labels"), classes)
    bases = distinct(Stream(sig, "bases"), triggers, base_count)
    pos = distinct(Stream(sig, "positions"), positions, sample_size)
    s = Stream(sig, "signs")
    signs = [1 if s.uniform(2) == 1 else -1 for _ in pos]
    return perm, bases, pos, signs


if __name__ == "__main__":
    owner, key_hex, c, n, count, p, size = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])
    sig = hmac.new(bytes.fromhex(key_hex), owner.encode("utf-8"), hashlib.sha256).digest()
    perm, bases, pos, signs = plan(sig, c, n, count, p, size)
    print("signature", sig.hex())
    print("commitment(model id 'lenet')", hashlib.sha256(sig + b"lenet").hexdigest())
    print("perm", perm)
    print("bases", bases)
    print("positions", pos)
    print("signs", signs)
