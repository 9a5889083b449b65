"""Reads the little-endian microsecond pcap files that the test tools start
from (samples/*.pcap): link type, snapshot length and records. Shared by
malformed-pcap.py and reader-variants.py, which both rebuild damaged or
varied copies from a good capture."""
import struct
import sys


def read_pcap(path, tool):
    """(linktype, snaplen, [(sec, usec, wirelen, bytes)...]); exits with a
    message naming `tool` when the file is not the expected kind."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("%s: %s: expected a little-endian microsecond pcap" % (tool, path))
    snaplen, linktype = struct.unpack("<II", data[16:24])
    records, pos = [], 24
    while pos + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[pos:pos + 16])
        records.append((sec, usec, wirelen, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return linktype, snaplen, records
