#!/usr/bin/env python3
"""Evidence (TAP): each auth event's command_frame must be a frame whose TCP
payload, as tshark shows frame N of the event's capture_file
(frame.number == N), holds the command that opened the attempt (USER for
USER/PASS, else PASS; APOP; AUTH), and reply_frame, in reply_file when the
event names one, a frame that holds a +OK or -ERR status line. Checked on
every sample and peer capture, with --threads 2 giving the same events, and
where the numbers would go wrong if they were not per file: two files in one
run (the second's numbers restart at 1), a -f filter on a capture whose
other traffic comes first (dropped records still count), and one login
split across a rotated pair (editcap ranges, as tcpdump -C would cut).

  evidence_tshark.py --live EVENTS.json CAPTURE.pcap
checks a live run's events (tests/live/live_evidence.sh) against tcpdump's
capture of the same traffic: there the numbers count packets since start.

Needs tshark, editcap and mergecap (Debian package tshark)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POP3SCOPE = os.path.abspath(
    os.environ.get("POP3SCOPE", os.path.join(os.environ.get("BUILDDIR", SRCDIR), "src", "pop3scope")))
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


def auths(inputs, *extra, cwd=None):
    """The auth events of one run; a run that does not exit 0 (a sanitizer
    report among them) fails the test outright."""
    run = subprocess.run([POP3SCOPE, "--json", *extra, *inputs], capture_output=True, text=True, cwd=cwd,
                         check=False)
    if run.returncode != 0:
        raise SystemExit(f"Bail out! pop3scope {' '.join([*extra, *inputs])}: exit {run.returncode}\n{run.stderr}")
    return [ev for ev in map(json.loads, run.stdout.splitlines()) if ev["event"] == "auth"]


def lines(payload):
    return [line.strip().upper() for line in payload.split(b"\n")]


def command_ok(ev, payload):
    words = {"USER": (b"USER", b"PASS"), "APOP": (b"APOP",)}.get(ev["method"], (b"AUTH",))
    return any(line.startswith(w) for line in lines(payload) for w in words)


def reply_ok(payload):
    return any(line.startswith(b"+OK") or line.startswith(b"-ERR") for line in lines(payload))


def bad_frames(evs, frames_of, live=False):
    """What is wrong with each event's evidence; frames_of(path) gives the
    payloads of that capture (live: of tcpdump's capture, path None)."""
    bad = []
    for ev in evs:
        name = f"attempt {ev['flow_id']}/{ev['attempt']} {ev['method']}"
        c, r = ev["command_frame"], ev["reply_frame"]
        cfile, rfile = ev["capture_file"], ev.get("reply_file", ev["capture_file"])
        if live != (cfile is None) or "reply_file" in ev and (live or rfile == cfile):
            bad.append(f"{name}: capture_file {cfile!r}, reply_file {ev.get('reply_file')!r}")
            continue
        command = frames_of(cfile).get(c, b"")
        if c is None or not command_ok(ev, command):
            bad.append(f"{name}: command_frame {c} in {cfile}: {command[:60]!r}")
        reply = frames_of(rfile).get(r, b"")
        if ev["outcome"] in ("success", "failure") and (r is None or not reply_ok(reply)):
            bad.append(f"{name}: reply_frame {r} in {rfile}: {reply[:60]!r}")
    return bad


def evidence(evs):
    return [(e["capture_file"], e["command_frame"], e.get("reply_file"), e["reply_frame"]) for e in evs]


class Payloads:
    """tshark's payloads per capture, read once; paths relative to cwd."""

    def __init__(self, cwd=None):
        self.cwd, self.seen = cwd, {}

    def __call__(self, path):
        full = os.path.join(self.cwd, path) if self.cwd and path else path
        if full not in self.seen:
            self.seen[full] = payloads(full)
        return self.seen[full]


def single_files():
    total = 0
    frames_of = Payloads()
    for pcap in capture_list(SRCDIR, "samples", "peer"):
        evs = auths([pcap])
        if not evs:
            continue
        bad = bad_frames(evs, frames_of)
        total += len(evs)
        name = os.path.basename(pcap)
        check(f"{name}: {len(evs)} attempts, capture_file as given, command and reply frames as tshark numbers them",
              lambda: not bad and all(e["capture_file"] == pcap for e in evs), lambda: "\n".join(bad))
        threaded = auths([pcap], "--threads", "2")
        check(f"{name}: the same evidence with --threads 2", lambda: evidence(threaded) == evidence(evs))
    check(f"{total} attempts checked in all", lambda: total >= 20)


def two_files(work):
    """userpass then apop in one run: apop's numbers are its own, from 1."""
    first, second = (os.path.join(SRCDIR, "samples", n) for n in ("userpass.pcap", "apop.pcap"))
    evs = auths([first, second])
    alone = auths([second])
    of_second = [e for e in evs if e["capture_file"] == second]
    bad = bad_frames(evs, Payloads())
    check("two files in one run: every attempt's frames are tshark's in its own file", lambda: evs and not bad,
          lambda: "\n".join(bad))
    check("two files in one run: the second file's numbers restart at 1 (as when read alone)",
          lambda: of_second and evidence(of_second) == evidence(alone), lambda: f"{evidence(evs)} vs {evidence(alone)}")
    check("two files in one run: the same evidence with --threads 2",
          lambda: evidence(auths([first, second], "--threads", "2")) == evidence(evs))
    del work


def filtered(work):
    """pop3s.pcap's 39 port-995 frames, then userpass.pcap's login: -f
    'tcp port 110' drops the first 39 records, which still count."""
    merged = os.path.join(work, "other-traffic-first.pcap")
    subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", merged, os.path.join(SRCDIR, "samples", "pop3s.pcap"),
                    os.path.join(SRCDIR, "samples", "userpass.pcap")], check=True)
    plain = auths([merged])
    evs = auths([merged], "-f", "tcp port 110")
    bad = bad_frames(evs, Payloads())
    check("-f 'tcp port 110' after 39 other frames: frames are tshark's, records the filter dropped count",
          lambda: evs and not bad and min(e["command_frame"] for e in evs) > 39, lambda: "\n".join(bad))
    check("-f 'tcp port 110': the same numbers as without the filter", lambda: evidence(evs) == evidence(plain),
          lambda: f"{evidence(evs)} vs {evidence(plain)}")
    check("-f 'tcp port 110': the same evidence with --threads 2",
          lambda: evidence(auths([merged], "-f", "tcp port 110", "--threads", "2")) == evidence(evs))


