# Run by tests/hostile/resource.sh (see the comment above where it runs).
import json, sys
for e in map(json.loads, open(sys.argv[1], "rb")):
    if e["event"] == "session" and e["flow_id"] == 1:
        print(json.dumps(e[sys.argv[2]]))
