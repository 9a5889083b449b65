# Run by tests/live/e2e_dovecot.sh (see the comment above where it runs).
import hashlib, poplib, sys
PASSWORDS = {"alice": "alice-secret-1", "bob": "bob pass with spaces", "carol": "carol-pw"}
pw = PASSWORDS.get
p = poplib.POP3("127.0.0.1", 110, timeout=15)
port = p.sock.getsockname()[1]
extra = ""
exec(sys.argv[1])
print(port, extra)
