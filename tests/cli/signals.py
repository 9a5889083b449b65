#!/usr/bin/python3
"""Signals on file runs and a closed stdout (issue 16 item 4; README "Exit
codes", pop3scope(1) EXIT STATUS and SIGNALS), TAP.

A pop3gen capture is fed through a pipe (`-r -`) in two parts: the first
part is written (the write returns once pop3scope has taken nearly all of
it), the signal is sent, then the rest is written. pop3scope checks the
signal flags before each record, so it must stop right after the record
that was cut between the parts: the frame count it reports is at most the
records of the first part plus one, never the whole capture. Checked for
SIGTERM (one thread, --threads 2, libpcap's reader) and SIGINT: exit
128+signal, one line on stderr naming the signal, every JSON line of the
-o file parses and the run's end-of-run record is there, sessions still
open end `shutdown`, every other session and every answered login attempt
is one the full run has too (one cut by the stop: its command is); in text mode the summary is written. A file run
(the same capture given many times) stopped by SIGTERM part-way. SIGUSR1:
one status line on stderr, the run goes on, and writes exactly the events
of a run without it (also with -q). `| head -1`: nothing on stderr, exit
3, in text, JSON and CSV.

Environment (set by the harness; defaults otherwise): POP3SCOPE, BUILDDIR,
SRCDIR. Needs tests/bench/pop3gen (built by make check)."""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR", SRCDIR)
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(BUILDDIR, "src", "pop3scope"))
POP3GEN = os.path.join(BUILDDIR, "tests", "bench", "pop3gen")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
from tap_checks import check, report  # noqa: E402  tests/lib/tap_checks.py

STOPPED = re.compile(r"^pop3scope: reading stopped by (SIGINT|SIGTERM) after (\d+) frames")
STATUS = re.compile(r"^pop3scope: file (\d+)/(\d+) (\S+), (?:(\d+)% of [\d.]+ [kMG]B|[\d.]+ [kMG]B read), (\d+) packets, "
                    r"(\d+) sessions, (\d+) login attempts$")
NORMAL_ENDS = {"quit", "fin", "rst", "timeout", "evicted", "end_of_input"}


def records_in(data):
    """Complete pcap records in `data` (a classic little-endian pcap)."""
    at, n = 24, 0
    while at + 16 <= len(data):
        caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
        if at + 16 + caplen > len(data):
            break
        at += 16 + caplen
        n += 1
    return n


def parse_lines(text):
    return [json.loads(line) for line in text.splitlines()]


