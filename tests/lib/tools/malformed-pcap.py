#!/usr/bin/env python3
"""Malformed capture files for tests/hostile/malformed.sh, made on the fly.

    malformed-pcap.py GOOD.pcap OUTDIR

GOOD.pcap is an ordinary capture of one POP3 login (samples/userpass.pcap,
Ethernet, classic pcap). Each output file damages it one way, and keeps the
good session's records where the damage lets a reader get to them, so the
test can check the analysis of everything else goes on:

  cut-record.pcap        the last record's data stops half-way
  cut-header.pcap        the file ends inside a record header
  bad-magic.pcap         the file header's magic number is wrong
  caplen-snaplen.pcap    a record longer than the file's snaplen (< 256 KiB)
  caplen-huge.pcap       a record claiming 300000 bytes (> 256 KiB)
  zero-length.pcap       records of 0 bytes captured (0 or 60 on the wire)
  ip-lies.pcap           IPv4/IPv6 headers whose lengths lie
  tcp-offset.pcap        TCP data offsets past the packet, or under 5
  seq-jump.pcap          segments 2^31 ahead of the stream, both directions
  rst-flood.pcap         1000 RSTs with random sequence numbers on the
                         good connection, before the login
  pcapng-unknown.pcapng  the good session as pcapng, with unknown,
                         custom and Name Resolution blocks between packets
  pcapng-damaged.pcapng  the same, then a block whose trailer length does
                         not match its header
  pcapng-bad-iface.pcapng  an Enhanced Packet Block naming an interface
                         that was never described
  pcapng-tsoffset.pcapng the good session as pcapng, and before the login
                         one packet on each of three more interfaces whose
                         if_tsoffset puts it at INT64_MAX seconds, in the
                         year 11476, and in 1653
  big/pcapng-idb-bomb.pcapng  2 million interface description blocks
                         (40 MB), then the good session (kept out of the
                         all-files run: it is the one that stops early)

Inserted records are marked by where they go: before record N of the good
capture ("at N") means they are read after good record N-1."""
import os
import random
import struct
import sys

import pcap_records  # tests/lib/tools/, on sys.path as the running script's directory

# Ethernet header of the good capture's frames is taken from its first record.
ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD


def read_pcap(path):
    return pcap_records.read_pcap(path, "malformed-pcap")


def pcap_header(linktype, snaplen, magic=b"\xd4\xc3\xb2\xa1"):
    return magic + struct.pack("<HHiIII", 2, 4, 0, 0, snaplen, linktype)


def pcap_record(sec, usec, data, wirelen=None, caplen=None):
    caplen = len(data) if caplen is None else caplen
    wirelen = len(data) if wirelen is None else wirelen
    return struct.pack("<IIII", sec, usec, caplen, wirelen) + data


def write(path, blob):
    with open(path, "wb") as f:
        f.write(blob)


def checksum(header):
    s = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, payload, ihl=5, total=None, proto=6):
    total = min(20 + len(payload), 0xFFFF) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 7, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", doff=5):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, doff << 4, flags,
                       65535, 0, 0) + payload


class Good:
    """The good capture taken apart: its endpoints and sequence numbers."""

    def __init__(self, path):
        self.linktype, self.snaplen, self.records = read_pcap(path)
        first = self.records[0][3]
        self.eth = first[:12]
        ip = first[14:]
        self.client, self.server = ip[12:16], ip[16:20]
        ihl = (ip[0] & 15) * 4
        self.cport, self.sport = struct.unpack("!HH", ip[ihl:ihl + 4])
        self.client_isn = struct.unpack("!I", ip[ihl + 4:ihl + 8])[0]
        synack = self.records[1][3][14:]
        self.server_isn = struct.unpack("!I", synack[ihl + 4:ihl + 8])[0]

    def frame(self, l3, ethertype=ETH_IPV4):
        return self.eth + struct.pack("!H", ethertype) + l3

    def client_segment(self, seq, flags, payload=b"", doff=5):
        return self.frame(ipv4(self.client, self.server, tcp(self.cport, self.sport, seq, 0, flags, payload, doff)))

    def server_segment(self, seq, flags, payload=b""):
        return self.frame(ipv4(self.server, self.client, tcp(self.sport, self.cport, seq, 0, flags, payload)))

    def pcap(self, inserts=None, snaplen=None, tail=b""):
        """The good capture with extra records: {before_index: [frame or (frame, wirelen, caplen)]}."""
        out = bytearray(pcap_header(self.linktype, self.snaplen if snaplen is None else snaplen))
        inserts = inserts or {}
        for i, (sec, usec, wirelen, data) in enumerate(self.records):
            for extra in inserts.get(i, []):
                out += self._extra(sec, usec, extra)
            out += pcap_record(sec, usec, data, wirelen)
        for extra in inserts.get(len(self.records), []):
            sec, usec = self.records[-1][:2]
            out += self._extra(sec, usec, extra)
        return bytes(out) + tail

    @staticmethod
    def _extra(sec, usec, extra):
        if isinstance(extra, tuple):
            frame, wirelen, caplen = extra
            return pcap_record(sec, usec, frame, wirelen, caplen)
        return pcap_record(sec, usec, extra)


