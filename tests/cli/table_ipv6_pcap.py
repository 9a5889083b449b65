#!/usr/bin/python3
"""A capture for tests/cli/table.sh: two USER/PASS logins whose endpoints
are IPv6 addresses too long for the table's 21-character address column
("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:50001"), between two IPv4 logins,
so the test can see the columns stay aligned. Written with scapy because
loopback has no such address to log in from.

  table_ipv6_pcap.py OUT.pcap
"""
import sys

from scapy.all import IP, IPv6, TCP, Ether, wrpcap

T0 = 1795670149.0


def session(src, dst, sport, user, t, v6):
    """A whole POP3 session as (time, frame) pairs."""
    net = IPv6 if v6 else IP
    c, s = 1000, 5000
    out = []

    def pkt(from_client, flags, payload=b""):
        nonlocal c, s, t
        t += 0.001
        if from_client:
            p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / net(src=src, dst=dst) / TCP(sport=sport, dport=110, flags=flags, seq=c, ack=s) / payload
            c += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        else:
            p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / net(src=dst, dst=src) / TCP(sport=110, dport=sport, flags=flags, seq=s, ack=c) / payload
            s += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        p.time = t
        out.append(p)

    pkt(True, "S")
    pkt(False, "SA")
    pkt(True, "A")
    for frm, line in (
        (False, b"+OK ready\r\n"),
        (True, b"USER " + user + b"\r\n"),
        (False, b"+OK\r\n"),
        (True, b"PASS secret\r\n"),
        (False, b"+OK Logged in.\r\n"),
        (True, b"QUIT\r\n"),
        (False, b"+OK bye\r\n"),
    ):
        pkt(frm, "PA", line)
    pkt(False, "FA")
    pkt(True, "FA")
    pkt(False, "A")
    return out


def main():
    frames = []
    frames += session("192.0.2.10", "198.51.100.5", 50000, b"before", T0, False)
    frames += session("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:110", 50001,
                      b"longv6", T0 + 1, True)
    frames += session("2001:db8::1", "2001:db8::2", 50002, b"shortv6", T0 + 2, True)
    frames += session("192.0.2.10", "198.51.100.5", 50003, b"after", T0 + 3, False)
    wrpcap(sys.argv[1], frames)


if __name__ == "__main__":
    main()
