#!/usr/bin/env python3
"""Capture files for tests/cli/reader.sh, made on the fly from one good capture.

    reader-variants.py GOOD.pcap OUTDIR

GOOD.pcap is a little-endian microsecond classic pcap on Ethernet
(samples/userpass.pcap). Each output holds the same records written
another way, or a header or record that a reader must treat exactly as
libpcap 1.10 does:

  magic-{usec,nsec}-{le,be}.pcap   the four classic magics; nanosecond
                                   files carry sub-microsecond digits
  ts-edge-{usec,nsec}-{le,be}.pcap seconds and fractions with the top bit
                                   set, all ones, and out of range
  link-{raw,null,loop,ipv4,ipv6,sll,sll2}-{le,be}.pcap
                                   the same frames on other link layers
  link-fcs.pcap                    Ethernet with FCS bits in the link type
  link-unknown.pcap                a link type pop3scope does not decode
  snaplen-{0,huge,allones,100}.pcap  snapshot lengths libpcap adjusts, and
                                   one that cuts records
  snap-SNAPLEN-CAPLEN.pcap         one record against snapshot lengths
                                   around the maximum (262144): cut,
                                   accepted, or refused, in which words
  over-snaplen-{whole,cut-snap,cut-rest}.pcap
                                   a record over the snapshot length,
                                   whole, and the file ending in its first
                                   snaplen bytes or in the rest
  version-{2.2,2.3,543.0,1.0,2.5}.pcap  versions libpcap reads otherwise
                                   or refuses
  magic-{kuznetzov,navtel}.pcap    other magics
  big-records.pcap                 random records up to 262144 bytes,
                                   crossing the reader's block ends
  caplen-262145.pcap               one byte over the largest record
  short-{0,3,4,23}.pcap            files shorter than a header"""
import os
import random
import struct
import sys

import pcap_records  # tests/lib/tools/, on sys.path as the running script's directory

MICRO_MAGIC = 0xA1B2C3D4
NANO_MAGIC = 0xA1B23C4D


def read_pcap(path):
    return pcap_records.read_pcap(path, "reader-variants")


def header(order, magic=MICRO_MAGIC, major=2, minor=4, snaplen=65535, linktype=1):
    return struct.pack(order + "IHHiIII", magic, major, minor, 0, 0, snaplen, linktype)


def record(order, sec, frac, data, wirelen=None, caplen=None):
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    return struct.pack(order + "IIII", sec, frac, caplen, wirelen) + data


def write(out, name, blob):
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)


ORDERS = {"le": "<", "be": ">"}


def case_magics(records, out):
    for order_name, order in ORDERS.items():
        blob = header(order)
        for sec, usec, wirelen, data in records:
            blob += record(order, sec, usec, data, wirelen)
        write(out, "magic-usec-%s.pcap" % order_name, blob)
        blob = header(order, NANO_MAGIC)
        for i, (sec, usec, wirelen, data) in enumerate(records):
            blob += record(order, sec, usec * 1000 + (i * 137) % 1000, data, wirelen)
        write(out, "magic-nsec-%s.pcap" % order_name, blob)


def case_ts_edges(records, out):
    data, wirelen = records[0][3], records[0][2]
    secs = [0, 1, 0x7FFFFFFF, 0x80000000, 0xF0000000, 0xFFFFFFFF]
    fracs = [0, 999, 999999, 1000000, 999999999, 1000000000, 0x7FFFFFFF, 0x80000000, 0xFFFFF000, 0xFFFFFFFF]
    for order_name, order in ORDERS.items():
        for unit, magic in (("usec", MICRO_MAGIC), ("nsec", NANO_MAGIC)):
            blob = header(order, magic)
            for sec in secs:
                for frac in fracs:
                    blob += record(order, sec, frac, data, wirelen)
            write(out, "ts-edge-%s-%s.pcap" % (unit, order_name), blob)


