# Run by tests/hostile/malformed.sh (see the comment above where it runs).
import json, sys
events = [json.loads(line) for line in open(sys.argv[1], "rb")]
ok = any(e["event"] == "auth" and e["user"] == "alice" and e["outcome"] == "success"
         and e.get("password") == "alice-secret-1" for e in events)
sys.exit(0 if ok else 1)