# A second client and server, for damage that belongs to another connection.
OTHER_CLIENT = b"\xc0\x00\x02\x01"
OTHER_SERVER = b"\xc0\x00\x02\x02"

# Index of the good capture's record that carries "USER alice" (the 6th):
# inserts before it land between the greeting and the login.
BEFORE_LOGIN = 5


def case_cuts(g, out):
    whole = g.pcap()
    last = g.records[-1]
    # The last record's header says len(data) bytes, half of them follow.
    cut_at = len(whole) - len(last[3]) // 2
    write(os.path.join(out, "cut-record.pcap"), whole[:cut_at])
    write(os.path.join(out, "cut-header.pcap"), whole + pcap_record(last[0], last[1], b"x" * 60)[:7])
    write(os.path.join(out, "bad-magic.pcap"), b"\x0b\xad\xf0\x0d" + whole[4:])


def case_caplen(g, out):
    other = g.frame(ipv4(OTHER_CLIENT, OTHER_SERVER, tcp(5555, 110, 1, 0, 0x18, b"z" * 99900)))
    # snaplen 65535 in the file header, one record of 100000 bytes.
    write(os.path.join(out, "caplen-snaplen.pcap"), g.pcap({BEFORE_LOGIN: [other]}, snaplen=65535))
    sec, usec = g.records[-1][:2]
    huge = struct.pack("<IIII", sec, usec, 300000, 300000) + b"\0" * 300000
    write(os.path.join(out, "caplen-huge.pcap"), g.pcap(tail=huge))


def case_zero(g, out):
    write(os.path.join(out, "zero-length.pcap"),
          g.pcap({3: [(b"", 0, 0), (b"", 60, 0)], BEFORE_LOGIN: [(b"", 0, 0)]}))


def case_ip_lies(g, out):
    # On a connection of their own: a host drops a datagram longer than what
    # arrived (RFC 1122 §3.2.1.1), but the decoder takes what the wire
    # carried, so on the good connection the lie would be a forged segment.
    c, s = OTHER_CLIENT, OTHER_SERVER
    seg = tcp(5556, 110, 1, 0, 0x18, b"QUIT\r\n")
    lies = [
        g.frame(ipv4(c, s, seg, ihl=4)),  # header shorter than 20 bytes
        g.frame(ipv4(c, s, seg, ihl=15)),  # options run into the TCP header
        g.frame(ipv4(c, s, seg, total=20000)),  # longer than captured and than the wire
        g.frame(ipv4(c, s, seg, total=12)),  # total length under the header
        g.frame(ipv4(c, s, seg, ihl=6, total=22)),  # options past the total length
        # IPv6 whose payload length claims 4000 bytes it does not have
        g.frame(struct.pack("!IHBB16s16s", 0x60000000, 4000, 6, 64, b"\0" * 15 + b"\1", b"\0" * 15 + b"\1") + seg,
                ETH_IPV6),
        g.frame(b"\x45\x00"),  # the IPv4 header itself cut
    ]
    write(os.path.join(out, "ip-lies.pcap"), g.pcap({BEFORE_LOGIN: lies}))


