#!/usr/bin/env python3
"""Damaged-capture checks for tests/hostile/degrade.sh (TAP on stdout).

Every capture given is damaged by tests/lib/tools/pcap-degrade in each mode, and
pop3scope's auth and session events for the damaged copy are compared with
those for the original. The rules are README "Damaged and partial captures";
each check below names the rule it enforces.

  degrade_check.py --pop3scope BIN --degrade BIN --work DIR [--jobs N] CAPTURE...
"""
import argparse
import concurrent.futures
import copy
import datetime
import json
import os
import re
import struct
import subprocess
import sys
import traceback

# nDPI looks at single packets, before reassembly: re-cut or duplicated
# packets change which risks it raises and, for some flows, the name it
# gives. Not compared here (README "Damaged and partial captures").
NDPI_FIELDS = ("ndpi_risks", "app_proto")
# Evidence names the file and Wireshark's frame numbers in it: a degraded
# copy is another file with other frames by construction (what the numbers
# must be is tests/cli/evidence_tshark.py's job), so the rules compare the
# analysis without them.
EVIDENCE_FIELDS = ("capture_file", "command_frame", "reply_frame", "reply_file", "end_file")
POP3_PORTS = (110, 995)

# Damage the tracker (src/pop3.c) does not survive yet: each is reported as
# a TAP TODO (an expected failure), so the suite stays green while the bug
# is open and fails with XPASS the day it is fixed -- then delete the line.
# Key: (capture, "drop", payload of the dropped segment) or (capture,
# "one-direction", side kept).
KNOWN_TRACKER_BUGS = {}
FIN = 0x01
SYN = 0x02
RST = 0x04
ACK = 0x10
MOD = 1 << 32


def seconds(text):
    """'2026-11-26T05:29:47.378767Z' -> microseconds since the epoch."""
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000000 + t.microsecond


class Segment:
    def __init__(self, fields):
        self.index = None if fields[0] == "-" else int(fields[0])
        self.record = int(fields[1])
        sec, usec = fields[2].split(".")
        self.ts = int(sec) * 1000000 + int(usec)
        self.flow = int(fields[3])
        self.side = fields[4]
        self.src, self.sport, self.dst, self.dport = fields[5], int(fields[6]), fields[7], int(fields[8])
        self.seq, self.ack, self.offset = int(fields[9]), int(fields[10]), int(fields[11])
        self.wire, self.captured, self.flags = int(fields[12]), int(fields[13]), int(fields[14], 16)
        self.payload = bytes.fromhex(fields[15]) if len(fields) > 15 else b""

    def key(self):
        """(client ip, client port, server ip, server port), as pop3scope names the flow."""
        if self.side == "client":
            return (self.src, self.sport, self.dst, self.dport)
        return (self.dst, self.dport, self.src, self.sport)


def seq_after_or_equal(a, b):
    return (a - b) % MOD < (1 << 31)


class Coverage:
    """Disjoint [start, end) ranges of one side, each marked delivered or
    missing by the first segment that covered it."""

    def __init__(self):
        self.ranges = []  # (start, end, delivered), sorted

    def add(self, start, end, delivered):
        """Covers what is not covered yet in [start, end)."""
        pos = start
        fresh = []
        for a, b, _ in self.ranges:
            if b <= pos or a >= end:
                continue
            if a > pos:
                fresh.append((pos, a, delivered))
            pos = max(pos, b)
        if pos < end:
            fresh.append((pos, end, delivered))
        self.ranges = sorted(self.ranges + fresh)

    def count(self, delivered, limit=None):
        return sum(min(b, limit if limit is not None else b) - a for a, b, d in self.ranges
                   if d == delivered and (limit is None or a < limit))

    def covered(self, limit):
        return sum(min(b, limit) - a for a, b, _ in self.ranges if a < limit)


