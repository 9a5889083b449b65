# Run by tests/live/live_dovecot.sh (see the comment above where it runs).
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
i = next(k for k, e in enumerate(ev) if e["event"] == "alert" and e["kind"] == "brute_force_account")
prev = ev[i - 1]
sys.exit(0 if prev["event"] == "auth" and prev["user"] == "bob" and prev["outcome"] == "failure"
         and prev["src_port"] == ev[i]["src_port"] else 1)
