#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses, made from capture files.

    make-seeds.py OUTDIR CAPTURE...

writes OUTDIR/pcap (each capture as it is), OUTDIR/decode (each frame, in
the decode harness's layout), OUTDIR/pop3 (each TCP connection's payload,
in the tracker harness's chunk layout) and OUTDIR/sasl (the client
messages of AUTH exchanges, base64 lines and greetings found in those
connections). Only classic pcap is taken apart; pcapng files are copied
to OUTDIR/pcap only. Edge cases no sample holds are added to every
corpus from hand_seeds() below. The layouts are described at the top of
each tests/fuzz/fuzz_*.c."""
import base64
import hashlib
import os
import shutil
import struct
import sys

# The decode harness's link table (fuzz_decode.c): index by DLT value.
DECODE_LINKS = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105]


def read_pcap(path):
    """(linktype, [frame bytes]) of a classic pcap file, or None."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    frames, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        frames.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return linktype, frames


def network_offset(linktype, frame):
    """Offset of the IP header for the link types the samples use."""
    if linktype == 1:
        off, ethertype = 14, struct.unpack(">H", frame[12:14])[0] if len(frame) >= 14 else 0
        while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            ethertype = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        return off
    if linktype in (0, 108):
        return 4
    if linktype == 113:
        return 16
    if linktype == 276:
        return 20
    return 0


def tcp_segment(linktype, frame):
    """(key, src_port, dst_port, seq, flags, payload) or None."""
    off = network_offset(linktype, frame)
    ip = frame[off:]
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    key = tuple(sorted([(src, sport), (dst, dport)]))
    return key, sport, dport, seq, tcp[13], tcp[doff:]


def write_seed(outdir, sub, blob):
    d = os.path.join(outdir, sub)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(blob).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def connections(linktype, frames):
    """Per connection: list of (direction, payload), retransmissions dropped."""
    conns, servers, next_seq = {}, {}, {}
    for frame in frames:
        seg = tcp_segment(linktype, frame)
        if seg is None:
            continue
        key, sport, dport, seq, flags, payload = seg
        if key not in servers:
            # The SYN's receiver is the server; else the side on 110/995.
            syn_only = flags & 0x12 == 0x02
            servers[key] = dport if syn_only or dport in (110, 995) else sport
        direction = 1 if sport == servers[key] else 0
        if flags & 0x02:
            next_seq[(key, direction)] = (seq + 1) & 0xFFFFFFFF
        if not payload:
            continue
        expected = next_seq.get((key, direction), seq)
        if seq != expected:
            continue  # retransmission or out of order: the seed stays simple
        next_seq[(key, direction)] = (seq + len(payload)) & 0xFFFFFFFF
        conns.setdefault(key, []).append((direction, payload))
    return conns.values()


def tracker_seed(chunks):
    """Setup byte 0x0a: max_line 4096, max_pending 512 (fuzz_pop3.c)."""
    out = bytearray([0x0A])
    for direction, payload in chunks:
        for i in range(0, len(payload), 0xFFFF):
            part = payload[i:i + 0xFFFF]
            out += bytes([direction | 4]) + struct.pack("<H", len(part)) + part
    return bytes(out)


SASL_MECHS = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
              "SCRAM-SHA-1-PLUS", "NTLM", "APOP", "XOAUTH2", "OAUTHBEARER", "EXTERNAL",
              "ANONYMOUS", "GSSAPI", "X-UNKNOWN", "plain"]


def decode_b64(text):
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except Exception:  # not base64: not a seed
        return None


def sasl_seeds(outdir, chunks):
    """Client SASL messages (fuzz_sasl.c: byte 0 function, byte 1 param)."""
    mech, step = None, 0
    for direction, payload in chunks:
        for line in payload.split(b"\r\n"):
            if direction == 1:
                if line.startswith(b"+OK") and b"<" in line:
                    write_seed(outdir, "sasl", b"\x03\x00" + line)
                continue
            words = line.split(b" ")
            if words[0].upper() == b"AUTH" and len(words) >= 2:
                mech, step = words[1].upper().decode("ascii", "replace"), 0
                if len(words) >= 3:
                    words, line = [], words[2]
                else:
                    continue
            elif words[0].upper() == b"APOP":
                write_seed(outdir, "sasl", b"\x03\x00" + line[5:])
                continue
            elif mech is None or not line:
                continue
            msg = decode_b64(line)
            if msg is None or line == b"*":
                mech = None
                continue
            write_seed(outdir, "sasl", b"\x02\x00" + line)
            if mech in SASL_MECHS:
                param = SASL_MECHS.index(mech) | (min(step, 3) << 4)
                write_seed(outdir, "sasl", bytes([0, param]) + msg)
            step += 1


