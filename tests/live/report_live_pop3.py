#!/usr/bin/python3
"""A POP3 server and its client on 127.0.0.1:PORT for tests/live/report_live.sh:
one connection with a failed login under a markup user name and then
alice's successful login, STAT, RETR of one message, DELE and QUIT. The
server answers what a real one would; the point is what pop3scope,
capturing on lo, puts on its --report page when it is stopped.

    report_live_pop3.py PORT
"""
import socket
import sys
import threading

MESSAGE = b"Subject: hi\r\n\r\nhello\r\n"


def serve(listener):
    conn, _ = listener.accept()
    f = conn.makefile("rb")
    conn.sendall(b"+OK live test server ready\r\n")
    user = None
    for line in f:
        cmd, _, arg = line.rstrip(b"\r\n").partition(b" ")
        cmd = cmd.upper()
        if cmd == b"USER":
            user = arg
            conn.sendall(b"+OK\r\n")
        elif cmd == b"PASS":
            conn.sendall(b"+OK logged in\r\n" if (user, arg) == (b"alice", b"alice-live-pw") else b"-ERR [AUTH] no\r\n")
        elif cmd == b"STAT":
            conn.sendall(b"+OK 1 %d\r\n" % len(MESSAGE))
        elif cmd == b"RETR":
            conn.sendall(b"+OK %d octets\r\n" % len(MESSAGE) + MESSAGE + b".\r\n")
        elif cmd == b"DELE":
            conn.sendall(b"+OK deleted\r\n")
        elif cmd == b"QUIT":
            conn.sendall(b"+OK bye\r\n")
            break
    conn.close()


def main():
    port = int(sys.argv[1])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    server = threading.Thread(target=serve, args=(listener,))
    server.start()
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = client.makefile("rb")
    f.readline()
    for command in (b"USER <b>mallory</b>", b"PASS x", b"USER alice", b"PASS alice-live-pw", b"STAT", b"RETR 1"):
        client.sendall(command + b"\r\n")
        reply = f.readline()
        if command.startswith(b"RETR") and reply.startswith(b"+OK"):
            while f.readline() != b".\r\n":
                pass
    for command in (b"DELE 1", b"QUIT"):
        client.sendall(command + b"\r\n")
        f.readline()
    client.close()
    server.join(10)
    listener.close()


if __name__ == "__main__":
    main()
