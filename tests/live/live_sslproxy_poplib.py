# Run by tests/live/live_sslproxy.sh (see the comment above where it runs).
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice"); p.pass_("alice-secret-1"); p.stat(); p.quit()
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob")
try:
    p.pass_("wrong")
except poplib.error_proto:
    pass
p.quit()