def chunk(direction, data):
    """One data chunk of the tracker layout (fuzz_pop3.c)."""
    return bytes([direction | 4]) + struct.pack("<H", len(data)) + data


def gap(direction, missing):
    """A gap of 1..24 bytes (fuzz_pop3.c operation 0-23)."""
    return bytes([direction | 6 | ((missing - 1) << 3)])


C, S = 0, 1


def ntlm_authenticate(user, domain, nt_response):
    """A minimal NTLM AUTHENTICATE (type 3) message (MS-NLMP 2.2.1.3)."""
    fields = [b"\0" * 24, nt_response, domain.encode("utf-16-le"), user.encode("utf-16-le"), b"W\0S\0", b""]
    offset = 64
    head = b"NTLMSSP\0" + struct.pack("<I", 3)
    body = b""
    for f in fields:
        head += struct.pack("<HHI", len(f), len(f), offset + len(body))
        body += f
    head += struct.pack("<I", 0x00088205)
    return head + body


def hand_seeds(outdir):
    """Edge cases the samples do not hold, written out readably here so no
    binary seed is committed: a gap inside AUTH, lines at the line limit, a
    queue past max_pending, STLS, a listing that loses its terminator, and
    SASL mechanisms no sample client used."""
    tracker = {
        "gap-in-auth": bytes([0x0A]) + chunk(S, b"+OK hi <1.2@x>\r\n") + chunk(C, b"AUTH PLAIN\r\n")
        + chunk(S, b"+ \r\n") + gap(C, 5) + chunk(C, b"AGFsaWNlAHNlY3JldA==\r\n") + chunk(S, b"+OK\r\n"),
        "line-limit": bytes([0x00]) + chunk(S, b"+OK " + b"b" * 60 + b"\r\n")
        + chunk(C, b"USER " + b"a" * 59 + b"\r\n") + chunk(C, b"USER " + b"a" * 60 + b"\r\nPASS x\r\n")
        + chunk(S, b"+OK\r\n-ERR " + b"e" * 200 + b"\r\n"),
        "pipeline-over": bytes([0x04]) + chunk(S, b"+OK ready\r\n") + chunk(C, b"NOOP\r\n" * 9 + b"STAT\r\n")
        + chunk(S, b"+OK\r\n" * 9 + b"+OK 2 320\r\n"),
        "stls": bytes([0x0A]) + chunk(S, b"+OK ready\r\n") + chunk(C, b"CAPA\r\n")
        + chunk(S, b"+OK\r\nSTLS\r\nSASL PLAIN LOGIN\r\nIMPLEMENTATION x\r\n.\r\n") + chunk(C, b"STLS\r\n")
        + chunk(S, b"+OK Begin TLS\r\n") + chunk(C, b"\x16\x03\x01\x00\x05hello"),
        "list-no-terminator": bytes([0x0A]) + chunk(S, b"+OK ready\r\n") + chunk(C, b"USER a\r\nPASS b\r\nLIST\r\nSTAT\r\n")
        + chunk(S, b"+OK\r\n+OK 2 messages\r\n+OK\r\n1 120\r\n2 200\r\n+OK 2 320\r\n"),
        "bare-lf-nul-cr": bytes([0x0A]) + chunk(S, b"+OK a\rb\n") + chunk(C, b"USER a\x00b\nPASS \r\r\n"),
        "end-then-more": bytes([0x0A]) + chunk(S, b"+OK\r\n") + bytes([0xFE]) + chunk(C, b"QUIT\r\n"),
        # Issue 12.1: commands held behind an AUTH until a prompt or the verdict.
        "pipelined-auth": bytes([0x0A]) + chunk(S, b"+OK ready\r\n")
        + chunk(C, b"AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nSTAT\r\nUIDL\r\nRETR 1\r\nQUIT\r\n")
        + chunk(S, b"+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n+OK 1 5\r\n+OK\r\n1 a\r\n.\r\n"
                b"+OK 5 octets\r\nabc\r\n.\r\n+OK bye\r\n"),
        # Issue 13.1: a bare CR stays inside its line, in commands and bodies.
        "bare-cr-inside": bytes([0x0A]) + chunk(S, b"+OK ready\r\n")
        + chunk(C, b"USER a\r\nNOOP\rNOOP\r\nPASS b\r\nRETR 1\r\n")
        + chunk(S, b"+OK\r\n-ERR\r\n+OK\r\n+OK 9 octets\r\na\rb\r\n.\rx\r\n.\r\n"),
        # Issue 12.2: lines cut at a snaplen, then a gap of the cut size.
        "snaplen-cut": bytes([0x0A]) + chunk(S, b"+OK ready <1.2@x>\r\n") + chunk(C, b"APOP a 0123")
        + gap(C, 20) + chunk(S, b"+O") + gap(S, 20) + chunk(C, b"RETR 1\r\n")
        + chunk(S, b"+OK 50 octets\r\nab") + gap(S, 24) + gap(S, 24) + chunk(S, b"+OK next\r\n")
        + chunk(C, b"DELE 1\r\n") + chunk(S, b"-E") + gap(S, 3),
        # Setup bit 5: an SSLproxy header is allowed; one stripped, one answered.
        "sslproxy": bytes([0x2A]) + chunk(S, b"+OK ready\r\n")
        + chunk(C, b"SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.0.2.110]:995,s\r\nUSER a\r\n")
        + chunk(S, b"+OK\r\n") + chunk(C, b"AUTH LOGIN\r\n") + chunk(S, b"+ UGFzc3dvcmQ6\r\n")
        + chunk(C, b"cHc=\r\n") + chunk(S, b"+OK\r\n"),
        "sslproxy-answered": bytes([0x2A]) + chunk(S, b"+OK ready\r\n")
        + chunk(C, b"SSLproxy: [::1]:1,[2001:db8::1]:2,[2001:db8::2]:110,p\r\nUSER a\r\nPASS b\r\n")
        + chunk(S, b"-ERR what\r\n+OK\r\n-ERR no\r\n"),
    }
    for name, blob in tracker.items():
        write_seed(outdir, "pop3", blob)
    nt = b"\x01" * 16 + b"\x01\x01\0\0\0\0\0\0" + b"\x02" * 16
    sasl = [
        (0, b"\0alice\0secret"), (0, b"admin\0alice\0secret"), (1, b"alice"),
        (2, b"alice 0123456789abcdef0123456789abcdef"),
        (3, b'username="al\\"ice",realm="r",nonce="n",cnonce="c",nc=00000001,qop=auth,'
            b'digest-uri="pop/x",response=0123456789abcdef0123456789abcdef'),
        (4, b"n,a=adm=2Cin,n=al=3Dice,r=abcdef"), (4, b"c=biws,r=abcdef123,p=dGVzdA=="),
        (7, ntlm_authenticate("alice", "DOM", nt)), (7, b"NTLMSSP\0\x01\0\0\0"),
        (9, b"user=alice\x01auth=Bearer token\x01\x01"), (10, b"n,a=alice,\x01auth=Bearer token\x01\x01"),
        (11, b"alice"), (12, b"trace"),
    ]
    for mech, msg in sasl:
        write_seed(outdir, "sasl", bytes([0, mech]) + msg)
    write_seed(outdir, "sasl", bytes([5, 48]) + b"NTLMSSP\0\x02\0\0\0" + b"\0" * 12 + b"CHALLENGE"
               + b"\0" * 19 + ntlm_authenticate("bob", "D", nt))
    write_seed(outdir, "sasl", bytes([4, 64]) + b"\x0d<1.2@host>\x05alice0123456789abcdef0123456789abcdef")
    write_seed(outdir, "sasl", bytes([3, 0]) + b"+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>")
    # Issue 13.7/12.3: a LOGIN answer after a "Password:" prompt (byte 0 of
    # the message is the prompt's length), XOAUTH2 without ^A, an SSLproxy
    # header (fuzz_sasl_name also parses the message as one).
    write_seed(outdir, "sasl", bytes([0, 1]) + b"\x09Password:hunter2")
    write_seed(outdir, "sasl", bytes([0, 9]) + b"user=alice auth=Bearer token")
    write_seed(outdir, "sasl", bytes([6, 20]) + b"SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[::1]:443,s")
    write_seed(outdir, "sasl", bytes([6, 20]) + b"SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110,p,soner")
    ip6 = (struct.pack("!IHBB", 0x60000000, 8 + 8 + 20 + 6, 0, 64) + b"\0" * 15 + b"\1" + b"\0" * 15 + b"\2"
           + struct.pack("!BBHI", 44, 0, 0, 0)  # hop-by-hop options, then a fragment header
           + struct.pack("!BBHI", 6, 0, 0, 1)  # fragment offset 0, last fragment: a whole datagram
           + struct.pack("!HHIIBBHHH", 40000, 110, 1, 0, 0x50, 0x18, 1000, 0, 0) + b"QUIT\r\n")
    vlan = b"\x02" * 6 + b"\x04" * 6 + b"\x81\x00\x00\x05\x86\xdd" + ip6
    write_seed(outdir, "decode", bytes([1, 0]) + vlan)  # EN10MB with an 802.1Q tag
    write_seed(outdir, "decode", bytes([6, 0]) + b"\0\0\x03\x04\0\x06" + b"\0" * 8 + b"\x86\xdd" + ip6)  # SLL
    write_seed(outdir, "decode", bytes([0, 0]) + struct.pack("<I", 30) + ip6)  # NULL, BSD AF_INET6


