#!/usr/bin/env python3
"""Evidence on session and alert events (TAP, issue 16 item 3 part 4): in a
run over a rotated capture (editcap -c, as tcpdump -C cuts), each session
names the file of its connection's first packet (capture_file) and, only
when it differs, the file of its last (end_file); both are checked against
where tshark finds the connection's first and last frames. An alert names
the capture_file of the auth event that fired it. The same in --ecs
(log.file.path, pop3scope.end_file) and in the text alert line (file=),
with --threads 2, and a one-file run has no end_file at all.

Needs tshark and editcap (Debian package tshark)."""
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
from tap_checks import check, report  # noqa: E402  tests/lib/tap_checks.py

SAMPLE = os.path.join(SRCDIR, "samples", "wrong-password.pcap")  # a failed login, then a good one
ALERTS = ["--alerts", "--alert-guess-failures", "1"]


def run(args, cwd):
    """stdout of one run that must exit 0 (a sanitizer report fails it)."""
    r = subprocess.run([POP3SCOPE, *args], capture_output=True, text=True, cwd=cwd, check=False)
    if r.returncode != 0:
        raise SystemExit(f"Bail out! pop3scope {' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return r.stdout


def events(args, cwd):
    return [json.loads(line) for line in run(["--json", *args], cwd).splitlines()]


def ports_by_file(parts, cwd):
    """[(file, [client ports of each frame])] in reading order, from tshark."""
    out = []
    for name in parts:
        fields = subprocess.run(["tshark", "-n", "-r", name, "-T", "fields", "-e", "tcp.srcport", "-e",
                                 "tcp.dstport"], capture_output=True, text=True, check=True, cwd=cwd).stdout
        ports = []
        for line in fields.splitlines():
            src, _, dst = line.partition("\t")
            ports.append(int(dst) if int(src) == 110 else int(src))
        out.append((name, ports))
    return out


def first_last_file(files, port):
    seen = [name for name, ports in files if port in ports]
    return seen[0], seen[-1]


def main():
    for tool in ("tshark", "editcap"):
        if shutil.which(tool) is None:
            print(f"1..0 # SKIP {tool} not installed (see .ci/debian-packages)")
            return 0
    work = tempfile.mkdtemp()
    try:
        return checks(work)
    finally:
        shutil.rmtree(work)


def checks(work):
    subprocess.run(["editcap", "-c", "12", SAMPLE, os.path.join(work, "part.pcap")], check=True)
    parts = sorted(f for f in os.listdir(work) if f.startswith("part_"))
    evs = events([*ALERTS, *parts], work)
    sessions = [e for e in evs if e["event"] == "session"]
    auth = {e["flow_id"]: e for e in evs if e["event"] == "auth"}
    alerts = [e for e in evs if e["event"] == "alert"]
    files = ports_by_file(parts, work)

    check(f"the sample cut in {len(parts)} files gives 2 sessions, each crossing a file boundary",
          lambda: len(parts) == 3 and len(sessions) == 2, lambda: "\n".join(map(json.dumps, sessions)))
    check("session 1 starts in file 1 and ends in file 2: capture_file, end_file",
          lambda: sessions[0]["capture_file"] == parts[0] and sessions[0]["end_file"] == parts[1],
          lambda: json.dumps(sessions[0]))
    check("session 2 starts in file 2 and ends in file 3",
          lambda: sessions[1]["capture_file"] == parts[1] and sessions[1]["end_file"] == parts[2],
          lambda: json.dumps(sessions[1]))
    check("tshark finds each session's first frame in capture_file and its last in end_file",
          lambda: all(first_last_file(files, s["src_port"]) == (s["capture_file"], s["end_file"])
                      for s in sessions), lambda: repr(files))
    check("two alerts (cleartext on the failed login, guessed_password on the good one)",
          lambda: sorted(a["kind"] for a in alerts) == ["cleartext_credentials", "guessed_password"],
          lambda: "\n".join(map(json.dumps, alerts)))
    check("each alert names the capture_file of the auth event that fired it",
          lambda: all(a["capture_file"] == auth[a["flow_id"]]["capture_file"] for a in alerts) and
          {a["capture_file"] for a in alerts} == {parts[0], parts[1]}, lambda: "\n".join(map(json.dumps, alerts)))

    ecs = [json.loads(line) for line in run(["--ecs", *ALERTS, *parts], work).splitlines()]
    ecs_sessions = [e for e in ecs if e["event"].get("dataset") == "pop3scope.session"]
    ecs_alerts = [e for e in ecs if e["event"].get("dataset") == "pop3scope.alert"]
    check("--ecs: sessions carry log.file.path and pop3scope.end_file",
          lambda: [(e["log"]["file"]["path"], e["pop3scope"]["end_file"]) for e in ecs_sessions] ==
          [(s["capture_file"], s["end_file"]) for s in sessions], lambda: "\n".join(map(json.dumps, ecs_sessions)))
    check("--ecs: alerts carry log.file.path",
          lambda: [e["log"]["file"]["path"] for e in ecs_alerts] == [a["capture_file"] for a in alerts],
          lambda: "\n".join(map(json.dumps, ecs_alerts)))

    text = [line for line in run([*ALERTS, *parts], work).splitlines() if line.startswith("ALERT ")]
    check("text: each ALERT line ends with file= and the alert's file",
          lambda: len(text) == 2 and all(line.endswith(f" file={a['capture_file']}") for line, a in zip(text, alerts)),
          lambda: "\n".join(text))

    check("--threads 2: the same events", lambda: events(["--threads", "2", *ALERTS, *parts], work) == evs)

    whole = events([*ALERTS, SAMPLE], work)
    check("one file: every session and alert names it, no session has end_file",
          lambda: all(e["capture_file"] == SAMPLE and "end_file" not in e for e in whole
                      if e["event"] in ("session", "alert")) and
          sum(e["event"] == "session" for e in whole) == 2, lambda: "\n".join(map(json.dumps, whole)))
    return report()


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