def rotated(work, fmt):
    """userpass.pcap cut after its USER frame into two files (editcap -r),
    as tcpdump -C cuts: the command is in the first, the reply in the second.
    pcap goes through pcapfile.c, pcapng through libpcap: both numberings."""
    whole = os.path.join(SRCDIR, "samples", "userpass.pcap")
    (ev,) = auths([whole])
    cut = ev["command_frame"]
    first, second = f"rot0.{fmt}", f"rot1.{fmt}"
    for name, frames in ((first, f"1-{cut}"), (second, f"{cut + 1}-1000000")):
        subprocess.run(["editcap", "-F", fmt, "-r", whole, os.path.join(work, name), frames], check=True)
    for extra in ((), ("--threads", "2")):
        evs = auths([first, second], *extra, cwd=work)
        bad = bad_frames(evs, Payloads(work))
        check(f"rotated {fmt} pair{' --threads 2' if extra else ''}: command in {first}, reply in {second} "
              f"(reply_file), both as tshark numbers them",
              lambda: len(evs) == 1 and not bad and evs[0]["capture_file"] == first and
              evs[0].get("reply_file") == second and evs[0]["command_frame"] == cut and
              evs[0]["reply_frame"] == ev["reply_frame"] - cut, lambda: "\n".join(bad) or str(evs))


def live(events_path, capture):
    with open(events_path, encoding="utf-8") as f:
        evs = [ev for ev in map(json.loads, f) if ev["event"] == "auth"]
    frames = payloads(capture)
    bad = bad_frames(evs, lambda _path: frames, live=True)
    check(f"live: {len(evs)} attempts, capture_file null, frames are packets since start as tcpdump numbers them",
          lambda: len(evs) >= 3 and not bad, lambda: "\n".join(bad))
    check("live: the numbers run on across connections (not per connection)",
          lambda: sorted(e["command_frame"] for e in evs)[-1] > 20)


def files(events_path):
    """A run's events checked against the files they name (paths relative
    to the current directory): tests/cli/inputs.sh, after reordering."""
    with open(events_path, encoding="utf-8") as f:
        evs = [ev for ev in map(json.loads, f) if ev["event"] == "auth"]
    bad = bad_frames(evs, Payloads())
    check(f"{len(evs)} attempts: capture_file and frames point at the command and the reply",
          lambda: len(evs) >= 1 and not bad, lambda: "\n".join(bad))


def main():
    for tool in ("tshark", "editcap", "mergecap"):
        if shutil.which(tool) is None:
            print(f"1..0 # SKIP {tool} not found (Debian package tshark)")
            return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--files":
        files(sys.argv[2])
        return 1 if report() else 0
    if len(sys.argv) == 4 and sys.argv[1] == "--live":
        live(sys.argv[2], sys.argv[3])
        return 1 if report() else 0
    single_files()
    with tempfile.TemporaryDirectory() as work:
        two_files(work)
        filtered(work)
        rotated(work, "pcap")
        rotated(work, "pcapng")
    return 1 if report() else 0


if __name__ == "__main__":
    sys.exit(main())
