# Run by tests/hostile/checksum_kernel.sh (see the comment above where it runs).
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("10.77.0.2", 110))
srv.listen(1)
srv.settimeout(30)
out = open(sys.argv[1], "wb")
c, _ = srv.accept()
c.sendall(b"+OK ready\r\n")
buf = b""
try:
    while True:
        d = c.recv(4096)
        if not d:
            break
        out.write(d)
        out.flush()
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            c.sendall(b"+OK bye\r\n" if line.startswith(b"QUIT") else b"+OK\r\n")
except ConnectionResetError:
    out.write(b"<reset>")
out.close()
