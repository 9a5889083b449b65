# Run by tests/hostile/checksum.sh (see the comment above where it runs).
import poplib
p = poplib.POP3("127.0.0.1", 110, timeout=15)
p.user("bob"); p.pass_("bob pass with spaces"); p.stat(); p.quit()
