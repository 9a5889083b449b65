# Run by tests/live/rotation.sh: one python3 poplib session against the
# private Dovecot. Prints one JSON line saying what the client saw, which
# the checker (rotation_check.py) holds pop3scope's session event against.
#   rotation_client.py USER PASSWORD [N...]   log in, STAT, RETR each N, QUIT
# A refused login is reported ("login": "failed"), not an error: the test
# sends a wrong password on purpose.
import json, poplib, sys

user, password, wanted = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
p = poplib.POP3("127.0.0.1", 110, timeout=30)
seen = {"client": "poplib", "user": user, "port": p.sock.getsockname()[1], "retr": [], "announced": []}
try:
    p.user(user)
    p.pass_(password)
except poplib.error_proto:
    seen["login"] = "failed"
    p.quit()
    print(json.dumps(seen))
    sys.exit(0)
seen["login"] = "ok"
seen["stat"] = list(p.stat())
for n in wanted:
    resp, lines, _ = p.retr(n)
    # poplib hands back the lines unstuffed and without their CRLF: the
    # message's POP3 size (RFC 1939 §11: octets with CRLF line ends) is
    # their lengths plus two per line.
    seen["retr"].append(sum(len(line) + 2 for line in lines))
    seen["announced"].append(int(resp.split()[1]))
p.quit()
print(json.dumps(seen))
