#!/usr/bin/python3
"""TAP: pop3scope reads overlapping TCP copies, and data on a SYN, as the
real Linux receiver does.

Each case sends crafted segments (scapy) to a listening socket in a private
network namespace (tests/lib/tools/netns-tcp.py); the socket's reader records
the bytes the kernel handed it and answers each line "+OK". The client
writes "USER ", then the case's segments (the overlaps fall in the user
name), then "\\r\\nPASS pw\\r\\n". pop3scope then reads tcpdump's capture of
it: the user of its auth event must be the name the kernel delivered, and
the attempt must carry overlap_conflict when copies differed.

The SYN cases send "USER eve\\r\\n" on the SYN: without Fast Open the
server drops it (the SYN-ACK acknowledges isn + 1) and the client sends
"USER bob\\r\\n" from isn + 1; with Fast Open (no cookie required) it is
taken. pop3scope must name the user the server read.

Needs root (network namespaces), iproute2, tcpdump and python3-scapy; skips
without them, except under CI=true, where a missing tool fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(os.environ.get("BUILDDIR", SRCDIR), "src", "pop3scope"))
TOOL = os.path.join(SRCDIR, "tests", "lib", "tools", "netns-tcp.py")

# The overlap cases of tests/unit/test_stream.c (linux_cases), offsets from the
# first byte of the name: what Linux delivers there is the test's subject.
OVERLAPS = [
    ("same start, not longer", [[5, "XXXX"], [5, "YYYY"], [1, "abcd"]]),
    ("same start, longer", [[5, "XXXX"], [5, "YYYYYY"], [1, "abcd"]]),
    ("starts before, covers", [[7, "XX"], [5, "YYYYYY"], [1, "abcd"]]),
    ("partial, later start", [[5, "XXXX"], [7, "YYYY"], [1, "abcd"]]),
    ("partial, earlier start", [[7, "YYYY"], [5, "XXXX"], [1, "abcd"]]),
    ("in-order over held", [[5, "XXXX"], [1, "abcdef"]]),
    ("inside a held one", [[5, "XXXXXX"], [6, "YY"], [1, "abcd"]]),
    ("joined, then longer", [[5, "XXXX"], [9, "WWWW"], [9, "ZZZZZZ"], [1, "abcd"]]),
    ("covers two", [[5, "XX"], [9, "YY"], [3, "ZZZZZZZZZZ"], [1, "ab"]]),
    ("not joined, replaced", [[9, "WWWW"], [5, "XXXX"], [9, "ZZZZZZ"], [1, "abcd"]]),
    ("retransmission, new tail", [[1, "AAAA"], [1, "BBBBCC"]]),
]


def tools_missing():
    missing = [t for t in ("ip", "tcpdump") if shutil.which(t) is None]
    try:
        subprocess.run(["/usr/bin/python3", "-c", "import scapy"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        missing.append("python3-scapy")
    return missing


def netns_usable():
    if os.geteuid() != 0:
        return False
    name = "pop3scope-probe-%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True)
    if r.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return True


def run_case(tmp, name, scenario):
    base = os.path.join(tmp, name.replace(" ", "_").replace(",", ""))
    with open(base + ".json", "w") as f:
        json.dump(scenario, f)
    subprocess.run(["/usr/bin/python3", TOOL, base + ".json", base + ".pcap", base + ".out"], check=True,
                   capture_output=True, timeout=120)
    with open(base + ".out") as f:
        kernel = json.load(f)
    out = subprocess.run([POP3SCOPE, "--json", "--show-passwords", base + ".pcap"], check=True, capture_output=True,
                         text=True).stdout
    auths = [json.loads(line) for line in out.splitlines() if '"event":"auth"' in line]
    return bytes.fromhex(kernel["received"]), kernel, auths


def main():
    missing = tools_missing()
    if missing:
        if os.environ.get("CI") == "true":
            print("1..1\nnot ok 1 - missing tools: %s" % ", ".join(missing))
            return 1
        print("1..0 # SKIP missing %s" % ", ".join(missing))
        return 0
    if not netns_usable():
        print("1..0 # SKIP network namespaces need root here")
        return 0
    print("1..%d" % (len(OVERLAPS) + 2))
    failed = 0
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, segs in OVERLAPS:
            n += 1
            end = max(off + len(text) for off, text in segs)
            scenario = {"greeting": "+OK ready\r\n", "reply": True,
                        "segments": [[1, "USER "]] + [[off + 5, text] for off, text in segs] +
                                    [[end + 5, "\r\nPASS pw\r\n"]]}
            received, _, auths = run_case(tmp, "overlap " + name, scenario)
            want = received.split(b"\r\n")[0][len(b"USER "):].decode()
            got = auths[0]["user"] if auths else None
            conflict = bool(auths and auths[0].get("overlap_conflict"))
            ok = received.startswith(b"USER ") and got == want and conflict
            failed += not ok
            print("%s %d - %s: kernel read user %r, pop3scope %r, overlap_conflict %s"
                  % ("ok" if ok else "not ok", n, name, want, got, conflict))
        for name, tfo, segs in (("SYN data, no Fast Open", False, [[1, "USER bob\r\n"], [11, "PASS pw\r\n"]]),
                                ("SYN data, Fast Open", True, [[11, "PASS pw\r\n"]])):
            n += 1
            scenario = {"greeting": "+OK ready\r\n", "reply": True, "tfo": tfo, "syn_data": "USER eve\r\n",
                        "segments": segs}
            received, kernel, auths = run_case(tmp, name, scenario)
            want = received.split(b"\r\n")[0][len(b"USER "):].decode()
            got = auths[0]["user"] if auths else None
            # The kernel's choice is part of what is tested: without Fast
            # Open it must have dropped eve, with it taken her.
            ok = got == want and want == ("eve" if tfo else "bob") and kernel["synack_ack_rel"] == (11 if tfo else 1)
            failed += not ok
            print("%s %d - %s: SYN-ACK acks isn+%d, kernel read user %r, pop3scope %r"
                  % ("ok" if ok else "not ok", n, name, kernel["synack_ack_rel"], want, got))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