class Fed:
    """pop3scope ARGS reading `-r -`: `first` bytes written, then `sig` sent,
    then the rest (nobody reading it is fine: the run stopped)."""

    def __init__(self, work, data, args, first, sig, env=None):
        out_path = os.path.join(work, "out")
        err_path = os.path.join(work, "err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            p = subprocess.Popen([POP3SCOPE, "-r", "-"] + args, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                 env=env)
            p.stdin.write(data[:first])
            p.stdin.flush()
            p.send_signal(sig)
            try:
                p.stdin.write(data[first:])
                p.stdin.close()
            except BrokenPipeError:
                pass
            self.rc = p.wait(timeout=120)
        with open(out_path, encoding="utf-8") as f:
            self.stdout = f.read()
        with open(err_path, encoding="utf-8") as f:
            self.stderr = f.read()
        self.first_records = records_in(data[:first])

    def diag(self):
        return f"rc {self.rc}\nstderr {self.stderr[-500:]!r}\nstdout tail {self.stdout[-300:]!r}"


def stopped_frames(run, name):
    lines = run.stderr.splitlines()
    if len(lines) != 1:
        return None
    m = STOPPED.match(lines[0])
    return int(m.group(2)) if m and m.group(1) == name else None


def sessions_key(ev):
    return (ev["flow_id"], ev["ts_start"], ev["src_port"], ev["dest_port"])


def check_stopped(label, run, full, sig, json_path):
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    check(f"{label}: exit {128 + sig} (128 + {name})", lambda: run.rc == 128 + sig, run.diag)
    frames = stopped_frames(run, name)
    check(f"{label}: one line on stderr naming {name} and the frames read", lambda: frames is not None, run.diag)
    check(f"{label}: stopped at the record after the signal ({frames} frames, first part {run.first_records})",
          lambda: 0 < frames <= run.first_records + 1, run.diag)
    with open(json_path, encoding="utf-8") as f:
        text = f.read()
    events = []

    def parses():
        events.extend(parse_lines(text))
        return text.endswith("\n")

    check(f"{label}: every JSON line of the -o file parses", parses, lambda: text[-300:])
    check(f"{label}: the end-of-run record is written last",
          lambda: events and events[-1]["event"] == "app_summary", lambda: text[-300:])
    sessions = [e for e in events if e["event"] == "session"]
    check(f"{label}: sessions open at the stop end shutdown",
          lambda: any(e["end"] == "shutdown" for e in sessions), lambda: {e["end"] for e in sessions})
    full_sessions = {sessions_key(e): e for e in full if e["event"] == "session"}
    check(f"{label}: every session that ended before the stop is the full run's",
          lambda: all(full_sessions[sessions_key(e)] == e for e in sessions if e["end"] != "shutdown"),
          lambda: [e for e in sessions if e["end"] != "shutdown" and sessions_key(e) not in full_sessions][:2])
    full_auth = [e for e in full if e["event"] == "auth"]
    auth = [e for e in events if e["event"] == "auth"]
    check(f"{label}: every login attempt answered before the stop is the full run's",
          lambda: all(e in full_auth for e in auth if e["reply_frame"] is not None))
    # An attempt whose reply had not come is cut there: its command is the
    # full run's, its outcome not known.
    by_command = {(e["flow_id"], e["attempt"], e["command_frame"]) for e in full_auth}
    check(f"{label}: attempts cut by the stop are the full run's commands, outcome unknown",
          lambda: all((e["flow_id"], e["attempt"], e["command_frame"]) in by_command and e["outcome"] == "unknown"
                      for e in auth if e["reply_frame"] is None))
    check(f"{label}: fewer sessions than the full run", lambda: 0 < len(sessions) <= len(full_sessions))


def main():
    if not os.access(POP3GEN, os.X_OK):
        if os.environ.get("CI") == "true":
            check("tests/bench/pop3gen is built", lambda: False)
            return report()
        print("1..0 # SKIP tests/bench/pop3gen not built")
        return 0
    work = tempfile.mkdtemp(prefix="signals.")
    cap = os.path.join(work, "gen.pcap")
    subprocess.run([POP3GEN, "-s", "3", "-b", "8M", "-o", cap, "-t", os.path.join(work, "gen.truth")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(cap, "rb") as f:
        data = f.read()
    half = len(data) // 2
    out_json = os.path.join(work, "o.json")
    with open(cap, "rb") as f:  # stdin, as the fed runs: the events name their capture
        full_text = subprocess.run([POP3SCOPE, "--json", "--show-passwords", "-r", "-"], stdin=f,
                                   capture_output=True, text=True, check=False).stdout
    full = parse_lines(full_text)

    # SIGTERM and SIGINT, one thread and two, the fast reader and libpcap's.
    for label, args, sig, env in (
        ("SIGTERM", [], signal.SIGTERM, None),
        ("SIGTERM --threads 2", ["--threads", "2"], signal.SIGTERM, None),
        ("SIGTERM libpcap reader", [], signal.SIGTERM, dict(os.environ, POP3SCOPE_LIBPCAP_READER="1")),
        ("SIGINT", [], signal.SIGINT, None),
        ("SIGINT --threads 2", ["--threads", "2"], signal.SIGINT, None),
    ):
        if os.path.exists(out_json):
            os.unlink(out_json)
        run = Fed(work, data, ["--json", "--show-passwords", "-o", out_json] + args, half, sig, env)
        check_stopped(label, run, full, sig, out_json)
        check(f"{label}: -o file mode 0600", lambda: os.stat(out_json).st_mode & 0o777 == 0o600)

    # Text mode: the table's rows and the summary after them.
    run = Fed(work, data, ["--text"], half, signal.SIGTERM)
    check("SIGTERM text: exit 143 and the summary written",
          lambda: run.rc == 143 and re.search(r"^sessions: \d+", run.stdout, re.M) and
          re.search(r"^login attempts: \d+", run.stdout, re.M), run.diag)

    # A file run, not a pipe: the capture many times over lasts long enough
    # to be stopped part-way.
    if os.path.exists(out_json):
        os.unlink(out_json)
    copies = 40
    with open(os.path.join(work, "ferr"), "wb") as err:
        p = subprocess.Popen([POP3SCOPE, "--json", "-o", out_json] + [cap] * copies, stdout=subprocess.DEVNULL,
                             stderr=err)
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=120)
    with open(os.path.join(work, "ferr"), encoding="utf-8") as f:
        ferr = f.read()
    m = STOPPED.match(ferr)
    check("file run SIGTERM: exit 143, stopped before the last file",
          lambda: rc == 143 and m and int(m.group(2)) < copies * records_in(data), lambda: f"rc {rc} {ferr!r}")
    with open(out_json, encoding="utf-8") as f:
        ftext = f.read()
    check("file run SIGTERM: every JSON line parses, the end-of-run record last",
          lambda: parse_lines(ftext)[-1]["event"] == "app_summary")

    # SIGUSR1: a status line, and the run as if nothing happened.
    for label, args in (("SIGUSR1", []), ("SIGUSR1 -q", ["-q"]), ("SIGUSR1 --threads 2", ["--threads", "2"])):
        run = Fed(work, data, ["--json", "--show-passwords"] + args, half, signal.SIGUSR1)
        lines = run.stderr.splitlines()
        m = STATUS.match(lines[0]) if len(lines) == 1 else None
        check(f"{label}: exit 0", lambda: run.rc == 0, run.diag)
        check(f"{label}: one status line: file 1/1 stdin, bytes read, packets, sessions, attempts",
              lambda: m and m.group(3) == "stdin" and 0 < int(m.group(5)) <= run.first_records + 1, run.diag)
        check(f"{label}: the same events as without the signal", lambda: parse_lines(run.stdout) == full, run.diag)

    # A closed stdout: quiet, exit 3. Enough input that the output is far
    # larger than a pipe's buffer.
    for mode in ("--text", "--json", "--csv"):
        p = subprocess.run(["bash", "-c", f'"$0" {mode} "$1" "$1" "$1" | head -1 > /dev/null; '
                                          'exit "${PIPESTATUS[0]}"', POP3SCOPE, cap],
                           capture_output=True, text=True, check=False)
        check(f"| head -1 {mode}: exit 3, stderr empty", lambda: p.returncode == 3 and p.stderr == "",
              lambda: f"rc {p.returncode} stderr {p.stderr!r}")

    subprocess.run(["rm", "-rf", work], check=False)
    return report()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
