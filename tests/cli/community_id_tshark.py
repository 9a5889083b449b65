#!/usr/bin/env python3
"""Cross-check (TAP): on every sample and peer capture, each community_id
pop3scope prints must be the one Wireshark's own Community ID post-dissector
(tshark --enable-protocol communityid, Wireshark 4.0) computes for the same
connection, so records join Zeek's, Suricata's and Arkime's. The spec's
published vectors are checked in tests/unit/test_community_id.c; this checks
the wiring (which addresses and ports of which flow are hashed) on real
captures. Needs tshark (Debian package tshark); skipped without it."""
import json
import os
import shutil
import subprocess
import sys

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(os.environ.get("BUILDDIR", SRCDIR), "src", "pop3scope"))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
from captures import capture_list  # noqa: E402  tests/lib/captures.py
from tap_checks import check, report  # noqa: E402  tests/lib/tap_checks.py


def last(field):
    """Tunnelled frames list every layer's address; the TCP one is the innermost."""
    return field.split(",")[-1] if field else ""


def tshark_ids(pcap):
    """{(src ip, src port, dst ip, dst port): community id} for every TCP frame, both directions."""
    out = subprocess.run(["tshark", "-n", "--enable-protocol", "communityid", "-r", pcap, "-Y", "tcp", "-T", "fields",
                          "-e", "communityid", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst",
                          "-e", "ipv6.dst", "-e", "tcp.dstport"],
                         capture_output=True, text=True, check=True).stdout
    ids = {}
    for line in out.splitlines():
        cid, s4, s6, sport, d4, d6, dport = (line.split("\t") + [""] * 7)[:7]
        if cid:
            key = (last(s4) or last(s6), int(last(sport)), last(d4) or last(d6), int(last(dport)))
            ids[key] = last(cid)
    return ids


def ours(pcap):
    """{(client ip, client port, server ip, server port): community id} from pop3scope's events."""
    out = subprocess.run([POP3SCOPE, "--json", pcap], capture_output=True, text=True).stdout
    ids = {}
    for line in out.splitlines():
        ev = json.loads(line)
        if ev.get("src_ip") is not None:
            ids[(ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])] = ev.get("community_id")
    return ids


def main():
    if shutil.which("tshark") is None:
        print("1..0 # SKIP tshark not found (Debian package tshark)")
        return 0
    checked = 0
    for pcap in capture_list(SRCDIR, "samples", "peer"):
        mine = ours(pcap)
        if not mine:
            continue
        theirs = tshark_ids(pcap)
        bad = {k: (v, theirs.get(k)) for k, v in mine.items() if v is None or theirs.get(k) != v}
        checked += len(mine)
        check(f"{os.path.basename(pcap)}: {len(mine)} flows, community_id as tshark computes it", lambda: not bad,
              lambda: "\n".join(f"{k}: ours {v[0]}, tshark {v[1]}" for k, v in bad.items()))
    # A wiring that printed nothing would pass every line above.
    check(f"{checked} flows compared in all", lambda: checked >= 20)
    return 1 if report() else 0


if __name__ == "__main__":
    sys.exit(main())