class ByteModel:
    """What pop3scope must make of one connection's segments, computed
    independently of it: per side, which bytes reach the tracker and which
    are reported missing. The first segment to cover a byte decides
    (retransmissions add nothing; a snaplen cut makes its bytes missing);
    bytes never seen are missing up to the furthest point the capture proves
    was sent: a later segment, the FIN, or an ACK from the peer (which
    counts a lost FIN as one byte). Bytes after the switch to TLS are only
    counted: all of them, never missing. Nothing counts after the connection
    closed (RST, or both FINs and the ACK of the last one)."""

    def __init__(self, segments, tls_from):
        state = {side: {"base": None, "fin": None, "reach": None, "cover": Coverage()} for side in ("client", "server")}
        closed = [False]
        for s in segments:
            if self.late(s, state, closed):
                break
            mine, peer = state[s.side], state["server" if s.side == "client" else "client"]
            start = s.seq + (1 if s.flags & SYN else 0)
            if mine["base"] is None:
                mine["base"] = start % MOD
            counted = tls_from is not None and s.record >= tls_from
            off = (start - mine["base"]) % MOD
            if s.wire > 0 and not s.flags & RST and off < (1 << 30):
                keep = s.wire if counted else s.captured
                mine["cover"].add(off, off + keep, True)
                mine["cover"].add(off + keep, off + s.wire, False)
                if not counted:
                    self.reach(mine, off + s.wire)
            if s.flags & FIN and mine["fin"] is None and off < (1 << 30):
                mine["fin"] = off + s.wire
                if not counted:
                    self.reach(mine, mine["fin"])
            if s.flags & ACK and not counted and peer["base"] is not None:
                acked = (s.ack - peer["base"]) % MOD
                if acked < (1 << 30):
                    self.reach(peer, acked if peer["fin"] is None else min(acked, peer["fin"]))
        self.delivered = {side: st["cover"].count(True) for side, st in state.items()}
        self.gap = 0
        for st in state.values():
            if st["reach"] is not None:
                self.gap += st["reach"] - st["cover"].count(True, st["reach"])

    @staticmethod
    def reach(st, off):
        if st["reach"] is None or off > st["reach"]:
            st["reach"] = off

    @staticmethod
    def late(s, state, closed):
        """True once the connection is over: this segment is a late one."""
        if closed[0]:
            return True
        if s.flags & RST:
            closed[0] = True
            return False
        c, v = state["client"], state["server"]
        if c["fin"] is not None and v["fin"] is not None and s.wire == 0 and s.flags & (SYN | FIN) == 0:
            peer = v if s.side == "client" else c
            if peer["base"] is not None and (s.ack - peer["base"]) % MOD >= peer["fin"] + 1:
                closed[0] = True
        return False


class Checker:
    def __init__(self, args):
        self.pop3scope = args.pop3scope
        self.degrade = args.degrade
        self.work = args.work
        self.count = 0
        self.failed = 0
        self.serial = 0
        self.drop_max = args.drop_max

    # ------------------------------------------------------------ plumbing

    def tap(self, ok, text, diag=(), todo=None):
        self.count += 1
        if not ok and todo is None:
            self.failed += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.count, text,
                                " # TODO tracker: " + todo if todo is not None else ""))
        for line in list(diag)[:25]:
            print("# " + str(line)[:400])
        sys.stdout.flush()

    def tmp(self, name):
        self.serial += 1
        return os.path.join(self.work, "%d-%s" % (self.serial, name))

    def events(self, pcap, ndpi=True):
        cmd = [self.pop3scope, "--json", "--show-passwords"] + ([] if ndpi else ["--no-ndpi"]) + [pcap]
        out = subprocess.run(cmd, capture_output=True, check=False)
        if out.returncode != 0:
            raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), out.returncode, out.stderr.decode()[:300]))
        evs = []
        for line in out.stdout.splitlines():
            ev = json.loads(line)
            if ev["event"] in ("auth", "session"):
                for f in NDPI_FIELDS + EVIDENCE_FIELDS:
                    ev.pop(f, None)
                evs.append(ev)
        return evs

    def damage(self, pcap, mode, seed=1):
        out = self.tmp(os.path.basename(pcap) + ".pcap")
        cmd = [self.degrade, "--seed", str(seed)] + mode + [pcap, out]
        res = subprocess.run(cmd, capture_output=True, check=False)
        if res.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(cmd), res.stderr.decode()[:300]))
        return out

    def listing(self, pcap):
        res = subprocess.run([self.degrade, "list", pcap, "-"], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            return None  # a link type pcap-degrade does not parse
        return [Segment(line.split("\t")) for line in res.stdout.splitlines() if not line.startswith("#")]


def forget_verdict_maildrop(want, damaged, key, ev):
    """Some servers tell the maildrop size in the verdict itself (RFC 1939
    §7 example: "+OK maildrop has 2 messages (320 octets)"); with that
    verdict lost or cut, only a later STAT can tell it."""
    for w, d in zip(want, damaged):
        if w["event"] == "session" and flow_key(w) == key and d.get("maildrop_messages") is None \
                and "octets" in (ev.get("response") or ""):
            w.update(maildrop_messages=None, maildrop_octets=None)


def flow_key(ev):
    return (ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])


def by_flow(events):
    flows = {}
    for ev in events:
        flows.setdefault(flow_key(ev), []).append(ev)
    return flows


