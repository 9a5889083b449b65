# Run by tests/live/live_dovecot.sh (see the comment above where it runs).
import json, sys
n = 0
try:
    for line in open(sys.argv[1], encoding="utf-8"):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if eval(sys.argv[2]):
            n += 1
except OSError:
    pass
print(n)
