#!/usr/bin/env python3
"""Damaged copies of capture files, for tests/cli/reader.sh's differential run.

    reader-mutants.py SEED COUNT OUTDIR FILE...

Writes COUNT files (mutant-N.pcap), each a copy of one FILE with one to six
changes: a byte changed (often in the file header), the file cut short,
a 32-bit field set to a value readers care about (0, all ones, the top
bit, 262144 and one more, the nanosecond and microsecond limits) in
either byte order, or bytes inserted. The same SEED gives the same files.
Both capture readers must then agree on every frame and message."""
import os
import random
import sys

VALUES = [0, 1, 0xFFFFFFFF, 0x80000000, 262144, 262145, 65535, 65536, 999999999, 1000000]


def mutate(rng, b):
    for _ in range(rng.randint(1, 6)):
        if not b:
            break
        k = rng.random()
        if k < 0.4:
            pos = rng.randrange(min(len(b), 24)) if rng.random() < 0.3 else rng.randrange(len(b))
            b[pos] = rng.randrange(256)
        elif k < 0.6:
            del b[rng.randrange(len(b)):]
        elif k < 0.8:
            pos = rng.randrange(max(1, len(b) - 4))
            b[pos:pos + 4] = rng.choice(VALUES).to_bytes(4, rng.choice(["little", "big"]))
        else:
            pos = rng.randrange(len(b))
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
    return b


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: reader-mutants.py SEED COUNT OUTDIR FILE...")
    rng = random.Random(int(sys.argv[1]))
    count, out = int(sys.argv[2]), sys.argv[3]
    seeds = []
    for path in sorted(sys.argv[4:]):
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < 1 << 20:
            seeds.append(data)
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        with open(os.path.join(out, "mutant-%d.pcap" % i), "wb") as f:
            f.write(mutate(rng, bytearray(rng.choice(seeds))))


if __name__ == "__main__":
    main()