def diff(a, b, ignore=()):
    """Readable differences between two event lists."""
    out = []
    if len(a) != len(b):
        out.append("event count %d != %d" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        keys = sorted(set(x) | set(y))
        d = [(k, x.get(k), y.get(k)) for k in keys if k not in ignore and x.get(k) != y.get(k)]
        if d:
            out.append("event %d (%s flow %s): %s" % (i, x.get("event"), x.get("flow_id"), d))
    return out


def sessions(events):
    return [e for e in events if e["event"] == "session"]


def auths(events):
    return [e for e in events if e["event"] == "auth"]


# ---------------------------------------------------------------- rules

def never_invented(clean, damaged, cut=False):
    """Rule "never invent": each damaged auth event is a clean one, in order,
    with some fields possibly unknown (null) and the outcome possibly
    unknown, never a different user, secret or verdict. With `cut` (a
    snaplen), a field may be the start of the clean one: what was visible."""
    problems = []
    pos = 0
    for d in damaged:
        match = next((i for i in range(pos, len(clean)) if same_attempt(clean[i], d, cut)), None)
        if match is None:
            problems.append("auth event not in the clean capture: %s" % d)
        else:
            pos = match + 1
    return problems


def same_value(c, d, cut):
    """d is c, unknown, or (cut) the visible start of c."""
    if d is None or d == c:
        return True
    return cut and isinstance(c, str) and isinstance(d, str) and c.startswith(d)


def same_attempt(c, d, cut=False):
    if c["method"] != d["method"]:
        return False
    for f in ("user", "password", "authzid", "realm"):
        if not same_value(c.get(f), d.get(f), cut):
            return False
    # Without the client's "*" (RFC 5034 §4), the server's -ERR is all
    # there is to see: an aborted exchange may read as a failure.
    if d["outcome"] not in ("unknown", c["outcome"]) and (c["outcome"], d["outcome"]) != ("aborted", "failure"):
        return False
    if d["outcome"] == c["outcome"] and d["outcome"] not in ("unknown", "aborted"):
        if cut:  # a cut verdict: its text and code as far as they were visible
            return same_value(c.get("response"), d.get("response"), True) \
                and d.get("resp_code") in (None, c.get("resp_code")) \
                and d.get("credentials_valid") in (None, c.get("credentials_valid"))
        return d.get("response") == c.get("response") and d.get("resp_code") == c.get("resp_code")
    return True


def announced_body(server):
    """(size "+OK N octets" announced, un-stuffed octets that followed up to
    the terminator) from the server segments of a RETR reply, or None."""
    data = b"".join(s.payload for s in server)
    # Pipelined replies may share the segment: the RETR's is the first
    # status line that announces a size.
    m = re.search(rb"(?:^|\r\n)\+OK (\d+) octets[^\r\n]*\r\n", data)
    if m is None:
        return None
    rest = data[m.end():]
    end = (b"\r\n" + rest).find(b"\r\n.\r\n")
    if end < 0:
        return None
    body = rest[:end]  # up to the CRLF before ".\r\n" (end counts the CRLF put in front)
    return int(m.group(1)), len(body) - body.count(b"\r\n..") - (1 if body.startswith(b"..") else 0)


def cut_record(src, dst, record, keep):
    """Copies a little-endian microsecond pcap, record `record` (1-based, as
    pcap-degrade list numbers them)
    cut to its first `keep` bytes (caplen; the wire length stays), as a
    snaplen would cut it. False for another kind of file."""
    with open(src, "rb") as f:
        data = f.read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        return False
    out, pos, n = [data[:24]], 24, 0
    while pos + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + caplen]
        if n + 1 == record:
            frame = frame[:keep]
        out.append(struct.pack("<IIII", sec, usec, len(frame), wirelen) + frame)
        pos += 16 + caplen
        n += 1
    with open(dst, "wb") as f:
        f.write(b"".join(out))
    return True


def bytes_field(side):
    return "client_bytes" if side == "client" else "server_bytes"


def other_side(side):
    return "server" if side == "client" else "client"


# ---------------------------------------------------------------- capture

