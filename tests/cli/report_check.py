#!/usr/bin/python3
"""Reads a --report page with html.parser, the way a browser would split it
into elements and text, and checks it: only the elements the page is made
of, no attribute that loads or runs anything, nothing in the bytes that
could fetch (http:, https:, @import, url(), a size bound, and what its
tables hold against the --json events of the same input or against named
expectations. Prints one line per problem and exits 1 if there was any.

    report_check.py PAGE [--json EVENTS] [--max-bytes N]
        [--account USER[=EXPOSURE]]... [--server HOST:PORT]...
        [--alert KIND]... [--text TEXT]... [--no-text TEXT]...
        [--attempts N] [--more-accounts] [--svg]
"""
import argparse
import collections
import json
import sys
from html.parser import HTMLParser

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "dl", "dt", "dd", "section", "p",
    "table", "thead", "tbody", "tr", "th", "td", "i", "br", "span", "svg", "rect", "text", "line", "footer",
}
LOADING_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "data", "poster", "background",
                      "xlink:href", "ping", "manifest", "codebase"}
FETCHING_BYTES = [b"http:", b"https:", b"@import", b"url("]
EXPOSURES = {"none", "cleartext", "hash", "token"}


class Page(HTMLParser):
    """Sections by id; in each, tables as lists of rows of cell texts;
    the header's dl as {dt: dd}; every paragraph's text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.section = None
        self.tables = collections.defaultdict(list)
        self.paragraphs = collections.defaultdict(list)
        self.run = {}
        self.text = []
        self.row = None
        self.cell = None
        self.para = None
        self.dt = None
        self.dd = None
        self.svgs = 0
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append("element <%s> is not one the page is made of" % tag)
        for name, value in attrs:
            if name in LOADING_ATTRIBUTES or name.startswith("on"):
                self.problems.append("<%s %s=%r> could load or run something" % (tag, name, value))
            if name == "style" and value and "url(" in value:
                self.problems.append("<%s style=%r> fetches" % (tag, value))
        if tag == "section":
            self.section = dict(attrs).get("id")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "p":
            self.para = []
        elif tag == "dt":
            self.dt = []
        elif tag == "dd":
            self.dd = []
        elif tag == "svg":
            self.svgs += 1
        elif tag == "style":
            self.in_style = True
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        elif tag == "p" and self.para is not None:
            self.paragraphs[self.section].append(" ".join("".join(self.para).split()))
            self.para = None
        elif tag == "dt" and self.dt is not None:
            self.last_dt = "".join(self.dt).strip()
            self.dt = None
        elif tag == "dd" and self.dd is not None:
            self.run[self.last_dt] = "".join(self.dd).strip()
            self.dd = None
        elif tag == "section":
            self.section = None
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            return
        self.text.append(data)
        for part in (self.cell, self.para, self.dt, self.dd):
            if part is not None:
                part.append(data)


def rows(page, section):
    """(header, data rows, the 'and N more' row or None)."""
    table = page.tables.get(section, [])
    if not table:
        return [], [], None
    body = table[1:]
    more = body[-1] if body and len(body[-1]) == 1 and body[-1][0].startswith("and ") else None
    return table[0], body[:-1] if more else body, more


def endpoint(ip, port):
    return "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)


def check_against_events(page, events, problems):
    auth = [e for e in events if e["event"] == "auth"]
    sessions = [e for e in events if e["event"] == "session"]
    alerts = [e for e in events if e["event"] == "alert"]

    header, accounts, more = rows(page, "accounts")
    if more:
        problems.append("--json check wants every account listed, the page has %r" % more)
    want = collections.defaultdict(lambda: [0, 0, 0])
    for e in auth:
        counts = want[e["user"] if e["user"] is not None else "-"]
        counts[0] += 1
        counts[1] += e["outcome"] == "success"
        counts[2] += e["outcome"] == "failure"
    got = {}
    if accounts:
        col = {name: i for i, name in enumerate(header)}
        for r in accounts:
            got[r[col["User"]]] = [int(r[col["Attempts"]]), int(r[col["Successes"]]), int(r[col["Failures"]])]
    if got != dict(want):
        problems.append("accounts: page %r, events %r" % (sorted(got.items()), sorted(want.items())))

    header, servers, _ = rows(page, "servers")
    want_servers = collections.Counter(endpoint(e["dest_ip"], e["dest_port"]) for e in sessions)
    got_servers = {}
    if servers:
        col = {name: i for i, name in enumerate(header)}
        got_servers = {r[col["Server"]]: int(r[col["Sessions"]]) for r in servers}
    if got_servers != dict(want_servers):
        problems.append("servers: page %r, events %r" % (got_servers, dict(want_servers)))

    header, listed, _ = rows(page, "alerts")
    want_alerts = sorted((e["kind"], e["user"] or "-") for e in alerts)
    got_alerts = []
    if listed:
        col = {name: i for i, name in enumerate(header)}
        got_alerts = sorted((r[col["Alert"]], r[col["Account"]]) for r in listed)
    if got_alerts != want_alerts:
        problems.append("alerts: page %r, events %r" % (got_alerts, want_alerts))

    header, mail, _ = rows(page, "mail")
    want_mail = collections.defaultdict(lambda: [0, 0, 0])
    for e in sessions:
        box = want_mail[(endpoint(e["dest_ip"], e["dest_port"]), e["user"] or "(no login)")]
        box[0] += 1
        box[1] += e["retr_count"]
        box[2] += e["dele_count"]
    got_mail = {}
    if mail:
        col = {name: i for i, name in enumerate(header)}
        got_mail = {(r[col["Server"]], r[col["Account"]]): [int(r[col["Sessions"]]), int(r[col["Retrieved"]]),
                                                           int(r[col["Deleted"]])] for r in mail}
    if got_mail != dict(want_mail):
        problems.append("mail: page %r, events %r" % (sorted(got_mail.items()), sorted(want_mail.items())))

    attempts = page.run.get("Login attempts", "").split(" ")[0]
    if attempts != str(len(auth)):
        problems.append("header: %r login attempts, events %d" % (attempts, len(auth)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--json")
    ap.add_argument("--max-bytes", type=int, default=5 * 1024 * 1024)
    ap.add_argument("--account", action="append", default=[])
    ap.add_argument("--server", action="append", default=[])
    ap.add_argument("--alert", action="append", default=[])
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--no-text", action="append", default=[])
    ap.add_argument("--attempts", type=int)
    ap.add_argument("--more-accounts", action="store_true")
    ap.add_argument("--svg", action="store_true", help="the timeline chart must be there")
    args = ap.parse_args()

    raw = open(args.page, "rb").read()
    problems = []
    if len(raw) >= args.max_bytes:
        problems.append("%d bytes, the bound is %d" % (len(raw), args.max_bytes))
    for needle in FETCHING_BYTES:
        if needle in raw.lower():
            problems.append("%r in the page" % needle.decode())
    page = Page()
    page.feed(raw.decode("utf-8"))
    page.close()
    problems += page.problems
    text = "".join(page.text)
    if args.svg and page.svgs == 0:
        problems.append("no <svg> chart")

    header, accounts, more = rows(page, "accounts")
    col = {name: i for i, name in enumerate(header)}
    listed = {r[col["User"]]: r[col["Exposure"]] for r in accounts} if accounts else {}
    for spec in args.account:
        user, _, exposure = spec.rpartition("=")
        if exposure not in EXPOSURES:
            user, exposure = spec, ""
        if user not in listed:
            problems.append("account %r not in the accounts table (%d rows)" % (user, len(listed)))
        elif exposure and listed[user] != exposure:
            problems.append("account %r: exposure %r, expected %r" % (user, listed[user], exposure))
    header, servers, _ = rows(page, "servers")
    listed_servers = {r[0] for r in servers}
    for server in args.server:
        if server not in listed_servers:
            problems.append("server %r not in the servers table %r" % (server, sorted(listed_servers)))
    header, alerts, _ = rows(page, "alerts")
    kinds = {r[1] for r in alerts}
    for kind in args.alert:
        if kind not in kinds:
            problems.append("no %r alert listed (%r)" % (kind, sorted(kinds)))
    for t in args.text:
        if t not in text:
            problems.append("text %r not on the page" % t)
    for t in args.no_text:
        if t in text or t.encode() in raw:
            problems.append("text %r is on the page" % t)
    if args.attempts is not None and page.run.get("Login attempts", "").split(" ")[0] != str(args.attempts):
        problems.append("header says %r login attempts, expected %d" % (page.run.get("Login attempts"),
                                                                          args.attempts))
    if args.more_accounts and not more:
        problems.append("no 'and N more accounts' row")
    if args.json:
        with open(args.json) as f:
            check_against_events(page, [json.loads(line) for line in f if line.strip()], problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
