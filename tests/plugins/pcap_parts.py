#!/usr/bin/python3
"""Writes a classic pcap file to stdout in PARTS pieces, waiting between
them, so a test can change the world (stop a server, start it again) while
pop3scope is in the middle of reading the capture (`-r -`).

usage: pcap_parts.py GATE_DIR PARTS FILE.pcap

The records are split into PARTS runs of about equal count. After part k
(k < PARTS) is written and flushed, GATE_DIR/sent-k is created and the
writer waits until the test creates GATE_DIR/go-k (at most 120 s).
"""
import os
import struct
import sys
import time


def records(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        sys.exit("pcap_parts.py: not a classic pcap file")
    at, out = 24, []
    while at + 16 <= len(data):
        incl_len = struct.unpack(order + "I", data[at + 8:at + 12])[0]
        out.append(data[at:at + 16 + incl_len])
        at += 16 + incl_len
    return data[:24], out


def wait_for(path):
    deadline = time.monotonic() + 120
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"pcap_parts.py: nobody created {path}")
        time.sleep(0.02)


def main():
    gate, parts, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "rb") as f:
        header, recs = records(f.read())
    out = sys.stdout.buffer
    out.write(header)
    for k in range(1, parts + 1):
        for rec in recs[(k - 1) * len(recs) // parts:k * len(recs) // parts]:
            out.write(rec)
        out.flush()
        if k < parts:
            open(os.path.join(gate, f"sent-{k}"), "w").close()
            wait_for(os.path.join(gate, f"go-{k}"))
    out.close()


if __name__ == "__main__":
    main()
