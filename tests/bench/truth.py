#!/usr/bin/env python3
"""Compare pop3scope's JSON lines with pop3gen's ground truth.

    truth.py TRUTH.jsonl POP3SCOPE.jsonl [--max-diffs N] [--coverage]

Events are matched by connection (client and server address and port) and,
for auth events, by attempt number. Every field the truth holds must equal
pop3scope's; fields the truth does not name (timestamps, flow ids, fields
other work may add) are not compared. An event on one side only is an
error both ways: a missed login and an invented one count the same.

Exit status 0 when everything matches, 1 otherwise. --coverage also prints
what the truth exercised (methods, outcomes, TLS, IPv6...) as JSON on the
last line, so a test can insist the generator produced a varied capture.
"""
import argparse
import ipaddress
import json
import sys
from collections import Counter


def norm_ip(text):
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text


def key_of(ev):
    flow = (norm_ip(ev["src_ip"]), ev["src_port"], norm_ip(ev["dest_ip"]), ev["dest_port"])
    if ev["event"] == "auth":
        return ("auth",) + flow + (ev["attempt"],)
    return ("session",) + flow


def load(path, only_known_events):
    events = {}
    dups = 0
    with open(path, "rb") as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event") not in ("auth", "session"):
                if only_known_events:
                    continue
                raise ValueError(f"{path}: unexpected event {ev.get('event')!r}")
            k = key_of(ev)
            if k in events:
                dups += 1
            events[k] = ev
    return events, dups


def coverage(truth):
    c = Counter()
    for ev in truth.values():
        if ev["event"] == "auth":
            c["auth"] += 1
            c["method:" + ev["method"]] += 1
            c["outcome:" + ev["outcome"]] += 1
            c["exposure:" + ev["exposure"]] += 1
            if ev.get("resp_code"):
                c["resp_code"] += 1
            if ev.get("authzid"):
                c["authzid"] += 1
        else:
            c["session"] += 1
            c["tls:" + ev["tls"]] += 1
            c["end:" + ev["end"]] += 1
            if ":" in ev["src_ip"]:
                c["ipv6"] += 1
            if ev["dest_port"] not in (110, 995):
                c["odd_port"] += 1
            if ev["retr_count"]:
                c["retr"] += ev["retr_count"]
            if ev["top_count"]:
                c["top"] += ev["top_count"]
            if ev["deletions_committed"]:
                c["committed"] += 1
            if ev["maildrop_octets"] is None and ev["maildrop_messages"] is not None:
                c["maildrop_octets_unknown"] += 1
    return dict(sorted(c.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("truth")
    ap.add_argument("got")
    ap.add_argument("--max-diffs", type=int, default=10)
    ap.add_argument("--coverage", action="store_true")
    args = ap.parse_args()

    truth, truth_dups = load(args.truth, False)
    got, got_dups = load(args.got, True)
    problems = []
    if truth_dups:
        problems.append(f"truth: {truth_dups} events share a key (generator bug)")
    if got_dups:
        problems.append(f"pop3scope: {got_dups} events share a key")
    missing = [k for k in truth if k not in got]
    extra = [k for k in got if k not in truth]
    mismatched = 0
    for k, want in truth.items():
        have = got.get(k)
        if have is None:
            continue
        diffs = [(f, v, have.get(f, "<absent>")) for f, v in want.items() if have.get(f, "<absent>") != v]
        if diffs:
            mismatched += 1
            if mismatched <= args.max_diffs:
                problems.append(f"{' '.join(map(str, k))}: " +
                                "; ".join(f"{f}: want {v!r} got {h!r}" for f, v, h in diffs))
    for k in missing[:args.max_diffs]:
        problems.append(f"missing: {' '.join(map(str, k))}")
    for k in extra[:args.max_diffs]:
        problems.append(f"extra: {' '.join(map(str, k))}")
    sessions = sum(1 for k in truth if k[0] == "session")
    auths = len(truth) - sessions
    ok = not problems and not missing and not extra and mismatched == 0
    print(f"truth: {sessions} sessions, {auths} auth events; pop3scope: {len(got)} events; "
          f"missing {len(missing)}, extra {len(extra)}, mismatched {mismatched}: "
          f"{'MATCH' if ok else 'DIFFER'}")
    for p in problems:
        print("  " + p)
    if args.coverage:
        print(json.dumps(coverage(truth), sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