def relink(frame, link):
    """The Ethernet frame's IP packet under another link-layer header."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    v6 = ethertype == 0x86DD
    if link in ("raw", "ipv4", "ipv6"):
        return ip
    if link in ("null", "loop"):
        family = 10 if v6 else 2
        # NULL: the writer's byte order (here little-endian); LOOP: network order.
        return struct.pack("<I" if link == "null" else "!I", family) + ip
    if link == "sll":
        return struct.pack("!HHH8sH", 0, 1, 6, frame[6:12] + b"\0\0", ethertype) + ip
    if link == "sll2":
        return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6, frame[6:12] + b"\0\0") + ip
    raise ValueError(link)


LINKS = {"raw": 101, "null": 0, "loop": 108, "ipv4": 228, "ipv6": 229, "sll": 113, "sll2": 276}


def case_links(records, out):
    for link, linktype in LINKS.items():
        for order_name, order in ORDERS.items():
            blob = header(order, linktype=linktype)
            for sec, usec, wirelen, data in records:
                frame = relink(data, link)
                blob += record(order, sec, usec, frame, wirelen - len(data) + len(frame))
            write(out, "link-%s-%s.pcap" % (link, order_name), blob)
    fcs = 0x04000000 | (4 << 28) | 1
    blob = header("<", linktype=fcs) + b"".join(record("<", s, u, d, w) for s, u, w, d in records)
    write(out, "link-fcs.pcap", blob)
    blob = header("<", linktype=147) + b"".join(record("<", s, u, d, w) for s, u, w, d in records)
    write(out, "link-unknown.pcap", blob)


def case_snaplen(records, out):
    body = b"".join(record("<", s, u, d, w) for s, u, w, d in records)
    for name, snaplen in (("0", 0), ("huge", 262145), ("allones", 0xFFFFFFFF), ("100", 100)):
        write(out, "snaplen-%s.pcap" % name, header("<", snaplen=snaplen) + body)
    sec, usec = records[-1][:2]
    big = bytes(random.Random(7).getrandbits(8) for _ in range(5000))
    over = record("<", sec, usec, big)
    write(out, "over-snaplen-whole.pcap", header("<", snaplen=1000) + body + over + body)
    write(out, "over-snaplen-cut-snap.pcap", header("<", snaplen=1000) + body + over[:16 + 700])
    write(out, "over-snaplen-cut-rest.pcap", header("<", snaplen=1000) + body + over[:16 + 3000])
    for snaplen in (0, 1, 100, 262144, 262145, 300000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF):
        for caplen in (50, 200, 262144, 262145, 270000):
            blob = header("<", snaplen=snaplen) + record("<", 1, 2, bytes(caplen)) + body
            write(out, "snap-%d-%d.pcap" % (snaplen, caplen), blob)


def case_versions(records, out):
    body = b"".join(record("<", s, u, d, w) for s, u, w, d in records)
    for major, minor in ((2, 2), (2, 3), (543, 0), (1, 0), (2, 5)):
        write(out, "version-%d.%d.pcap" % (major, minor), header("<", major=major, minor=minor) + body)
    write(out, "magic-kuznetzov.pcap", header("<", magic=0xA1B2CD34) + body)
    write(out, "magic-navtel.pcap", header("<", magic=0xA12B3C4D) + body)


def case_big(out):
    rng = random.Random(6)
    blob = header("<", snaplen=262144)
    sizes = [262144, 1, 0, 262143, 65535, 262144, 262144, 262144, 262144, 262144]
    sizes += [rng.choice([rng.randrange(0, 1600), rng.randrange(0, 262145)]) for _ in range(300)]
    for i, size in enumerate(sizes):
        blob += record("<", 1700000000 + i, i, rng.randbytes(size), size + i % 3)
    write(out, "big-records.pcap", blob)
    write(out, "caplen-262145.pcap", header("<", snaplen=262144) + record("<", 1, 2, b"\0" * 262145))


def case_short(out):
    whole = header("<")
    for n in (0, 3, 4, 23):
        write(out, "short-%d.pcap" % n, whole[:n])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: reader-variants.py GOOD.pcap OUTDIR")
    linktype, _, records = read_pcap(sys.argv[1])
    if linktype != 1:
        sys.exit("reader-variants: %s: expected Ethernet" % sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    case_magics(records, out)
    case_ts_edges(records, out)
    case_links(records, out)
    case_snaplen(records, out)
    case_versions(records, out)
    case_big(out)
    case_short(out)


if __name__ == "__main__":
    main()
