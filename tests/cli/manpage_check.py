#!/usr/bin/env python3
"""pop3scope(1) against the program it documents (run by tests/cli/manpage.sh).

Reads the built page (roff source: the tags of .TP entries are where options
and fields are named) and compares it with `pop3scope --help`, with the
program's own range checks, with README "Exit codes", with the fields of
the --json output of every sample and of src/output_json.c, with the CSV
header and with the signals src/live_signals.c catches; and, given the
plugin page too, its STRUCTURES with the members of plugins/pop3scope_plugin.h.

Prints one line per check, "ok<TAB>description", "not ok<TAB>description" or
"todo<TAB>description" (an entry marked `.\\" pending merge` whose option or
field the program does not have yet), and "#" lines of diagnosis; the shell
test turns them into TAP."""
import glob
import json
import os
import re
import subprocess
import sys

SRCDIR = os.environ["SRCDIR"]
POP3SCOPE = os.environ["POP3SCOPE"]
PAGE = sys.argv[1]

# Long options the page may name that are not pop3scope's own.
FOREIGN_LONG_OPTIONS = {"--with-plugindir"}
NUMBER_ARGS = {"N", "SEC", "BYTES", "KIB", "MIB"}

failures = 0


def say(status, desc, diag=()):
    global failures
    if status == "not ok":
        failures += 1
    print(f"{status}\t{desc}")
    for line in diag:
        print(f"# {line}")


def check(desc, missing):
    """ok when `missing` (what is wrong, a list of strings) is empty."""
    say("ok" if not missing else "not ok", desc, [f"  {m}" for m in sorted(missing)])


# ------------------------------------------------------------------ roff

def roff_args(rest):
    """A macro line's arguments, with roff's double-quote rule."""
    args, cur, quoted, i = [], "", False, 0
    while i < len(rest):
        c = rest[i]
        if quoted and c == '"' and rest[i + 1:i + 2] == '"':
            cur += '"'
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            if cur:
                args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur:
        args.append(cur)
    return args


def plain(line):
    """A roff input line as the reader sees it, fonts dropped."""
    m = re.match(r"^\.(B|I|SM|BR|BI|IB|IR|RB|RI)\s+(.*)$", line)
    if m:
        args = roff_args(m.group(2))
        line = (" " if m.group(1) in ("B", "I", "SM") else "").join(args)
    elif line.startswith("."):
        return ""
    line = re.sub(r"\\f(\[[A-Z]*\]|[BIRP])", "", line)
    for roff, text in ((r"\-", "-"), (r"\(aq", "'"), (r"\(dq", '"'), (r"\(bu", "*"), (r"\e", "\\"),
                       (r"\&", ""), (r"\|", ""), (r"\ ", " "), (r"\c", "")):
        line = line.replace(roff, text)
    return line


