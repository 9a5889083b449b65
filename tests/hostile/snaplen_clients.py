# Run by tests/hostile/snaplen.sh (see the comment above where it runs).
import poplib, sys
PW = {"alice": "alice-secret-1", "bob": "bob pass with spaces", "carol": "carol-pw"}
p = poplib.POP3("127.0.0.1", 110, timeout=15)
which = sys.argv[1]
if which == "userpass":
    p.user("alice"); p.pass_(PW["alice"]); p.stat(); p.list(); p.retr(2); p.dele(1); p.quit()
elif which == "wrong":
    p.user("bob")
    try:
        p.pass_("not-bobs-password")
    except poplib.error_proto:
        pass
    p.user("bob"); p.pass_(PW["bob"]); p.stat(); p.top(1, 2); p.quit()
elif which == "apop":
    p.apop("carol", PW["carol"]); p.stat(); p.retr(1); p.quit()
print(which, "done")
