#!/usr/bin/env python3
"""A stand-in for SSLproxy's divert mode on loopback, for tests/live/live_sslproxy.sh.

  client -> [proxy :PROXY_PORT] --(header + client bytes)--> [listener :MIRROR_PORT] -> dovecot :110

The "proxy" prepends the SSLproxy line to the first client data, as SSLproxy
0.9 does ("SSLproxy: [return addr]:port,[src]:port,[dst]:port,s"), and
forwards; the "listener" (the listening program of SSLproxy's docs) strips
the line and relays to the real server. The connection on MIRROR_PORT is
what tcpdump records: the header, the client's commands, the server's
replies. Usage: sslproxy_relay.py PROXY_PORT MIRROR_PORT SERVER_PORT FLAG
(FLAG s or p). Runs until killed."""
import socket
import sys
import threading

PROXY_PORT, MIRROR_PORT, SERVER_PORT = (int(a) for a in sys.argv[1:4])
FLAG = sys.argv[4]
# What the header claims as the original destination (a POP3S server).
ORIG_DST = ("192.0.2.110", 995)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def proxy_conn(client, addr):
    up = socket.create_connection(("127.0.0.1", MIRROR_PORT))
    threading.Thread(target=pump, args=(up, client), daemon=True).start()
    first = client.recv(65536)
    header = "SSLproxy: [127.0.0.1]:%d,[%s]:%d,[%s]:%d,%s\r\n" % (
        PROXY_PORT + 1000, addr[0], addr[1], ORIG_DST[0], ORIG_DST[1], FLAG)
    up.sendall(header.encode() + first)
    pump(client, up)


def listener_conn(conn):
    up = socket.create_connection(("127.0.0.1", SERVER_PORT))
    threading.Thread(target=pump, args=(up, conn), daemon=True).start()
    buf = b""
    while b"\n" not in buf:
        data = conn.recv(65536)
        if not data:
            up.close()
            return
        buf += data
    line, rest = buf.split(b"\n", 1)
    assert line.startswith(b"SSLproxy: "), line
    if rest:
        up.sendall(rest)
    pump(conn, up)


def serve(port, handler, with_addr):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    while True:
        c, a = ls.accept()
        args = (c, a) if with_addr else (c,)
        threading.Thread(target=handler, args=args, daemon=True).start()


threading.Thread(target=serve, args=(MIRROR_PORT, listener_conn, False), daemon=True).start()
serve(PROXY_PORT, proxy_conn, True)