def read_page(path):
    """{section: [(subsection, pending, tag line, [body lines])]} plus the raw
    lines of each section. Entries are .TP items; a section's text before its
    first .TP is an entry with tag None."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sections, raw = {}, {}
    section, sub, entry, pending_next = None, None, None, False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".SH"):
            section = " ".join(roff_args(line[3:].strip()))
            sub, entry = None, None
            sections[section], raw[section] = [], []
        elif section is None:
            pass
        elif line.startswith(".SS"):
            sub, entry = " ".join(roff_args(line[3:].strip())), None
        elif line.startswith('.\\"'):
            pending_next = "pending merge" in line
        elif line.startswith(".TP") or line.startswith(".TQ"):  # .TQ: one more tag, same body
            i += 1
            entry = (sub, pending_next, lines[i], [])
            sections[section].append(entry)
            pending_next = False
        elif entry is not None:
            entry[3].append(line)
        if section is not None:
            raw[section].append(line)
        i += 1
    return sections, raw


def tag_options(tag):
    """(name, argument) pairs a tag names: '-r, --read FILE' gives
    [('-r', None), ('--read', 'FILE')]."""
    out = []
    for item in plain(tag).split(", "):
        words = item.split()
        if words and re.match(r"^--?[A-Za-z0-9]", words[0]):
            out.append((words[0], words[1] if len(words) > 1 else None))
    return out


# ------------------------------------------------------------------ --help

def read_help():
    """{option: (group, argument, help text)} in --help order."""
    text = subprocess.run([POP3SCOPE, "--help"], capture_output=True, text=True, check=True).stdout
    options, group, last = {}, None, []
    for line in text.split("\n"):
        if line and not line.startswith(" ") and line.endswith(":") and not line.startswith("Usage"):
            group = re.split(r" \(|:", line)[0]
            continue
        m = re.match(r"^ {2,6}(-\S.*?)(?:\s{2,}(.*))?$", line)
        if m and group is not None:
            last = []
            for item in m.group(1).split(", "):
                words = item.split(" ", 1)
                options[words[0]] = (group, words[1] if len(words) > 1 else None, last)
            last.append(m.group(2) or "")
        elif line.startswith("      ") and last is not None:
            last.append(line.strip())
    return {name: (g, arg, " ".join(t)) for name, (g, arg, t) in options.items()}


def arg_key(arg):
    return None if arg is None else re.split(r"[\[]", arg)[0]


def check_options(sections, raw):
    helped = read_help()
    entries = sections.get("OPTIONS", [])
    paged, pending = {}, {}
    for sub, is_pending, tag, body in entries:
        text = " ".join(plain(b) for b in body)
        for name, arg in tag_options(tag):
            (pending if is_pending else paged)[name] = (sub, arg, text)

    check("every option of --help has an entry in OPTIONS",
          [f"{o} (from --help) has no .TP entry" for o in helped if o not in paged and o not in pending])
    check("every option entry in OPTIONS is in --help",
          [f"{o} is in the page, not in --help" for o in paged if o not in helped])
    for name in sorted(pending):
        if name in helped:
            say("not ok", f"{name} is in --help now: check its entry against the code, remove its 'pending merge' mark")
        else:
            say("todo", f"{name}: entry written before its branch is merged")

    check("each option is under the --help group it is in",
          [f"{o}: page group {paged[o][0]!r}, --help group {helped[o][0]!r}"
           for o in paged if o in helped and paged[o][0] != helped[o][0]])
    check("each option's argument is the one --help names",
          [f"{o}: page {paged[o][1]!r}, --help {helped[o][1]!r}"
           for o in paged if o in helped and arg_key(paged[o][1]) != arg_key(helped[o][1])])

    wrong = []
    for o, (_, arg, text) in helped.items():
        m = re.search(r"\(default:? ([^;:,)\s]+)", text)
        if not m or o not in paged:
            continue
        p = re.search(r"Default: (\S+?)[.;,]?(\s|$)", paged[o][2])
        if not p or p.group(1) != m.group(1):
            wrong.append(f"{o}: --help says default {m.group(1)}, the page {p.group(1) if p else 'nothing'}")
    check("each default --help states is the page's", wrong)

    wrong, ranged = [], 0
    for o, (_, arg, text) in paged.items():
        m = re.search(r"range (\d+) to (\d+)", text)
        if arg in NUMBER_ARGS and not m:
            wrong.append(f"{o} {arg}: no 'range LO to HI' in its entry")
        if not m:
            continue
        ranged += 1
        lo, hi = int(m.group(1)), int(m.group(2))
        for value, accepted in ((lo, True), (hi, True), (lo - 1, False), (hi + 1, False)):
            r = subprocess.run([POP3SCOPE, o, str(value), "--version"], capture_output=True, text=True)
            # Refused is a usage error, exit status 1, as the page's OPTIONS says.
            if r.returncode != (0 if accepted else 1):
                wrong.append(f"{o} {value}: exit {r.returncode}, the page's range {lo} to {hi} says "
                             f"{'accepted' if accepted else 'refused'}")
    check(f"each range the page states is what pop3scope accepts ({ranged} options, both ends and beyond)",
          wrong)

    said = set()
    for line in (plain(x) for s in raw.values() for x in s):
        said.update(re.findall(r"(?<![\w-])--[a-z0-9][a-z0-9-]*", line))
    check("every long option the page mentions anywhere exists",
          [f"{o} is mentioned, not in --help" for o in said
           if o not in helped and o not in pending and o not in FOREIGN_LONG_OPTIONS])


# ------------------------------------------------------------------ exit codes

def check_exit_codes(sections):
    with open(os.path.join(SRCDIR, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    part = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    codes = set(re.findall(r"^\| (\d+) \|", part, re.M))
    paged = {plain(tag).strip() for _, _, tag, _ in sections.get("EXIT STATUS", [])}
    check(f"EXIT STATUS has every status of README 'Exit codes' ({', '.join(sorted(codes))})",
          [f"status {c} is missing" for c in codes - paged])
    check("EXIT STATUS has no status README does not", [f"status {c} is not in README" for c in paged - codes])


# ------------------------------------------------------------------ events

def sample_events():
    """Every event the samples give with alerts and secrets on."""
    events = []
    for pcap in sorted(glob.glob(os.path.join(SRCDIR, "samples", "*.pcap"))):
        out = subprocess.run([POP3SCOPE, "--json", "--show-passwords", "--alerts", "--alert-account-failures", "1",
                              "--alert-client-failures", "1", "--alert-guess-failures", "1",
                              "--alert-spray-accounts", "1", pcap], capture_output=True, text=True).stdout
        events += [json.loads(line) for line in out.splitlines()]
    return events


def keys_of(obj, prefix=""):
    for k, v in obj.items():
        yield prefix + k
        if isinstance(v, dict):
            yield from keys_of(v, prefix + k + ".")
        elif isinstance(v, list):
            for e in v:
                if isinstance(e, dict):
                    yield from keys_of(e, prefix + k + "[].")


def check_schema(sections):
    documented, pending = {}, {}
    for sub, is_pending, tag, _ in sections.get("EVENT SCHEMA", []):
        kind = (sub or "").split()[0] if sub else None
        names = set(re.findall(r"\\fB([a-z_][a-z0-9_.\[\]]*)\\f[RP]", tag))
        (pending if is_pending else documented).setdefault(kind, set()).update(names)

    # The JSON format's writer, and the line builder it shares with ECS
    # (out_json.c writes the fields both formats have, e.g. run_end's).
    source = ""
    for name in ("output_json.c", "out_json.c"):
        with open(os.path.join(SRCDIR, "src", name), encoding="utf-8") as f:
            source += f.read()
    types = set(re.findall(r'out_json_put_name\(l, "event", "([a-z_]+)"\)', source))
    check(f"EVENT SCHEMA has a subsection for each event type ({', '.join(sorted(types))})",
          [f"no '{t} events' subsection" for t in types - set(documented)] +
          [f"'{t} events' is not a type output_json.c writes" for t in set(documented) - types])

    events = sample_events()
    seen = {}
    for ev in events:
        seen.setdefault(ev["event"], set()).update(keys_of(ev))
    missing = [f"{t}: {k}" for t, keys in seen.items() for k in keys if k not in documented.get(t, set())]
    check(f"every field of the samples' --json events is in its type's subsection ({len(events)} events, "
          f"{sum(len(k) for k in seen.values())} fields)", missing)

    written = set(re.findall(r'\(l, "([a-z_]+)"', source)) - {"true", "false", "null"}  # JSON literals
    everywhere = set().union(*documented.values()) if documented else set()
    check("every key src/output_json.c writes is in EVENT SCHEMA",
          [f"{k}" for k in written if not any(d.split(".")[-1].split("[]")[-1] == k for d in everywhere)])
    literals = set(re.findall(r'"([a-z_]+)"', source))
    check("every field in EVENT SCHEMA is one src/output_json.c writes",
          [f"{t}: {d}" for t, names in documented.items() for d in names
           if d.split(".")[-1].split("[]")[-1] not in literals])
    for t, names in pending.items():
        for d in sorted(names):
            if d in literals:
                say("not ok", f"{t}: {d} is written now: check its entry, remove its 'pending merge' mark")
            else:
                say("todo", f"{t}: {d}: field written before its branch is merged")


def check_csv(raw):
    out = subprocess.run([POP3SCOPE, "--csv", os.path.join(SRCDIR, "samples", "userpass.pcap")],
                         capture_output=True, text=True, check=True).stdout
    header = out.splitlines()[0].split(",")
    text = " ".join(plain(x) for x in raw.get("OUTPUT", []))
    m = re.search(r"with the columns (.*?) \(meanings", text)
    listed = [c for c in re.split(r"[,\s]+", m.group(1)) if c] if m else []
    check("OUTPUT/CSV lists the columns of the CSV header, in order",
          [] if listed == header else [f"page {listed}", f"--csv {header}"])


def check_signals(sections):
    with open(os.path.join(SRCDIR, "src", "live_signals.c"), encoding="utf-8") as f:
        caught = set(re.findall(r"SIG[A-Z0-9]+", f.read().split("signals[] = {", 1)[1].split("}", 1)[0]))
    paged = set()
    for _, _, tag, _ in sections.get("SIGNALS", []):
        paged.update(re.findall(r"SIG[A-Z0-9]+", plain(tag)))
    check(f"SIGNALS has every signal src/live_signals.c catches ({', '.join(sorted(caught))})",
          [f"{s} is caught, not in SIGNALS" for s in caught - paged] +
          [f"{s} is in SIGNALS, not caught" for s in paged - caught])


def check_plugin_structs(page7):
    """pop3scope-plugin(7) STRUCTURES names every member of the header's
    structs, and nothing else: an ABI field appended without its line in
    the page fails here."""
    with open(os.path.join(SRCDIR, "plugins", "pop3scope_plugin.h"), encoding="utf-8") as f:
        header = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    in_header = {}
    for name, body in re.findall(r"struct (pop3scope_plugin\w*) \{(.*?)\};", header, re.S):
        for member in body.split(";"):
            m = re.search(r"\(\*(\w+)\)\s*\(", member) or re.search(r"(\w+)\s*$", member.strip())
            if m and member.strip():
                in_header.setdefault(f"struct {name}", set()).add(m.group(1))
    in_page = {}
    for sub, _, tag, _ in read_page(page7)[0].get("STRUCTURES", []):
        text = plain(tag)
        m = re.search(r"\(\*(\w+)\)\s*\(", text) or re.search(r"(\w+);\s*$", text)
        if m:
            in_page.setdefault(sub, set()).add(m.group(1))
    wrong = []
    for struct in sorted(set(in_header) | set(in_page)):
        header_members, page_members = in_header.get(struct, set()), in_page.get(struct, set())
        wrong += [f"{struct}: {m} is in the header, not in the page" for m in header_members - page_members]
        wrong += [f"{struct}: {m} is in the page, not in the header" for m in page_members - header_members]
    check(f"pop3scope-plugin(7) STRUCTURES has every member of the header's structs "
          f"({sum(len(v) for v in in_header.values())} members), and no other", wrong)


def main():
    sections, raw = read_page(PAGE)
    if len(sys.argv) > 2:
        check_plugin_structs(sys.argv[2])
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "EVENT SCHEMA", "EXIT STATUS", "SIGNALS",
                 "FILES", "SECURITY", "EXAMPLES", "SEE ALSO"):
        if name not in sections:
            say("not ok", f"the page has a {name} section")
    check_options(sections, raw)
    check_exit_codes(sections)
    check_schema(sections)
    check_csv(raw)
    check_signals(sections)
    return 0


if __name__ == "__main__":
    sys.exit(main())