def ipv4_fragments(frame, off, piece):
    """The IPv4 datagram of `frame` (IP header at `off`) cut into fragments
    of `piece` bytes (a multiple of 8), last fragment first, the second one
    sent twice: reassembly order, overlap and duplicate handling at once."""
    ip = frame[off:]
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    payload = ip[ihl:total]
    if ip[9] != 6 or len(payload) <= piece or struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
        return [frame]
    frags = []
    for start in range(0, len(payload), piece):
        part = payload[start:start + piece]
        more = 0x2000 if start + piece < len(payload) else 0
        head = bytearray(ip[:ihl])
        head[2:4] = struct.pack(">H", ihl + len(part))
        head[6:8] = struct.pack(">H", more | (start // 8))
        frags.append(frame[:off] + bytes(head) + part)
    order = frags[::-1]
    if len(frags) > 2:
        order.append(frags[1])
    return order


def fragmented_pcap(path):
    """A classic Ethernet pcap with every TCP segment sent as IPv4 fragments."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\xd4\xc3\xb2\xa1" or struct.unpack("<I", data[20:24])[0] != 1:
        return None
    out, pos = bytearray(data[:24]), 24
    while pos + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        is_ipv4 = len(frame) > 34 and frame[12:14] == b"\x08\x00"
        for frag in (ipv4_fragments(frame, 14, 24) if is_ipv4 else [frame]):
            out += struct.pack("<IIII", sec, usec, len(frag), len(frag)) + frag
    return bytes(out)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    hand_seeds(outdir)
    for path in sys.argv[2:]:
        os.makedirs(os.path.join(outdir, "pcap"), exist_ok=True)
        shutil.copyfile(path, os.path.join(outdir, "pcap", os.path.basename(path)))
        fragmented = fragmented_pcap(path)
        if fragmented is not None:
            write_seed(outdir, "pcap", fragmented)
        parsed = read_pcap(path)
        if parsed is None:
            continue
        linktype, frames = parsed
        if linktype in DECODE_LINKS:
            for frame in frames:
                write_seed(outdir, "decode", bytes([DECODE_LINKS.index(linktype), 0]) + frame)
        for chunks in connections(linktype, frames):
            write_seed(outdir, "pop3", tracker_seed(chunks))
            sasl_seeds(outdir, chunks)


if __name__ == "__main__":
    main()
