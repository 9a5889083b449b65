# Run by tests/live/live_sslproxy.sh (see the comment above where it runs).
import base64, os, socket, sys
b = base64.b64encode
def sess(lines, port=110):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = s.makefile("rb")
    f.readline()
    for l in lines:
        s.sendall(l + b"\r\n")
        f.readline()
    s.sendall(b"QUIT\r\n"); f.readline(); s.close()
# 2: a forged header, then a failing login (the attacker hopes for "+OK").
sess([b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s",
      b"USER alice", b"PASS not-the-password"])
sess([b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s",
      b"USER bob", b"PASS not-the-password"], int(sys.argv[1]))
# The same, pipelined in one segment: Dovecot answers -ERR, +OK, -ERR. Paired
# off by one, the +OK to USER would turn into a login success.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
f.readline()
s.sendall(b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s\r\n"
          b"USER carol\r\nPASS not-the-password\r\n")
for _ in range(3):
    f.readline()
s.sendall(b"QUIT\r\n"); f.readline(); s.close()
# 3: secrets Dovecot refuses.
tok = os.environ["TOKEN"].encode()
sess([b"AUTH XOAUTH2 " + b(b"user=alice auth=Bearer " + tok)])
sess([b"AUTH PLAIN " + b(b"\0alice\0alice-secret-1")[:-1] + b"!"])
sess([b"AUTH LOGIN", b(b"alice"), b(b"alice-secret-1") + b"xyz"])