def case_tcp_offset(g, out):
    seq = g.client_isn + 1
    bad = [
        g.client_segment(seq, 0x18, b"QUIT\r\n", doff=15),  # 60-byte header in a 26-byte segment
        g.client_segment(seq, 0x18, b"QUIT\r\n", doff=2),  # header shorter than its fixed part
        g.client_segment(seq, 0x18, b"", doff=6),  # one option word that is not there
    ]
    write(os.path.join(out, "tcp-offset.pcap"), g.pcap({BEFORE_LOGIN: bad}))


def case_seq_jump(g, out):
    jump = 1 << 31
    bad = [
        g.client_segment(g.client_isn + 1 + jump, 0x18, b"QUIT\r\n"),
        g.server_segment(g.server_isn + 80 + jump, 0x18, b"-ERR jumped\r\n"),
        g.client_segment(g.client_isn + 1 - jump, 0x18, b"QUIT\r\n"),
    ]
    write(os.path.join(out, "seq-jump.pcap"), g.pcap({BEFORE_LOGIN: bad}))


def case_rst_flood(g, out):
    rng = random.Random(110)
    flood = []
    for i in range(1000):
        seq = rng.getrandbits(32)
        flood.append(g.client_segment(seq, 0x04) if i % 2 else g.server_segment(seq, 0x04))
    write(os.path.join(out, "rst-flood.pcap"), g.pcap({BEFORE_LOGIN: flood}))


def ng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def ng_epb(iface, sec, usec, data, wirelen):
    ts = sec * 1000000 + usec
    return ng_block(6, struct.pack("<IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), wirelen) + data)


def ng_file(g, extra_before, tail=b"", interfaces=b""):
    out = bytearray(ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out += ng_block(1, struct.pack("<HHI", g.linktype, 0, 262144))
    out += interfaces
    for i, (sec, usec, wirelen, data) in enumerate(g.records):
        out += b"".join(extra_before.get(i, []))
        out += ng_epb(0, sec, usec, data, wirelen)
    return bytes(out) + tail


def case_pcapng(g, out):
    unknown = [
        ng_block(0x00000BAD, b"unknown block type"),
        ng_block(0x00000BAD, b""),
        ng_block(0x40000BAD, struct.pack("<I", 32473) + b"custom block, do not copy"),  # RFC pcapng custom
        ng_block(4, struct.pack("<HH", 1, 8) + b"\x7f\0\0\x01localhst" + struct.pack("<HH", 0, 0)),  # NRB
        ng_block(5, struct.pack("<IIII", 0, 0, 0, 0)),  # an Interface Statistics Block
    ]
    write(os.path.join(out, "pcapng-unknown.pcapng"), ng_file(g, {3: unknown[:2], BEFORE_LOGIN: unknown[2:]}))
    sec, usec = g.records[-1][:2]
    damaged = bytearray(ng_block(0x00000BAD, b"trailer lies"))
    damaged[-4:] = struct.pack("<I", 4096)
    write(os.path.join(out, "pcapng-damaged.pcapng"), ng_file(g, {}, bytes(damaged)))
    write(os.path.join(out, "pcapng-bad-iface.pcapng"), ng_file(g, {}, ng_epb(5, sec, usec, b"\0" * 60, 60)))
    # if_tsoffset (option 14, pcapng §4.2): seconds added to every time.
    offsets = [(1 << 63) - 1, 300000000000, -10000000000]
    idbs = b"".join(ng_block(1, struct.pack("<HHIHHqHH", g.linktype, 0, 262144, 14, 8, off, 0, 0)) for off in offsets)
    frame = g.records[5][3]
    # The first at time 0, so libpcap's time is INT64_MAX itself.
    odd = [ng_epb(1 + i, 0 if i == 0 else sec, usec, frame, len(frame)) for i in range(len(offsets))]
    write(os.path.join(out, "pcapng-tsoffset.pcapng"), ng_file(g, {BEFORE_LOGIN: odd}, interfaces=idbs))
    os.makedirs(os.path.join(out, "big"), exist_ok=True)
    bomb = ng_block(1, struct.pack("<HHI", g.linktype, 0, 262144)) * 2000000
    write(os.path.join(out, "big", "pcapng-idb-bomb.pcapng"), ng_file(g, {}, interfaces=bomb))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    g = Good(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for case in (case_cuts, case_caplen, case_zero, case_ip_lies, case_tcp_offset, case_seq_jump, case_rst_flood,
                 case_pcapng):
        case(g, out)


if __name__ == "__main__":
    main()
