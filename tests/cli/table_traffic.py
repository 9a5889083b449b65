#!/usr/bin/env python3
"""POP3 logins on loopback for tests/cli/table.sh: a tiny POP3 server and
its clients, over the kernel's TCP, while the test's tcpdump records them.

  table_traffic.py PORT

Serves on 127.0.0.1:PORT and [::1]:PORT and logs in once on each: on IPv4
as a 40-character user with a 60-character password (the -p case at 80
columns), on IPv6 as "ipv6user". Prints the user names and passwords as
JSON so the test compares them with the table.
"""
import json
import socket
import sys
import threading

LONG_USER = "auditor.with.a.long.name@mailexample.org"
LONG_PASS = "correct-horse-battery-staple-" + "0123456789" * 3 + "x"
SHORT = ("ipv6user", "ipv6-pass")


def serve(listener):
    conn, _ = listener.accept()
    with conn:
        f = conn.makefile("rb")
        conn.sendall(b"+OK table test ready\r\n")
        for line in f:
            word = line.split(b" ", 1)[0].strip().upper()
            if word == b"USER":
                conn.sendall(b"+OK\r\n")
            elif word == b"PASS":
                conn.sendall(b"+OK Logged in.\r\n")
            elif word == b"QUIT":
                conn.sendall(b"+OK Logging out.\r\n")
                return
            else:
                conn.sendall(b"-ERR unknown\r\n")


def login(family, addr, port, user, password):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.connect((addr, port))
        f = s.makefile("rb")
        f.readline()
        for cmd in (b"USER " + user.encode(), b"PASS " + password.encode(), b"QUIT"):
            s.sendall(cmd + b"\r\n")
            f.readline()


def main():
    port = int(sys.argv[1])
    assert len(LONG_USER) == 40 and len(LONG_PASS) == 60
    for family, addr, user, password in (
        (socket.AF_INET, "127.0.0.1", LONG_USER, LONG_PASS),
        (socket.AF_INET6, "::1", SHORT[0], SHORT[1]),
    ):
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((addr, port))
        listener.listen(1)
        server = threading.Thread(target=serve, args=(listener,))
        server.start()
        login(family, addr, port, user, password)
        server.join(10)
        listener.close()
    print(json.dumps({"long_user": LONG_USER, "long_pass": LONG_PASS, "v6_user": SHORT[0]}))


if __name__ == "__main__":
    main()
