#!/usr/bin/env python3
"""Evidence (TAP): on every sample and peer capture, each auth event's
command_frame must be a frame whose TCP payload, as tshark shows frame N
(frame.number == N), holds the command that opened the attempt (USER for
USER/PASS, else PASS; APOP; AUTH), and reply_frame one that holds a
+OK or -ERR status line; the same with --threads 2. Single files, no
filter: the numbers are then the file's own frame numbers. Needs tshark
(Debian package tshark); skipped without it."""
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


def payloads(pcap):
    """{frame number: TCP payload bytes} for every frame with a payload."""
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "tcp.len > 0", "-T", "fields", "-e", "frame.number",
                          "-e", "tcp.payload"], capture_output=True, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        number, _, hexed = line.partition("\t")
        frames[int(number)] = bytes.fromhex(hexed.replace(":", "").split(",")[-1])
    return frames


def auths(pcap, *extra):
    out = subprocess.run([POP3SCOPE, "--json", *extra, pcap], capture_output=True, text=True).stdout
    return [ev for ev in map(json.loads, out.splitlines()) if ev["event"] == "auth"]


def lines(payload):
    return [line.strip().upper() for line in payload.split(b"\n")]


def command_ok(ev, payload):
    words = {"USER": (b"USER", b"PASS"), "APOP": (b"APOP",)}.get(ev["method"], (b"AUTH",))
    return any(line.startswith(w) for line in lines(payload) for w in words)


def reply_ok(payload):
    return any(line.startswith(b"+OK") or line.startswith(b"-ERR") for line in lines(payload))


def bad_frames(evs, frames):
    bad = []
    for ev in evs:
        c, r = ev["command_frame"], ev["reply_frame"]
        if c is None or not command_ok(ev, frames.get(c, b"")):
            bad.append(f"attempt {ev['flow_id']}/{ev['attempt']} {ev['method']}: command_frame {c}: "
                       f"{frames.get(c, b'')[:60]!r}")
        if ev["outcome"] in ("success", "failure") and (r is None or not reply_ok(frames.get(r, b""))):
            bad.append(f"attempt {ev['flow_id']}/{ev['attempt']}: reply_frame {r}: {frames.get(r, b'')[:60]!r}")
    return bad


def main():
    if shutil.which("tshark") is None:
        print("1..0 # SKIP tshark not found (Debian package tshark)")
        return 0
    total = 0
    for pcap in capture_list(SRCDIR, "samples", "peer"):
        evs = auths(pcap)
        if not evs:
            continue
        frames = payloads(pcap)
        bad = bad_frames(evs, frames)
        total += len(evs)
        name = os.path.basename(pcap)
        check(f"{name}: {len(evs)} attempts, command and reply frames as tshark numbers them", lambda: not bad,
              lambda: "\n".join(bad))
        threaded = auths(pcap, "--threads", "2")
        check(f"{name}: the same frames with --threads 2",
              lambda: [(e["command_frame"], e["reply_frame"]) for e in threaded] ==
              [(e["command_frame"], e["reply_frame"]) for e in evs])
    check(f"{total} attempts checked in all", lambda: total >= 20)
    return 1 if report() else 0


if __name__ == "__main__":
    sys.exit(main())
