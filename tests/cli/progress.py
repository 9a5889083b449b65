#!/usr/bin/env python3
"""The progress line and -q (README "Usage", src/progress.h, src/note.h), TAP.

pop3scope runs with its stderr on a pseudo-terminal this test opens (and
sizes), reading a pop3gen capture many times over (-r repeated) so the run
lasts a couple of seconds; what it wrote to the terminal is taken apart:
each line is "\\r" LINE "\\033[K", erasures are "\\r\\033[K". Checked:
the percent only grows and ends at 100, sessions and login attempts end
equal to the JSON output's, the line fits the terminal, at most four
lines a second, nothing left on the screen; the same with --threads 2; a
pipe (stdin) shows bytes read and no percent; a damaged file's error
lands on a line of its own; stderr not a terminal: not one byte (unless
--progress); -q: silent on a clean run and on notes, the errors stay
(missing file, exit 2; --fail-on-exposure, exit 4).

Environment (set by the harness; defaults otherwise): POP3SCOPE, BUILDDIR,
SRCDIR. Needs tests/bench/pop3gen (built by make check)."""
import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

SRCDIR = os.environ.get("SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILDDIR = os.environ.get("BUILDDIR", SRCDIR)
POP3SCOPE = os.environ.get("POP3SCOPE", os.path.join(BUILDDIR, "src", "pop3scope"))
POP3GEN = os.path.join(BUILDDIR, "tests", "bench", "pop3gen")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
from tap_checks import check, report  # noqa: E402  tests/lib/tap_checks.py

COPIES = 20  # of a ~68 MB capture: some 1.4 GB, a second or more
LINE = re.compile(rb"\r(pop3scope: [^\r\n\x1b]*)\x1b\[K")
# A narrow terminal loses the last parts whole: each is optional.
FIELDS = re.compile(r"pop3scope: (?:\s*(\d+)% of ([\d.]+) ([kMG])B|([\d.]+) ([kMG])B read)(?:, (\d+) MB/s(?:, (\d+) sessions"
                    r"(?:, (\d+) login attempts(?:, file (\d+)/(\d+) (.*))?)?)?)?$")
ERASE = b"\r\x1b[K"


class Run:
    def __init__(self, rc, tty, stderr, elapsed, out_path):
        self.rc, self.tty, self.stderr, self.elapsed = rc, tty, stderr, elapsed
        self.lines = [m.group(1).decode() for m in LINE.finditer(tty)]
        self.fields = [FIELDS.match(line) for line in self.lines]
        self.json = []
        if out_path and os.path.exists(out_path):
            with open(out_path, encoding="utf-8") as f:
                self.json = [json.loads(line) for line in f if line.strip()]

    def count(self, kind):
        return sum(1 for e in self.json if e.get("event") == kind)

    def percents(self):
        return [int(m.group(1)) for m in self.fields if m and m.group(1) is not None]

    def last(self):
        return self.fields[-1] if self.fields and self.fields[-1] else None

    def diag(self):
        return f"rc {self.rc}, {self.elapsed:.2f} s, {len(self.lines)} lines\n" + "\n".join(self.lines[-6:]) + \
            f"\ntty tail {self.tty[-300:]!r}\nstderr {self.stderr[-300:]!r}"


def run(args, tty=True, cols=200, stdin=None, feed=None, out_path=None, stdout_tty=False):
    """pop3scope ARGS with stderr on a new pty of `cols` columns (or a pipe),
    and stdout too when stdout_tty."""
    argv = [POP3SCOPE] + args
    t0 = time.monotonic()
    if not tty:
        p = subprocess.run(argv, stdin=stdin if stdin is not None else subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=False)
        return Run(p.returncode, b"", p.stderr, time.monotonic() - t0, out_path)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if feed else (stdin or subprocess.DEVNULL),
                         stdout=slave if stdout_tty else subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    if feed:
        threading.Thread(target=feed, args=(p.stdin,), daemon=True).start()
    got = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every copy of the slave is closed
            break
        if not chunk:
            break
        got += chunk
    rc = p.wait()
    elapsed = time.monotonic() - t0
    os.close(master)
    return Run(rc, bytes(got), b"", elapsed, out_path)


def reads(path, n):
    return [a for _ in range(n) for a in ("-r", path)]


def monotonic(values):
    return all(a <= b for a, b in zip(values, values[1:]))


def check_line_run(name, r, cols=200, percent=True):
    """What every run with a progress line must show."""
    check(f"{name}: exit 0", lambda: r.rc == 0, r.diag)
    check(f"{name}: at least two progress lines (the run lasted {r.elapsed:.1f} s)",
          lambda: len(r.lines) >= 2, r.diag)
    check(f"{name}: every line is a progress line in the documented form", lambda: all(r.fields), r.diag)
    check(f"{name}: at most 4 lines a second ({len(r.lines)} in {r.elapsed:.1f} s)",
          lambda: len(r.lines) <= 4 * r.elapsed + 2, r.diag)
    check(f"{name}: no line is wider than the terminal less one column ({cols})",
          lambda: all(len(line) <= cols - 1 for line in r.lines), r.diag)
    if percent:
        check(f"{name}: the percent never goes back and ends at 100",
              lambda: monotonic(r.percents()) and r.percents()[-1] == 100 and len(r.percents()) == len(r.lines),
              r.diag)
    check(f"{name}: sessions and attempts never go back",
          lambda: monotonic([int(m.group(7)) for m in r.fields]) and monotonic([int(m.group(8)) for m in r.fields]),
          r.diag)
    check(f"{name}: the last line's sessions and login attempts are the JSON output's",
          lambda: r.last() and int(r.last().group(7)) == r.count("session") > 0 and
          int(r.last().group(8)) == r.count("auth") > 0,
          lambda: f"JSON: {r.count('session')} sessions, {r.count('auth')} auth\n" + r.diag())
    check(f"{name}: the line is erased at the end, nothing else on the terminal",
          lambda: r.tty.endswith(ERASE) and LINE.sub(b"", r.tty).replace(ERASE, b"") == b"", r.diag)


def main():
    if not os.access(POP3GEN, os.X_OK):
        print(f"1..0 # SKIP {POP3GEN} not built (make check builds it)")
        return 0 if os.environ.get("CI") != "true" else 1
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "gen.pcap")
        subprocess.run([POP3GEN, "-s", "7", "-b", "40M", "-o", cap, "-t", os.path.join(tmp, "truth.jsonl")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = os.path.join(tmp, "out.json")
        many = reads(cap, COPIES)

        r = run(["--json", "-o", out] + many, out_path=out)
        check_line_run("tty", r)
        check("tty: the line names the file being read, n of 20",
              lambda: any(m.group(9) and m.group(10) == str(COPIES) and m.group(11) == "gen.pcap" for m in r.fields),
              r.diag)
        one = (r.count("session"), r.count("auth"))

        r = run(["--json", "--threads", "2", "-o", out] + many, out_path=out)
        check_line_run("--threads 2", r)
        check("--threads 2: the same counts as one thread", lambda: (r.count("session"), r.count("auth")) == one,
              r.diag)

        def trickle(pipe):
            with open(cap, "rb") as f:
                while chunk := f.read(1 << 20):
                    try:
                        pipe.write(chunk)
                    except BrokenPipeError:
                        return
                    time.sleep(0.015)
            pipe.close()

        r = run(["--json", "-o", out, "-"], feed=trickle, out_path=out)
        check_line_run("pipe on stdin", r, percent=False)
        check("pipe on stdin: bytes read, no percent; the last line says the whole file",
              lambda: all(m.group(1) is None for m in r.fields) and
              abs(float(r.last().group(4)) - os.path.getsize(cap) / 1e6) < 0.1, r.diag)

        with open(cap, "rb") as f:
            r = run(["--json", "-o", out, "-"] + reads(cap, 9), stdin=f, out_path=out)
        check("stdin redirected from a file: a percent, ending at 100",
              lambda: r.rc == 0 and r.percents() and r.percents()[-1] == 100 and monotonic(r.percents()), r.diag)

        # A damaged file between good ones: its error must not be glued to
        # the line, and reading goes on (exit 2).
        damaged = os.path.join(tmp, "damaged.pcap")
        with open(cap, "rb") as f, open(damaged, "wb") as g:
            g.write(f.read(os.path.getsize(cap) // 2 + 7))
        r = run(["--json", "--keep-order", "-o", out] + reads(cap, 8) + ["-r", damaged] + reads(cap, 8), cols=60, out_path=out)
        message = re.search(rb"pop3scope: [^\r\n]*damaged\.pcap: record \d+: [^\r\n]*\r?\n", r.tty)
        check("damaged file: exit 2, and its error is on the terminal", lambda: r.rc == 2 and message, r.diag)
        # --keep-order: the damaged file stays in the middle (sorted by
        # first packet it would come first, before any line is up); the
        # overlap notes that order brings are erasure-led lines of their own.
        check("damaged file: the line was up and erased just before the error",
              lambda: len(r.lines) >= 2 and
              re.sub(rb"pop3scope: [^\r\n]*overlap in time[^\r\n]*\r?\n", b"",
                     r.tty[:message.start()]).endswith(ERASE), r.diag)
        check("damaged file: progress goes on after it, to 100",
              lambda: LINE.search(r.tty, message.end()) and r.percents()[-1] == 100 and monotonic(r.percents()),
              r.diag)
        check("damaged file: 60 columns: no line wider than 59, parts left out whole",
              lambda: all(len(x) <= 59 for x in r.lines) and all(r.fields) and
              all(m.group(7) and not m.group(8) for m in r.fields), r.diag)

        # The text table on the same terminal: each row erases the line
        # first, so no row starts in the middle of it.
        r = run(reads(cap, 12), stdout_tty=True)
        check("text output on the same terminal: lines drawn, each followed by another or an erasure, not a row",
              lambda: r.rc == 0 and len(r.lines) >= 1 and
              all(r.tty[m.end():m.end() + 1] == b"\r" for m in LINE.finditer(r.tty)) and
              b"login attempts: " in r.tty and r.tty.count(b"  USER  ") > 100, r.diag)

        r = run(["--json", "-o", out] + reads(cap, 5), tty=False)
        check("stderr not a terminal: not one byte on it", lambda: r.rc == 0 and r.stderr == b"", r.diag)
        r = run(["--json", "--no-progress", "-o", out] + reads(cap, 8))
        check("--no-progress on a terminal: not one byte", lambda: r.rc == 0 and r.tty == b"", r.diag)
        r = run(["--json", "--progress", "-o", out] + reads(cap, 8), tty=False)
        check("--progress with stderr a pipe: the lines are there",
              lambda: r.rc == 0 and len(LINE.findall(r.stderr)) >= 1 and r.stderr.endswith(ERASE), r.diag)

        # -q: notes go (a full connection table is a note), errors stay.
        r = run(["--json", "-o", out, "--max-flows", "1"] + reads(cap, 2))
        check("without -q, a note at the end comes on its own line, after the erasure",
              lambda: re.search(rb"\x1b\[Kpop3scope: connection table full: \d+ connections evicted[^\r\n]*\r?\n$", r.tty),
              r.diag)
        r = run(["-q", "--json", "-o", out, "--max-flows", "1"] + reads(cap, 2))
        check("-q on a terminal: no progress line, no note, exit 0", lambda: r.rc == 0 and r.tty == b"", r.diag)
        r = run(["-q", "--json", "-o", out, "--max-flows", "1", cap], tty=False)
        check("-q, stderr a pipe: empty, exit 0", lambda: r.rc == 0 and r.stderr == b"", r.diag)
        r = run(["-q", "--json", "-o", out, os.path.join(tmp, "missing.pcap")], tty=False)
        check("-q: a missing file still says so, exit 2",
              lambda: r.rc == 2 and re.fullmatch(rb"pop3scope: cannot open \S*missing\.pcap: No such file or directory\n", r.stderr), r.diag)
        r = run(["-q", "--fail-on-exposure", "--json", "-o", out, cap], tty=False)
        check("-q --fail-on-exposure: exit 4, and the reason is the one line",
              lambda: r.rc == 4 and re.fullmatch(rb"pop3scope: \d+ login attempts sent a password in cleartext "
                                                 rb"\(--fail-on-exposure\)\n", r.stderr), r.diag)
        r = run(["--progress", "-i", "lo"], tty=False)
        check("--progress with -i: refused before capture, exit 1",
              lambda: r.rc == 1 and b"--progress applies to reading files" in r.stderr, r.diag)
    return report()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
