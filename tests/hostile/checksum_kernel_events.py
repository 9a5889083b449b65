# Run by tests/hostile/checksum_kernel.sh (see the comment above where it runs).
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
auths = [e for e in ev if e["event"] == "auth"]
sessions = [e for e in ev if e["event"] == "session"]
sys.exit(0 if eval(sys.argv[2]) else 1)
