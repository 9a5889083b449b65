#!/usr/bin/python3
"""Writes a capture of POP3 logins for tests/cli/report.sh: SESSIONS
connections to two servers, each with ATTEMPTS failed USER/PASS logins,
every attempt with its own user name (u<session>_<attempt>), USER and PASS
pipelined in one segment and both replies in one. --hostile adds one
connection to a third server whose banner and user names are markup and whose last login
succeeds. Ethernet, IPv4, correct checksums, 1 ms of packet time per
packet; no randomness, so a run is reproducible.

--user NAME gives every attempt that one name instead (a brute force on
one account, tests/cli/summary.sh).

    report_gen.py [--sessions N] [--attempts N] [--hostile] [--user NAME] OUT.pcap
"""
import argparse
import struct

T0 = 1796000000  # 2026-11-30T...

HOSTILE_USERS = [b"<script>alert(1)</script>", b'"><img src=x onerror=alert(2)>']
HOSTILE_SUCCESS = (b"eve&co<b>", b"s3cr3t</td><script>alert(3)</script>")
HOSTILE_BANNER = b"+OK <iframe src=//evil.example/x></iframe> ready"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.usec = 0

    def packet(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp) + len(payload))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp + payload
        self.usec += 1000
        self.f.write(struct.pack("<IIII", T0 + self.usec // 1000000, self.usec % 1000000, len(frame), len(frame)))
        self.f.write(frame)


class Conn:
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01

    def __init__(self, w, index, server):
        self.w = w
        self.client = bytes([10, (index >> 16) & 255, (index >> 8) & 255, index & 255])
        self.server = server
        self.sport = 20000 + index % 40000
        self.cseq, self.sseq = 1000, 5000
        w.packet(self.client, server, self.sport, 110, self.cseq, 0, self.SYN)
        w.packet(server, self.client, 110, self.sport, self.sseq, self.cseq + 1, self.SYN | self.ACK)
        self.cseq += 1
        self.sseq += 1
        w.packet(self.client, server, self.sport, 110, self.cseq, self.sseq, self.ACK)

    def client_says(self, data):
        self.w.packet(self.client, self.server, self.sport, 110, self.cseq, self.sseq, self.ACK | self.PSH, data)
        self.cseq += len(data)

    def server_says(self, data):
        self.w.packet(self.server, self.client, 110, self.sport, self.sseq, self.cseq, self.ACK | self.PSH, data)
        self.sseq += len(data)

    def close(self):
        self.client_says(b"QUIT\r\n")
        self.server_says(b"+OK bye\r\n")
        self.w.packet(self.server, self.client, 110, self.sport, self.sseq, self.cseq, self.ACK | self.FIN)
        self.sseq += 1
        self.w.packet(self.client, self.server, self.sport, 110, self.cseq, self.sseq, self.ACK | self.FIN)
        self.cseq += 1
        self.w.packet(self.server, self.client, 110, self.sport, self.sseq, self.cseq, self.ACK)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--attempts", type=int, default=10)
    ap.add_argument("--hostile", action="store_true")
    ap.add_argument("--user", help="one user name for every attempt")
    ap.add_argument("out")
    args = ap.parse_args()
    w = Writer(args.out)
    servers = [bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])]
    for s in range(args.sessions):
        c = Conn(w, s + 1, servers[s % 2])
        c.server_says(b"+OK generated server ready\r\n")
        for a in range(args.attempts):
            user = args.user.encode() if args.user else b"u%d_%d" % (s, a)
            c.client_says(b"USER " + user + b"\r\nPASS wrong\r\n")
            c.server_says(b"+OK\r\n-ERR [AUTH] invalid\r\n")
        c.close()
    if args.hostile:
        c = Conn(w, args.sessions + 1, bytes([192, 0, 2, 3]))
        c.server_says(HOSTILE_BANNER + b"\r\n")
        for user in HOSTILE_USERS:
            c.client_says(b"USER " + user + b"\r\nPASS x\r\n")
            c.server_says(b"+OK\r\n-ERR [AUTH] invalid\r\n")
        c.client_says(b"USER " + HOSTILE_SUCCESS[0] + b"\r\nPASS " + HOSTILE_SUCCESS[1] + b"\r\n")
        c.server_says(b"+OK\r\n+OK logged in\r\n")
        c.close()
    w.f.close()


if __name__ == "__main__":
    main()
