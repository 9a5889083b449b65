#!/usr/bin/python3
"""TAP: connections whose sequence numbers do not follow their payload.

Windows captures (Network Monitor on loopback, converted with editcap) carry
zero or byte-swapped sequence numbers and no ACK. Every sample capture (real
Dovecot, real clients, on loopback) is rewritten that way with scapy: seq
(and ack) set to 0, or byte-swapped, the ACK flag cleared, checksums
recomputed. pop3scope must report the same auth events and the same
sessions as for the clean capture, except that each session also carries
the anomaly seq_unusable.

And the other way: an ordinary capture with odd segments injected (no ACK,
sequence numbers far off, bytes that would change a login) must not fall
back: events identical to the clean capture's, no seq_unusable. A real
connection acknowledges on every segment after its SYN, which is what the
fallback needs to be absent (src/analyzer.c, ANALYZER_SEQ_EVIDENCE).

Needs python3-scapy; skips without it, except under CI=true.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(os.environ.get("BUILDDIR", SRCDIR), "src", "pop3scope"))

try:
    from scapy.all import IP, IPv6, TCP, Raw, rdpcap, wrpcap, conf  # noqa: E402
    conf.verb = 0
except ImportError:
    IP = None


def bswap32(x):
    return int.from_bytes(x.to_bytes(4, "little"), "big")


def mangle(pkts, mode):
    out = []
    for p in pkts:
        q = p.copy()
        if q.haslayer(TCP):
            t = q[TCP]
            if mode == "zero":
                t.seq, t.ack = 0, 0
            else:
                t.seq, t.ack = bswap32(t.seq), bswap32(t.ack)
            t.flags = int(t.flags) & ~0x10
            del t.chksum
            if q.haslayer(IP):
                del q[IP].chksum
        out.append(q)
    return out


def inject(pkts):
    """After each client payload segment of every connection, a forged copy
    without ACK, far off in sequence space, whose bytes would rename the
    user; and one at a plausible place with other bytes."""
    out = []
    for p in pkts:
        out.append(p)
        if p.haslayer(TCP) and p.haslayer(Raw) and p[TCP].dport in (110, 995):
            for delta, text in ((0x20000000, b"USER mallory\r\n"), (len(p[Raw].load) + 3, b"USER eve\r\n")):
                q = p.copy()
                q[TCP].seq = (q[TCP].seq + delta) & 0xFFFFFFFF
                q[TCP].flags = "P"
                q[Raw].load = text
                del q[TCP].chksum
                if q.haslayer(IP):
                    del q[IP].len
                    del q[IP].chksum
                elif q.haslayer(IPv6):
                    del q[IPv6].plen
                out.append(q)
    return out


def events(path):
    """The events of one capture, without the file name they carry: the
    mangled copy is another file; its frames are the same and stay compared."""
    out = subprocess.run([POP3SCOPE, "--json", "--show-passwords", path], capture_output=True, text=True).stdout
    evs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for e in evs:
        e.pop("capture_file", None)
        e.pop("end_file", None)
    return evs


def frameless(e):
    return {k: v for k, v in e.items() if k not in ("command_frame", "reply_frame")}


def without_seq_unusable(evs):
    res = []
    for e in evs:
        e = dict(e)
        if e.get("event") == "session":
            e["anomalies"] = [a for a in e.get("anomalies", []) if a != "seq_unusable"]
        res.append(e)
    return res


def main():
    if IP is None:
        if os.environ.get("CI") == "true":
            print("1..1\nnot ok 1 - python3-scapy is missing")
            return 1
        print("1..0 # SKIP python3-scapy is missing")
        return 0
    samples = sorted(glob.glob(os.path.join(SRCDIR, "samples", "*.pcap")))
    print("1..%d" % (3 * len(samples)))
    n = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in samples:
            name = os.path.basename(path)
            clean = events(path)
            pkts = rdpcap(path)
            for mode in ("zero", "bswap"):
                n += 1
                out = os.path.join(tmp, mode + "-" + name)
                wrpcap(out, mangle(pkts, mode), linktype=pkts.linktype if hasattr(pkts, "linktype") else None)
                got = events(out)
                sessions = [e for e in got if e.get("event") == "session"]
                flagged = bool(sessions) and all("seq_unusable" in e.get("anomalies", []) for e in sessions)
                same = without_seq_unusable(got) == without_seq_unusable(clean)
                ok = same and flagged
                failed += not ok
                print("%s %d - %s, sequence numbers %s, ACK cleared: %s%s" % (
                    "ok" if ok else "not ok", n, name, mode, "same events" if same else "events differ",
                    "" if flagged else ", seq_unusable missing"))
                if not same:
                    for a, b in zip(without_seq_unusable(clean), without_seq_unusable(got)):
                        if a != b:
                            print("#   clean:   %s\n#   mangled: %s" % (json.dumps(a), json.dumps(b)))
                            break
            n += 1
            out = os.path.join(tmp, "inject-" + name)
            wrpcap(out, inject(pkts), linktype=pkts.linktype if hasattr(pkts, "linktype") else None)
            got = events(out)
            fell_back = any("seq_unusable" in e.get("anomalies", []) for e in got if e.get("event") == "session")
            # The injected segments are frames of their own: numbers after them shift.
            auths_same = [frameless(e) for e in got if e.get("event") == "auth"] == \
                [frameless(e) for e in clean if e.get("event") == "auth"]
            ok = not fell_back and auths_same
            failed += not ok
            print("%s %d - %s with odd segments injected: %s, %s" % (
                "ok" if ok else "not ok", n, name, "fell back" if fell_back else "no fallback",
                "same auth events" if auths_same else "auth events differ"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
