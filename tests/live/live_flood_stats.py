# Run by tests/live/live_flood.sh (see the comment above where it runs).
import json, sys
stats = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "stats"]
last, sent = stats[-1], int(sys.argv[2])
print(len(stats), last["packets"], last["kernel_drops"], last["kernel_received"],
      max(s["sessions_active"] for s in stats), last["sessions_refused"], sent)
