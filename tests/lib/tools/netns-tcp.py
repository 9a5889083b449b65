#!/usr/bin/python3
"""Send crafted TCP segments to the real Linux stack and record what it kept.

    netns-tcp.py SCENARIO.json OUT.pcap OUT.json

Makes a private network namespace with a veth pair: v0 (10.77.0.1) has a
listening socket on port 110, v1 has no address, so the kernel never answers
for the client and scapy alone speaks for it (no RST for a connection the
kernel does not know). tcpdump on v0 writes OUT.pcap; OUT.json gets the bytes
the listening socket's reader received (hex) and the ACK of the SYN-ACK
relative to the client's ISN.

SCENARIO: {"tfo": false, "greeting": "+OK ready\\r\\n", "reply": true,
           "syn_data": "USER eve\\r\\n", "segments": [[1, "USER bob\\r\\n"], ...]}
Each segment is [offset, text]: offset 1 is the first byte after the SYN.
With "reply", the server answers each line it reads with "+OK\\r\\n".
With "tfo", the listener accepts Fast Open data without a cookie
(net.ipv4.tcp_fastopen = 0x202 in the namespace, TCP_FASTOPEN on the socket).
Needs root, iproute2, tcpdump and python3-scapy.
"""
import ctypes
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

NS_ADDR = "10.77.0.1"
CLIENT_ADDR = "10.77.0.2"
PORT = 110


def sh(*args):
    subprocess.run(args, check=True)


def tx_checksum_off(ifname):
    """ETHTOOL_STXCSUM 0: the kernel computes TCP checksums before tcpdump
    sees its segments, so the capture carries the checksums on the wire."""
    buf = ctypes.create_string_buffer(struct.pack("II", 0x17, 0))
    ifreq = struct.pack("16sP", ifname.encode(), ctypes.addressof(buf))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), 0x8946, ifreq)  # SIOCETHTOOL


def server(sc, ready, result):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sc.get("tfo"):
        ls.setsockopt(socket.IPPROTO_TCP, 23, 16)  # TCP_FASTOPEN, queue 16
    ls.bind((NS_ADDR, PORT))
    ls.listen(4)
    ls.settimeout(10)
    ready.set()
    conn, _ = ls.accept()
    conn.settimeout(1.5)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if sc.get("greeting"):
        conn.sendall(sc["greeting"].encode())
    got = b""
    pending = b""
    while True:
        try:
            b = conn.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        got += b
        pending += b
        while sc.get("reply") and b"\n" in pending:
            _, pending = pending.split(b"\n", 1)
            conn.sendall(b"+OK\r\n")
    result["received"] = got.hex()
    conn.close()
    ls.close()


def inner(sc, pcap, out):
    from scapy.all import AsyncSniffer, Ether, IP, TCP, Raw, sendp, conf  # noqa: E402
    conf.verb = 0
    sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    sh("ip", "addr", "add", NS_ADDR + "/24", "dev", "v0")
    sh("ip", "link", "set", "v0", "up")
    sh("ip", "link", "set", "v1", "up")
    sh("ip", "link", "set", "lo", "up")
    mac_v1 = open("/sys/class/net/v1/address").read().strip()
    mac_v0 = open("/sys/class/net/v0/address").read().strip()
    sh("ip", "neigh", "add", CLIENT_ADDR, "lladdr", mac_v1, "dev", "v0")
    tx_checksum_off("v0")
    with open("/proc/sys/net/ipv4/tcp_fastopen", "w") as f:
        f.write("514\n" if sc.get("tfo") else "1\n")  # 0x202: server, no cookie
    dump = subprocess.Popen(["tcpdump", "-q", "-i", "v0", "-U", "-s", "0", "-w", pcap, "tcp port %d" % PORT],
                            stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    result = {}
    ready = threading.Event()
    t = threading.Thread(target=server, args=(sc, ready, result))
    t.start()
    ready.wait()
    found = []
    server_end = [0]

    def seen(p):
        if not p.haslayer(TCP):
            return
        if p[TCP].flags & 0x12 == 0x12:
            found.append(p)
        elif found:  # acknowledge the server's bytes, so it does not resend them
            end = (p[TCP].seq + len(p[TCP].payload) - found[0][TCP].seq - 1) & 0xFFFFFFFF
            if end < 0x80000000:
                server_end[0] = max(server_end[0], end)

    sniff = AsyncSniffer(iface="v1", filter="tcp and src port %d" % PORT, store=False, prn=seen)
    sniff.start()
    time.sleep(0.5)
    isn = 0x10000000
    sport = 40000
    base = Ether(src=mac_v1, dst=mac_v0) / IP(src=CLIENT_ADDR, dst=NS_ADDR)
    syn = base / TCP(sport=sport, dport=PORT, flags="S", seq=isn, window=65535, options=[("MSS", 1460)])
    if sc.get("syn_data"):
        syn = syn / Raw(sc["syn_data"].encode())
    sendp(syn, iface="v1")
    for _ in range(60):
        if found:
            break
        time.sleep(0.05)
    if not found:
        raise SystemExit("netns-tcp: no SYN-ACK")
    synack = found[0]
    sack = synack[TCP].seq + 1
    result["synack_ack_rel"] = (synack[TCP].ack - isn) & 0xFFFFFFFF
    last = 1
    for off, text in [[1, ""]] + sc["segments"]:
        data = text.encode()
        seg = base / TCP(sport=sport, dport=PORT, flags="PA" if data else "A", seq=(isn + off) & 0xFFFFFFFF,
                         ack=(sack + server_end[0]) & 0xFFFFFFFF, window=65535)
        if data:
            seg = seg / Raw(data)
        sendp(seg, iface="v1")
        last = max(last, off + len(data))
        time.sleep(0.15)
    time.sleep(0.3)
    fin = base / TCP(sport=sport, dport=PORT, flags="FA", seq=(isn + sc.get("fin_at", last)) & 0xFFFFFFFF,
                     ack=(sack + server_end[0]) & 0xFFFFFFFF, window=65535)
    sendp(fin, iface="v1")
    t.join()
    sniff.stop()
    time.sleep(0.5)
    dump.terminate()
    dump.wait()
    with open(out, "w") as f:
        json.dump(result, f)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--inner":
        with open(sys.argv[2]) as f:
            sc = json.load(f)
        inner(sc, sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ns = "pop3scope-stream-%d" % os.getpid()
    sh("ip", "netns", "add", ns)
    try:
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--inner",
                        os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])],
                       check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    main()
