#!/usr/bin/python3
"""A POP3 client written with scapy, for tests/hostile/checksum_kernel.sh.

Runs in a network namespace and speaks TCP itself over a veth (its address
is not the namespace's own, so that kernel keeps out of the connection).
Before its real `USER bob` it sends, with deliberately wrong TCP checksums
and in-window sequence numbers, an RST and a first copy `USER eve` of the
same length at the same sequence number: the attack of README "Hostile
input". The real Linux stack at the other end must drop both (the test
reads its InCsumErrors counter and what the server read).

usage: checksum-client.py IFACE SRC DST DST_MAC [PORT]
Exit status 0 when the dialogue ran to the server's reply to QUIT.
"""
import sys
import time

from scapy.all import Ether, IP, TCP, Raw, AsyncSniffer, conf, get_if_hwaddr  # noqa: E402

conf.verb = 0
iface, src, dst, dst_mac = sys.argv[1:5]
dport = int(sys.argv[5]) if len(sys.argv) > 5 else 110
sport = 40110
eth = Ether(src=get_if_hwaddr(iface), dst=dst_mac)
sock = conf.L2socket(iface=iface)
got = []
sniffer = AsyncSniffer(iface=iface, store=False, filter=f"tcp and src host {dst} and src port {dport}",
                       prn=got.append)
sniffer.start()
time.sleep(0.5)

seq = 1000
ack = 0
seen = 0  # server segments already taken


def send(flags, payload=b"", bad_checksum=False, at=None):
    tcp = TCP(sport=sport, dport=dport, flags=flags, seq=seq if at is None else at, ack=ack, window=65535)
    pkt = eth / IP(src=src, dst=dst) / tcp
    if payload:
        pkt = pkt / Raw(payload)
    if bad_checksum:
        right = Ether(bytes(pkt))[TCP].chksum  # what scapy computes
        pkt[TCP].chksum = right ^ 0x0F0F  # wrong, and not the other zero
    sock.send(pkt)


def wait_server(pred, timeout=5.0):
    """Waits for a server segment for which pred holds; takes every one
    up to it (advancing ack over their payload and SYN/FIN)."""
    global seen, ack
    end = time.time() + timeout
    while time.time() < end:
        while seen < len(got):
            p = got[seen]
            seen += 1
            t = p[TCP]
            data = bytes(t.payload)
            if t.flags & 0x02:
                ack = t.seq + 1
            elif data or t.flags & 0x01:
                ack = max(ack, t.seq + len(data) + (1 if t.flags & 0x01 else 0))
            if t.flags & 0x04:
                sys.exit("server reset the connection")
            if pred(t, data):
                return data
        time.sleep(0.01)
    sys.exit("no answer from the server")


send("S")
wait_server(lambda t, d: t.flags & 0x12 == 0x12)
seq += 1
send("A")
wait_server(lambda t, d: d.startswith(b"+OK"))
send("A")
# The attack: both copies wrong, both in the receiver's window.
send("RA", bad_checksum=True)
time.sleep(0.05)
send("PA", b"USER eve\r\n", bad_checksum=True)
time.sleep(0.05)
for line in (b"USER bob\r\n", b"PASS bob-secret\r\n", b"QUIT\r\n"):
    send("PA", line)
    seq += len(line)
    wait_server(lambda t, d: d.startswith(b"+OK"))
send("A")
send("FA")
seq += 1
wait_server(lambda t, d: t.flags & 0x01)
send("A")
time.sleep(0.3)
sniffer.stop()
