# Run by tests/hostile/malformed.sh (see the comment above where it runs).
import json, sys
s = [e for e in map(json.loads, open(sys.argv[1], "rb")) if e["event"] == "session"]
sys.exit(0 if len(s) == 1 and s[0]["banner"] and s[0]["end"] == "quit" else 1)
