#!/usr/bin/python3
"""Checksum variants of a real capture, for tests/hostile/checksum.sh.

    checksum-rewrite.py IN.pcap WIRE.pcap ATTACK.pcap EVE.pcap

IN.pcap is a capture taken on lo, where Linux never fills TCP checksums in
(the segments carry the pseudo-header sum the NIC would finish: checksum
offload). WIRE.pcap is the same capture with every IPv4 and TCP checksum
made right, as a tap on a real wire would see it. ATTACK.pcap is WIRE.pcap
with two forged client segments just before the client's `USER bob`, both
in the server's window and both with a wrong TCP checksum: an RST at that
sequence number, then `USER eve` (same length, same sequence number) as a
first copy of the real command. A real receiver drops both (see
tests/hostile/checksum_kernel.sh); pop3scope must too. EVE.pcap has the forged
`USER eve` alone (no RST), to show what it would do if it got through.
"""
import sys

from scapy.all import IP, TCP, Raw, rdpcap, wrpcap  # noqa: E402


def fixed(p):
    p = p.copy()
    del p[IP].chksum
    del p[TCP].chksum
    return p.__class__(bytes(p))


def wrong(p):
    """p with a wrong TCP checksum (the right one, bits flipped)."""
    right = fixed(p)
    right[TCP].chksum ^= 0x0F0F
    return right


def main():
    src, wire_path, attack_path, eve_path = sys.argv[1:5]
    wire = []
    for p in rdpcap(src):
        q = fixed(p) if p.haslayer(TCP) else p
        q.time = p.time
        wire.append(q)
    attack = []
    eve_only = []
    done = False
    for p in wire:
        data = bytes(p[TCP].payload) if p.haslayer(TCP) else b""
        if not done and data.startswith(b"USER bob"):
            rst = p.copy()
            rst[TCP].remove_payload()
            rst[TCP].flags = "RA"
            del rst[IP].len
            eve = p.copy()
            eve[TCP].remove_payload()
            eve = eve / Raw(data.replace(b"USER bob", b"USER eve", 1))
            del eve[IP].len
            for forged in (rst, eve):
                forged = wrong(forged)
                forged.time = p.time
                attack.append(forged)
            eve_only.append(attack[-1])
            done = True
        attack.append(p)
        eve_only.append(p)
    if not done:
        sys.exit("checksum-rewrite: no USER bob in " + src)
    wrpcap(wire_path, wire)
    wrpcap(attack_path, attack)
    wrpcap(eve_path, eve_only)


if __name__ == "__main__":
    main()
