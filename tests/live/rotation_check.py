# Run by tests/live/rotation.sh (see the comment at its top).
"""Hold pop3scope's events of a tcpdump -C rotation against the events of the
same traffic captured whole, and each session's counters against what the
clients fetched. Prints TAP.

  rotation_check.py WORK

WORK holds: glob.json (pop3scope --json on the rotated files in glob order),
whole.json (on the unrotated capture), whole.pcap, rot/cap* (the rotated
files), clients.json (one JSON line per client, see rotation.sh)."""
import datetime, json, os, re, struct, sys

from tap_checks import check, report

work = sys.argv[1]
# The evidence keys that name a file or count frames in one: a rotated
# capture and the whole one number the same packet differently.
EVIDENCE = ("capture_file", "reply_file", "command_frame", "reply_frame", "end_file")


def events(name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def stripped(evs):
    out = []
    for ev in evs:
        ev = dict(ev)
        for k in EVIDENCE:
            ev.pop(k, None)
        out.append(json.dumps(ev, sort_keys=True))
    return out


def pcap_client_ports(path):
    """The client ports (the side that is not 110) of the TCP packets of a
    classic pcap on lo (DLT_EN10MB or DLT_NULL), in file order."""
    ports = []
    with open(path, "rb") as f:
        head = f.read(24)
        magic = head[:4]
        endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        link_len = {1: 14, 0: 4}[linktype]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack(endian + "IIII", rec)[2]
            data = f.read(incl)
            ip = data[link_len:]
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            sport, dport = struct.unpack(">HH", tcp[:4])
            ports.append(sport if dport == 110 else dport)
    return ports


glob_events = events("glob.json")
whole_events = events("whole.json")
clients = [json.loads(line) for line in open(os.path.join(work, "clients.json"), encoding="utf-8")]
sessions = [e for e in glob_events if e.get("event") == "session"]
rotated = sorted((f for f in os.listdir(os.path.join(work, "rot")) if f.startswith("cap")),
                 key=lambda f: int(f[3:] or 0))

# --- (2) the rotated files tell what the whole capture tells. Two tcpdumps
# stamp the same packet each on its own (a few microseconds apart on lo), so
# against the whole capture times agree within TS_SLACK; against the rotated
# files joined end to end (joined.json: mergecap -a in time order, the same
# packets and stamps) everything but the evidence keys is byte-identical.
TS_SLACK = 0.05
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
slack_seen = [0.0]


def seconds(text):
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S" + (".%f" if "." in text else "")) \
        .replace(tzinfo=datetime.timezone.utc).timestamp()


def same_but_time(x, y):
    if isinstance(x, str) and isinstance(y, str) and TS.match(x) and TS.match(y):
        d = abs(seconds(x) - seconds(y))
        slack_seen[0] = max(slack_seen[0], d)
        return d <= TS_SLACK
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same_but_time(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(same_but_time(u, v) for u, v in zip(x, y))
    return x == y


a, b, j = stripped(glob_events), stripped(whole_events), stripped(events("joined.json"))
check(f"the rotated files give the events of the same files joined in time order, evidence keys aside "
      f"({len(a)} events)", lambda: a == j and len(a) > 0,
      lambda: "\n".join(f"rotated: {x}\njoined:  {y}" for x, y in zip(a, j) if x != y)[:3000])
check(f"the rotated files give the whole capture's events, evidence keys aside, times within {TS_SLACK} s",
      lambda: len(a) == len(b) and len(a) > 0
      and all(same_but_time(json.loads(x), json.loads(y)) for x, y in zip(a, b)),
      lambda: "\n".join(f"rotated: {x}\nwhole:   {y}" for x, y in zip(a, b) if x != y)[:3000])
print(f"# the two tcpdumps' stamps of the same packets differ by up to {slack_seen[0] * 1e6:.0f} us")
check("the evidence keys are the only difference: both have the same event types in the same order",
      lambda: [e["event"] for e in glob_events] == [e["event"] for e in whole_events])
check("an auth event names a rotated file (capture_file), not the whole capture",
      lambda: any(str(e.get("capture_file", "")).split("/")[-1] in rotated
                  for e in glob_events if e.get("event") == "auth"))

# --- a session crosses a file boundary: its packets lie in two files
where = {}
for i, name in enumerate(rotated):
    for port in pcap_client_ports(os.path.join(work, "rot", name)):
        where.setdefault(port, set()).add(i)
crossing = sorted(p for p, files in where.items() if len(files) > 1)
check(f"sessions cross file boundaries (client ports {crossing[:6]})", lambda: len(crossing) >= 3)
check("the rotated files hold the same packets as the whole capture",
      lambda: sorted(p for name in rotated for p in pcap_client_ports(os.path.join(work, "rot", name)))
      == sorted(pcap_client_ports(os.path.join(work, "whole.pcap"))))

# --- (4) each session's counters equal what its client fetched
def session_of(c):
    if c.get("port"):
        found = [s for s in sessions if s.get("src_port") == c["port"]]
    else:  # mpop does not say its port: its user has one session only
        found = [s for s in sessions if s.get("user") == c["user"]]
    return found[0] if len(found) == 1 else None


check("one session event per client connection, and no others",
      lambda: len(sessions) == len(clients) and all(session_of(c) for c in clients))
for c in clients:
    label = f"{c['client']} {c['user']}" + (f" port {c['port']}" if c.get("port") else "")
    if c.get("login") == "failed":
        check(f"{label}: a failed login by {c['user']}, nothing retrieved (auth_failures >= 1, retr_count 0)",
              lambda c=c: (session_of(c)["auth_failures"] >= 1 and session_of(c)["retr_count"] == 0
                           and [(e["user"], e["outcome"]) for e in glob_events
                                if e.get("event") == "auth" and e.get("src_port") == c["port"]][-1]
                           == (c["user"], "failure")),
              lambda c=c: session_of(c))
        continue
    want = (len(c["retr"]), sum(c["retr"]))
    check(f"{label}: retr_count {want[0]}, retr_octets {want[1]} as the client received",
          lambda c=c, want=want: (session_of(c)["retr_count"], session_of(c)["retr_octets"]) == want
          and session_of(c)["user"] == c["user"] and session_of(c)["auth_failures"] == 0,
          lambda c=c: session_of(c))
    if c.get("announced"):
        check(f"{label}: the client's bytes are the sizes the server announced",
              lambda c=c: c["announced"] == c["retr"])
    if c.get("stat"):
        check(f"{label}: maildrop as STAT said ({c['stat'][0]} messages, {c['stat'][1]} octets)",
              lambda c=c: [session_of(c)["maildrop_messages"], session_of(c)["maildrop_octets"]] == c["stat"])

sys.exit(1 if report() else 0)
