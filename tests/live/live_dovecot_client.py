# Run by tests/live/live_dovecot.sh (see the comment above where it runs).
import os, poplib, sys, time
user, password = sys.argv[1], sys.argv[2]
p = poplib.POP3("127.0.0.1", 110, timeout=15)
print(p.sock.getsockname()[1], flush=True)
p.user(user)
try:
    p.pass_(password)
except poplib.error_proto:
    p.quit()
    sys.exit(3)
if len(sys.argv) > 3:
    release = sys.argv[3]
    for _ in range(1500):
        if os.path.exists(release):
            break
        time.sleep(0.1)
    p.sock.close()
    sys.exit(0)
p.stat()
p.quit()