class Capture:
    def __init__(self, checker, path):
        self.c = checker
        self.path = path
        self.name = os.path.basename(path)
        self.clean_fast = checker.events(path, ndpi=False)
        self.segments = checker.listing(path)

    def flow_segments(self, key):
        return [s for s in self.segments if s.key() == key]

    # -- rule: identical ------------------------------------------------

    def identical(self, mode, seed, what, ndpi=False):
        damaged = self.c.events(self.c.damage(self.path, mode, seed), ndpi=ndpi)
        problems = diff(self.clean_fast, damaged)
        self.c.tap(not problems, "%s: %s gives the same auth and session events" % (self.name, what), problems)

    def identical_without_handshake(self):
        """Rule: dropping the handshake changes only ts_start (the first
        packet is later) and renumbers flow_id when connections that were
        only a handshake disappear (order kept)."""
        damaged = self.c.events(self.c.damage(self.path, ["drop-handshake"]), ndpi=False)
        problems = diff(self.clean_fast, damaged, ignore=("ts_start", "flow_id"))
        pairs = {}
        for a, b in zip(self.clean_fast, damaged):
            if pairs.setdefault(a["flow_id"], b["flow_id"]) != b["flow_id"]:
                problems.append("flow %s maps to two flow ids" % a["flow_id"])
        mapped = [pairs[k] for k in sorted(pairs)]
        if mapped != sorted(mapped) or len(set(mapped)) != len(mapped):
            problems.append("flow ids not renumbered in order: %s" % pairs)
        for a, b in zip(sessions(self.clean_fast), sessions(damaged)):
            if seconds(b["ts_start"]) < seconds(a["ts_start"]):
                problems.append("ts_start earlier than the handshake: %s" % b["ts_start"])
        self.c.tap(not problems, "%s: drop-handshake gives the same events but ts_start and flow_id numbering"
                   % self.name, problems)

    # -- rule: one segment dropped ---------------------------------------

    def model(self, segments, key):
        return ByteModel([s for s in segments if s.key() == key], self.tls_part(key, segments))

    def bytes_expected(self, key, clean_session, damaged_segments):
        """client_bytes, server_bytes, gap_bytes the damaged run must give:
        the clean values moved by what the byte model says changed."""
        before = self.model(self.segments, key)
        after = self.model(damaged_segments, key)
        return {"client_bytes": clean_session["client_bytes"] + after.delivered["client"] - before.delivered["client"],
                "server_bytes": clean_session["server_bytes"] + after.delivered["server"] - before.delivered["server"],
                "gap_bytes": clean_session["gap_bytes"] + after.gap - before.gap}

    def model_agrees(self):
        """The byte model (the oracle of the drop and snaplen checks) gives
        pop3scope's own numbers on the clean capture."""
        problems = []
        for key, evs in by_flow(self.clean_fast).items():
            if len(sessions(evs)) != 1:
                continue
            m = self.model(self.segments, key)
            got = sessions(evs)[0]
            want = {"client_bytes": m.delivered["client"], "server_bytes": m.delivered["server"], "gap_bytes": m.gap}
            for f, v in want.items():
                if got[f] != v:
                    problems.append("%s: %s %d, model %d" % (key, f, got[f], v))
        self.c.tap(not problems, "%s: byte counts and gaps as the independent byte model computes them"
                   % self.name, problems)

    def tls_part(self, key, segments=None):
        """Record number from which the flow is only counted (TLS), or None."""
        clean = [e for e in sessions(self.clean_fast) if flow_key(e) == key]
        if not clean:
            return None
        if clean[0]["tls"] == "implicit":
            return 0
        if clean[0]["tls"] != "stls":
            return None
        stls_sent = False
        for s in segments if segments is not None else self.flow_segments(key):
            if s.key() != key:
                continue
            if s.side == "client" and s.payload.upper().startswith(b"STLS"):
                stls_sent = True
            elif stls_sent and s.side == "server" and s.wire > 0:
                return s.record + 1 if s.payload.startswith(b"+OK") else None
        return None

    def check_drop(self, seg, damaged):
        key = seg.key()
        clean_flows = by_flow(self.clean_fast)
        damaged_flows = by_flow(damaged)
        problems = []
        for k in set(clean_flows) | set(damaged_flows):
            if k != key and clean_flows.get(k) != damaged_flows.get(k):
                problems += ["other flow %s changed:" % (k,)] + diff(clean_flows.get(k, []), damaged_flows.get(k, []))
        clean, got = clean_flows.get(key, []), damaged_flows.get(key, [])
        if not sessions(clean):
            if got:
                problems.append("events for a flow that had none: %s" % got)
            return problems
        if not sessions(got):
            # Rule: on another port, POP3 is recognised from the greeting and
            # the first command (README); losing one of them loses the flow.
            firsts = [s for s in self.flow_segments(key) if s.wire > 0]
            first_of_side = [s for s in firsts if s.side == seg.side][:1]
            if key[3] in POP3_PORTS or seg not in first_of_side:
                problems.append("the session disappeared")
            return problems
        # Rule: what was reported before the damaged packet stays as it was.
        before = [e for e in auths(clean) if seconds(e["ts"]) < seg.ts]
        if auths(got)[:len(before)] != before:
            problems.append("auth events before the drop changed")
        problems += never_invented(auths(clean), auths(got))
        if len(sessions(clean)) == 1 and len(sessions(got)) == 1:
            cs, ds = sessions(clean)[0], sessions(got)[0]
            want = self.bytes_expected(key, cs, [s for s in self.segments if s is not seg])
            for f, v in want.items():
                if ds[f] != v:
                    problems.append("%s %d, want %d" % (f, ds[f], v))
            if ds["gap_bytes"] > cs["gap_bytes"] and "gap" not in ds["anomalies"]:
                problems.append("no gap anomaly")
        return problems

    def drop_each(self, pool):
        """Every payload segment dropped in turn; in a long capture, an even
        spread of --drop-max of them, so the suite stays fast."""
        targets = [s for s in self.segments if s.index is not None]
        most = self.c.drop_max
        if len(targets) > most:
            targets = [targets[i * len(targets) // most] for i in range(most)]

        def one(seg):
            return seg, self.c.events(self.c.damage(self.path, ["drop", "--index", str(seg.index)]), ndpi=False)

        problems = []
        for seg, damaged in pool.map(one, targets):
            p = self.check_drop(seg, damaged)
            todo = KNOWN_TRACKER_BUGS.get((self.name, "drop", seg.payload))
            if todo is not None:
                self.c.tap(not p, "%s: drop %r: nothing invented" % (self.name, seg.payload[:30]), p, todo)
            elif p:
                problems += ["drop --index %d (%s, %d bytes, %r):" % (seg.index, seg.side, seg.wire,
                                                                      seg.payload[:30])] + p
        self.c.tap(not problems, "%s: %d payload segments dropped in turn: nothing invented, nothing else "
                   "changed, gap_bytes and byte counts exact" % (self.name, len(targets)), problems)

    # -- rule: the verdict's segment dropped ------------------------------

    def verdict_segments(self):
        """(auth event, its verdict's segment) when that segment holds exactly
        the verdict line: a status line and nothing else."""
        found = []
        for ev in auths(self.clean_fast):
            if ev["outcome"] not in ("success", "failure"):
                continue
            key = flow_key(ev)
            for s in self.flow_segments(key):
                if s.side == "server" and s.ts == seconds(ev["ts"]) and s.wire > 0:
                    line = s.payload
                    if line.endswith(b"\r\n") and line.count(b"\n") == 1 and line[:1] in (b"+", b"-") \
                            and len(line) == s.wire:
                        found.append((ev, s))
                    break
        return found

    def verdict_lost(self, ev, seg):
        """Rule "lost verdict": the attempt is reported with outcome unknown
        and no response; the session loses exactly that login's result; every
        other field and every other event is unchanged."""
        damaged = self.c.events(self.c.damage(self.path, ["drop", "--index", str(seg.index)]), ndpi=False)
        want = []
        key = flow_key(ev)
        for e in self.clean_fast:
            e = dict(e)
            if e["event"] == "auth" and e == ev:
                e.update(outcome="unknown", response=None, resp_code=None, credentials_valid=None)
            elif e["event"] == "session" and flow_key(e) == key:
                e["gap_bytes"] += seg.wire
                e["server_bytes"] -= seg.wire
                if "gap" not in e["anomalies"]:
                    e["anomalies"] = e["anomalies"] + ["gap"]
                if ev["outcome"] == "success" and e["auth_method"] == ev["method"] and e["user"] == ev["user"]:
                    e.update(user=None, auth_method=None)
                if ev["outcome"] == "failure":
                    e["auth_failures"] -= 1
            want.append(e)
        forget_verdict_maildrop(want, damaged, key, ev)
        # Compared flow by flow: the unknown attempt is reported when the loss
        # is settled (the client's next bytes, or the end), which may come
        # after other connections' events.
        problems = []
        want_flows, got_flows = by_flow(want), by_flow(damaged)
        for k in sorted(set(want_flows) | set(got_flows)):
            w_list, d_list = want_flows.get(k, []), got_flows.get(k, [])
            problems += diff(w_list, d_list, ignore=("ts", "anomalies"))
            for w, d in zip(w_list, d_list):
                if w["event"] == "auth" and d["event"] == "auth" and w.get("ts") != d.get("ts"):
                    if w.get("outcome") != "unknown" or seconds(d["ts"]) < seg.ts:
                        problems.append("auth ts %s -> %s" % (w["ts"], d["ts"]))
                if w["event"] == "session" and d["event"] == "session" and \
                        sorted(w["anomalies"]) != sorted(d["anomalies"]):
                    problems.append("anomalies %s, want %s" % (d["anomalies"], w["anomalies"]))
        self.c.tap(not problems, "%s: verdict %r of attempt %d lost: outcome unknown, everything else as documented"
                   % (self.name, seg.payload.strip()[:40].decode("latin-1"), ev["attempt"]), problems)

    def verdict_cut(self, ev, seg):
        """Rule "cut verdict": the segment holding exactly a verdict cut by a
        snaplen to its first 2 payload bytes ("+O" or "-E"): the attempt
        keeps its outcome, with response and resp_code null and
        credentials_valid true on success, null on failure (the place of a
        response code was not seen); the session loses only the cut bytes
        (gap, truncated_packet) and a maildrop size that verdict alone gave;
        every other field and event is unchanged."""
        out = self.c.tmp(os.path.basename(self.path) + ".cut.pcap")
        if not cut_record(self.path, out, seg.record, seg.offset + 2):
            return
        damaged = self.c.events(out, ndpi=False)
        key, cut = flow_key(ev), seg.wire - 2
        want = []
        for e in self.clean_fast:
            e = dict(e)
            if e["event"] == "auth" and e == ev:
                e.update(response=None, resp_code=None,
                         credentials_valid=True if ev["outcome"] == "success" else None)
            elif e["event"] == "session" and flow_key(e) == key:
                e["gap_bytes"] += cut
                e["server_bytes"] -= cut
                e["anomalies"] = sorted(set(e["anomalies"]) | {"gap", "truncated_packet"})
            want.append(e)
        forget_verdict_maildrop(want, damaged, key, ev)
        problems = []
        want_flows, got_flows = by_flow(want), by_flow(damaged)
        for k in sorted(set(want_flows) | set(got_flows)):
            w_list, d_list = want_flows.get(k, []), got_flows.get(k, [])
            problems += diff(w_list, d_list, ignore=("anomalies",))
            for w, d in zip(w_list, d_list):
                if w["event"] == "session" and d["event"] == "session" and \
                        sorted(w["anomalies"]) != sorted(d["anomalies"]):
                    problems.append("anomalies %s, want %s" % (d["anomalies"], w["anomalies"]))
        self.c.tap(not problems, "%s: verdict %r of attempt %d cut to %r: outcome kept, everything else as documented"
                   % (self.name, seg.payload.strip()[:40].decode("latin-1"), ev["attempt"],
                      seg.payload[:2].decode("latin-1")), problems)

    # -- rule: snaplen ----------------------------------------------------

    def snaplen(self, room):
        """Rule "snaplen": every cut byte is reported as a gap of its flow, the
        byte counts lose exactly the cut bytes (TLS: counted from the wire
        length, nothing lost), the flow gets truncated_packet, and logins
        reported before the first cut packet of their flow are unchanged;
        later ones never invented: a field may be only its visible start."""
        size = max(s.offset for s in self.segments) + room
        damaged = self.c.events(self.c.damage(self.path, ["snaplen", "--bytes", str(size)]), ndpi=False)
        clean_flows, damaged_flows = by_flow(self.clean_fast), by_flow(damaged)
        cut_segments = []
        for s in self.segments:
            c = copy.copy(s)
            c.captured = min(s.captured, max(0, size - s.offset))
            cut_segments.append(c)
        problems = []
        cut_any = sum(1 for a, b in zip(self.segments, cut_segments) if a.captured != b.captured)
        for key, clean in clean_flows.items():
            got = damaged_flows.get(key, [])
            cuts = [a.ts for a, b in zip(self.segments, cut_segments) if a.key() == key and a.captured != b.captured]
            first_cut = cuts[0] if cuts else None
            if not sessions(got) and key[3] not in POP3_PORTS and first_cut is not None:
                continue  # the probe on another port needs the greeting whole (README)
            before = [e for e in auths(clean) if first_cut is None or seconds(e["ts"]) < first_cut]
            if auths(got)[:len(before)] != before:
                problems.append("%s: auth events before the first cut changed" % (key,))
            problems += never_invented(auths(clean), auths(got), cut=True)
            if len(sessions(clean)) != 1 or len(sessions(got)) != 1:
                if len(sessions(clean)) != len(sessions(got)):
                    problems.append("%s: %d sessions, want %d" % (key, len(sessions(got)), len(sessions(clean))))
                continue
            cs, ds = sessions(clean)[0], sessions(got)[0]
            want = self.bytes_expected(key, cs, cut_segments)
            for f, v in want.items():
                if ds[f] != v:
                    problems.append("%s: %s %d, want %d" % (key, f, ds[f], v))
            if want["gap_bytes"] > cs["gap_bytes"] and not {"gap", "truncated_packet"} <= set(ds["anomalies"]):
                problems.append("%s: anomalies %s lack gap, truncated_packet" % (key, ds["anomalies"]))
        self.c.tap(not problems, "%s: snaplen %d (%d packets cut): cut bytes are gaps, earlier logins unchanged"
                   % (self.name, size, cut_any), problems)

    # -- rule: one direction ------------------------------------------------

    def one_direction(self, keep):
        damaged = self.c.events(self.c.damage(self.path, ["one-direction", "--keep", keep]), ndpi=False)
        clean_flows, damaged_flows = by_flow(self.clean_fast), by_flow(damaged)
        problems = []
        for key in set(damaged_flows) - set(clean_flows):
            problems.append("events for a flow without any in the clean capture: %s" % (key,))
        for key, clean in clean_flows.items():
            got = damaged_flows.get(key, [])
            if not sessions(got):
                if key[3] in POP3_PORTS:
                    problems.append("%s: no session" % (key,))
                continue  # other ports: the probe needs both sides (README)
            if keep == "client":
                problems += self.client_only(key, clean, got)
            elif sessions(clean)[-1]["tls"] == "implicit" and not sessions(got):
                continue
            else:
                problems += self.server_only(key, clean, got)
        self.c.tap(not problems, "%s: only the %s's packets: %s" % (self.name, keep, {
            "client": "every attempt with user, method, secret and exposure, outcome unknown",
            "server": "no attempt, the session with the server's banner and bytes"}[keep]), problems,
                   KNOWN_TRACKER_BUGS.get((self.name, "one-direction", keep)))

    @staticmethod
    def client_only(key, clean, got):
        """Rule "client only": every attempt is there, with what the client
        sent (method, user, authzid, secret, exposure) and outcome unknown."""
        problems = []
        ca, da = auths(clean), auths(got)
        if len(ca) != len(da):
            problems.append("%s: %d attempts, want %d" % (key, len(da), len(ca)))
        for c, d in zip(ca, da):
            for f in ("attempt", "method", "user", "authzid", "password", "exposure"):
                if c.get(f) != d.get(f):
                    problems.append("%s attempt %s: %s %r, want %r" % (key, c["attempt"], f, d.get(f), c.get(f)))
            for f in ("response", "resp_code", "credentials_valid"):
                if d.get(f) is not None:
                    problems.append("%s attempt %s: %s %r, want null" % (key, c["attempt"], f, d.get(f)))
            if d["outcome"] != "unknown":
                problems.append("%s attempt %s: outcome %s" % (key, c["attempt"], d["outcome"]))
        cs, ds = sessions(clean)[-1], sessions(got)[-1]
        want = {"client_bytes": cs["client_bytes"], "server_bytes": 0, "gap_bytes": 0, "banner": None,
                "auth_attempts": cs["auth_attempts"], "user": None}
        if cs["tls"] != "none":
            want.pop("auth_attempts")
        for f, v in want.items():
            if ds[f] != v:
                problems.append("%s session: %s %r, want %r" % (key, f, ds[f], v))
        return problems

    def server_only(self, key, clean, got):
        """Rule "server only": no attempt (a reply does not say which command
        it answers); the session has every server byte, nothing from the
        client, and as banner the text of the server's first line (which is
        the greeting, unless the capture lacked one)."""
        problems = []
        if auths(got):
            problems.append("%s: attempts from replies alone: %s" % (key, auths(got)))
        cs, ds = sessions(clean)[-1], sessions(got)[-1]
        want = {"server_bytes": cs["server_bytes"], "client_bytes": 0, "gap_bytes": 0, "auth_attempts": 0,
                "user": None, "commands": 0}
        if cs["tls"] == "implicit":
            want["tls"] = "implicit"
        else:
            first = next((s.payload for s in self.flow_segments(key) if s.side == "server" and s.wire > 0), b"")
            line = first.split(b"\n", 1)[0].rstrip(b"\r")
            if cs["banner"] is not None:
                want["banner"] = cs["banner"]
            elif line.startswith(b"+OK") and line[3:].lstrip(b" ").isascii():
                want["banner"] = line[3:].lstrip(b" ").decode("ascii")
        for f, v in want.items():
            if ds[f] != v:
                problems.append("%s session: %s %r, want %r" % (key, f, ds[f], v))
        return problems

    # -- rule: a gap inside a message body -------------------------------------

    def body_gap(self):
        """Rule "body gap": re-cut into segments of at most 200 bytes, then one
        segment from the middle of a RETR body dropped: the RETR is still
        counted, only body octets are lost, every login is unchanged."""
        recut = self.c.damage(self.path, ["resegment", "--mss", "200"], seed=7)
        base = self.c.events(recut, ndpi=False)
        segs = self.c.listing(recut)
        retr = [s for s in sessions(base) if s["retr_count"] > 0 and s["tls"] == "none"]
        if not retr:
            return
        key = flow_key(retr[0])
        server = [s for s in segs if s.key() == key and s.side == "server" and s.wire > 0]
        start = next((i for i, s in enumerate(server) if s.payload.startswith(b"+OK") and b"octets" in s.payload), None)
        if start is None:
            return
        body = []
        for s in server[start + 1:]:
            if b"\r\n.\r\n" in s.payload or s.payload.startswith(b".\r\n") or s.payload.startswith(b"+OK"):
                break
            body.append(s)
        if len(body) < 3:
            return
        seg = body[len(body) // 2]
        damaged = self.c.events(self.c.damage(recut, ["drop", "--index", str(seg.index)]), ndpi=False)
        problems = diff(auths(base), auths(damaged))
        b = [s for s in sessions(base) if flow_key(s) == key][0]
        d = [s for s in sessions(damaged) if flow_key(s) == key]
        if len(d) != 1:
            problems.append("sessions of the flow: %d" % len(d))
        else:
            d = d[0]
            problems += diff([b], [d], ignore=("gap_bytes", "server_bytes", "anomalies", "retr_octets"))
            if d["retr_count"] != b["retr_count"]:
                problems.append("retr_count %d, want %d" % (d["retr_count"], b["retr_count"]))
            if d["gap_bytes"] != b["gap_bytes"] + seg.wire or d["server_bytes"] != b["server_bytes"] - seg.wire:
                problems.append("gap_bytes %d server_bytes %d, want +-%d" % (d["gap_bytes"], d["server_bytes"],
                                                                              seg.wire))
            # Lost: the dropped bytes and the rest of the line they cut
            # (skipped to its LF); a dot-stuffed line among them counted
            # one octet less in the clean run. But a "+OK N octets" reply
            # announced the size: that is what the damaged body counts.
            low = b["retr_octets"] - seg.wire - 1000
            high = b["retr_octets"] - seg.wire + seg.payload.count(b"\n.")
            announced = announced_body(server[start:])
            if announced is not None:
                low = high = b["retr_octets"] - announced[1] + announced[0]
            if not low <= d["retr_octets"] <= high:
                problems.append("retr_octets %d outside [%d, %d]" % (d["retr_octets"], low, high))
            if sorted(set(d["anomalies"]) - {"gap"}) != sorted(set(b["anomalies"]) - {"gap"}):
                problems.append("anomalies %s, want %s + gap" % (d["anomalies"], b["anomalies"]))
        self.c.tap(not problems, "%s: a RETR body segment lost: retr_count kept, only body octets lost"
                   % self.name, problems)


def run_capture(checker, path, pool, seeds):
    cap = Capture(checker, path)
    if cap.segments is None:
        checker.tap(True, "%s # SKIP link type not parsed by pcap-degrade" % cap.name)
        return
    # The first run also feeds nDPI the re-cut packets: its fields are not
    # compared, but it must not change anything else.
    for mss, seed in ((1, seeds[0]), (7, seeds[1]), (100, seeds[2])):
        cap.identical(["resegment", "--mss", str(mss)], seed, "resegment --mss %d (seed %d)" % (mss, seed),
                      ndpi=mss == 1)
    for window, seed in ((3, seeds[0]), (8, seeds[1])):
        cap.identical(["reorder", "--window", str(window)], seed, "reorder --window %d (seed %d)" % (window, seed))
    cap.identical(["duplicate", "--every", "1"], 1, "duplicate --every 1")
    cap.identical(["duplicate", "--every", "3"], 1, "duplicate --every 3")
    cap.identical_without_handshake()
    cap.model_agrees()
    cap.drop_each(pool)
    for ev, seg in cap.verdict_segments():
        cap.verdict_lost(ev, seg)
        cap.verdict_cut(ev, seg)
    for room in (40, 160):
        cap.snaplen(room)
    cap.one_direction("client")
    cap.one_direction("server")
    cap.body_gap()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pop3scope", required=True)
    ap.add_argument("--degrade", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--drop-max", type=int, default=60, help="segments dropped in turn, at most, per capture")
    ap.add_argument("captures", nargs="+")
    args = ap.parse_args()
    checker = Checker(args)
    seeds = [int(x) for x in args.seeds.split(",")]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for path in args.captures:
            try:
                run_capture(checker, path, pool, seeds)
            except Exception as e:  # pylint: disable=broad-except
                # A crash of the checker is a failed check, not a lost run.
                checker.tap(False, "%s: the check itself failed: %r" % (os.path.basename(path), e),
                            traceback.format_exc().splitlines())
    print("1..%d" % checker.count)
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main())
