#!/usr/bin/env python3
"""Checks for tests/cli/table.sh: the text table as a person sees it.

  table_check.py table WIDTH COLUMN,COLUMN,...  < output
      the table (up to the blank line before the summary) has exactly these
      columns; every line is at most WIDTH display columns (0: no limit;
      UTF-8 aware: wide characters count 2, combining ones 0); every line is
      the header, a row (starts with its date) or a continuation line
      ("    name: value"); every row's cells start where the header's do
  table_check.py whole NAME VALUE...  < output
      a continuation line "    NAME: VALUE" holds each VALUE whole
  table_check.py vertical COUNT  < output
      COUNT blocks "-[ RECORD N ]", each the ten fields in order
  table_check.py screen WIDTH COLUMN,...  < tmux capture-pane -p
      as `table`, on a screen capture: nothing before the header but the
      command's own line, and rows that wrap would show as fragments
"""
import re
import sys
import unicodedata

ROW = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ")
CONT = re.compile(r"^    (client|server|user|password): \S")
FIELDS = ["time", "client", "server", "user", "method", "outcome", "exposure", "password", "response", "frames"]


def width(line):
    w = 0
    for ch in line:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def header_starts(header):
    """Each column's first character: after two spaces (TIME (UTC) holds one)."""
    starts, names = [0], []
    for m in re.finditer(r"(?<=  )(?=\S)", header):
        starts.append(m.start())
    for i, s in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(header)
        names.append(header[s:end].strip())
    return starts, names


def check_table(lines, limit, want_cols, problems):
    try:
        h = next(i for i, l in enumerate(lines) if l.startswith("TIME (UTC)"))
    except StopIteration:
        problems.append("no header")
        return 0
    starts, names = header_starts(lines[h])
    if names != want_cols:
        problems.append("columns %r, want %r" % (names, want_cols))
    rows = 0
    for n, line in enumerate(lines[h:], h + 1):
        if line.strip() == "":
            break
        if limit and width(line) > limit:
            problems.append("line %d is %d wide (> %d): %r" % (n, width(line), limit, line))
        if line.rstrip() != line:
            problems.append("line %d ends in spaces: %r" % (n, line))
        if n == h + 1 or CONT.match(line):
            continue
        if not ROW.match(line):
            problems.append("line %d is neither a row nor a continuation (wrapped?): %r" % (n, line))
            continue
        rows += 1
        for s in starts[1:]:
            if not (line[s - 2:s] == "  " and s < len(line) and line[s] != " "):
                problems.append("line %d: no cell starts at column %d: %r" % (n, s, line))
    return rows


def main():
    mode = sys.argv[1]
    text = sys.stdin.read()
    lines = text.split("\n")
    problems = []
    if mode in ("table", "screen"):
        rows = check_table(lines, int(sys.argv[2]), sys.argv[3].split(","), problems)
        if rows == 0:
            problems.append("no rows")
        print("# %d rows" % rows)
    elif mode == "whole":
        name = sys.argv[2]
        for value in sys.argv[3:]:
            if "    %s: %s" % (name, value) not in lines:
                problems.append("no line '    %s: %s'" % (name, value))
    elif mode == "vertical":
        blocks = [i for i, l in enumerate(lines) if re.match(r"^-\[ RECORD \d+ \]-+$", l)]
        if len(blocks) != int(sys.argv[2]):
            problems.append("%d blocks, want %s" % (len(blocks), sys.argv[2]))
        for k, b in enumerate(blocks):
            if lines[b] != "-[ RECORD %d ]-----------------------" % (k + 1):
                problems.append("block %d numbered %r" % (k + 1, lines[b]))
            got = [re.match(r"^(\w+) +\| ", l) for l in lines[b + 1:b + 11]]
            names = [m.group(1) if m else None for m in got]
            if names != FIELDS:
                problems.append("block %d fields %r" % (k + 1, names))
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
