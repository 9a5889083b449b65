#!/usr/bin/env python3
"""Raw-socket POP3 clients for the live tests (tests/live/e2e_pipeline_sasl.sh,
tests/hostile/snaplen.sh): what no packaged client sends on purpose.

  raw_pop3.py pipeline NAME   one login by SASL mechanism, commands
                              pipelined behind the last SASL line
  raw_pop3.py barecr          "NOOP\\rNOOP" before each of 12 wrong
                              passwords, then the right one

Each prints one JSON line: the client's local port and what the server
answered, paired by the client itself (it knows what it sent), so the
checker compares pop3scope's report with the server's own answers. Only
127.0.0.1. Passwords are those of tests/lib/dovecot-lib.sh; OAuth tokens come
in the environment (TOKEN). RAW_POP3_SRC_PORT, when set, is the client's
source port: the checker tells connections apart by it, and a kernel may
hand a closed connection's ephemeral port to the next one (the client
closes last, so nothing holds the port in TIME-WAIT on its side).
"""
import base64
import errno
import hashlib
import hmac
import json
import os
import socket
import sys

PASSWORDS = {"alice": b"alice-secret-1", "bob": b"bob pass with spaces", "carol": b"carol-pw"}
# Commands pipelined after the login (issue 12.1); a body follows +OK to
# UIDL (bare), RETR and TOP (RFC 1939 §7).
COMMANDS = [b"STAT", b"UIDL", b"RETR 1", b"DELE 1", b"TOP 2 1", b"QUIT"]
MULTI = (b"UIDL", b"LIST", b"RETR", b"TOP", b"CAPA")


class Conn:
    def __init__(self, port=110):
        src = int(os.environ.get("RAW_POP3_SRC_PORT", "0"))
        for attempt in range(10):
            try:
                self.s = socket.create_connection(("127.0.0.1", port), timeout=15,
                                                  source_address=("127.0.0.1", src + 100 * attempt if src else 0))
                break
            except OSError as e:
                if not src or e.errno != errno.EADDRINUSE or attempt == 9:
                    raise
        self.f = self.s.makefile("rb")
        self.port = self.s.getsockname()[1]
        self.greeting = self.raw()

    def raw(self):
        line = self.f.readline()
        if not line:
            raise EOFError
        return line

    def line(self):
        return self.raw().rstrip(b"\r\n")

    def send(self, data):
        self.s.sendall(data)

    def body(self):
        """Un-stuffed octets of a multi-line body, line ends included."""
        octets = 0
        while True:
            raw = self.raw()
            if raw in (b".\r\n", b".\n"):
                return octets
            octets += len(raw) - (1 if raw.startswith(b".") else 0)


def static(value):
    return (True, lambda _challenge: value)


def cram_md5(user, pw):
    return [(False, lambda c: user + b" " + hmac.new(pw, c, hashlib.md5).hexdigest().encode())]


def digest_md5(user, pw):
    """RFC 2831 §2.1.2, qop=auth; the second answer (to rspauth) is empty."""
    def respond(challenge):
        fields = {}
        for part in challenge.decode().split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                fields[k.strip()] = v.strip().strip('"')
        realm, nonce, cnonce, nc, uri = fields.get("realm", ""), fields["nonce"], "c0ffee0123456789", "00000001", "pop/localhost"
        a1 = hashlib.md5(f"{user.decode()}:{realm}:{pw.decode()}".encode()).digest() + f":{nonce}:{cnonce}".encode()
        ha1 = hashlib.md5(a1).hexdigest()
        ha2 = hashlib.md5(f"AUTHENTICATE:{uri}".encode()).hexdigest()
        resp = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        out = f'username="{user.decode()}",'
        if realm:
            out += f'realm="{realm}",'
        out += f'nonce="{nonce}",cnonce="{cnonce}",nc={nc},qop=auth,digest-uri="{uri}",response={resp},charset=utf-8'
        return out.encode()
    return [(False, respond), (False, lambda _c: b"")]


def scram(user, pw, name):
    """RFC 5802 §3 (SHA-1) and RFC 7677 (SHA-256); the last answer is empty."""
    h = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}[name]
    bare = b"n=" + user + b",r=pop3scopeclientnonce0123"
    state = {}

    def final(server_first):
        f = dict(p.split("=", 1) for p in server_first.decode().split(","))
        salted = hashlib.pbkdf2_hmac(h, pw, base64.b64decode(f["s"]), int(f["i"]))
        client_key = hmac.new(salted, b"Client Key", h).digest()
        stored = hashlib.new(h, client_key).digest()
        without = b"c=biws,r=" + f["r"].encode()
        auth_message = bare + b"," + server_first + b"," + without
        sig = hmac.new(stored, auth_message, h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        state["done"] = True
        return without + b",p=" + base64.b64encode(proof)
    return [static(b"n,," + bare), (False, final), (False, lambda _c: b"")]


def mechanism(name, user):
    pw = PASSWORDS.get(user.decode(), b"")
    token = os.environ.get("TOKEN", "").encode()
    if name == "PLAIN":
        return [static(b"\0" + user + b"\0" + pw)]
    if name == "PLAIN-WRONG":
        return [static(b"\0" + user + b"\0wrong-password")]
    if name == "LOGIN":
        return [static(user), static(pw)]
    if name == "CRAM-MD5":
        return cram_md5(user, pw)
    if name == "DIGEST-MD5":
        return digest_md5(user, pw)
    if name.startswith("SCRAM-"):
        return scram(user, pw, name)
    if name == "ANONYMOUS":
        return [static(b"trace@example.test")]
    if name == "XOAUTH2":
        return [static(b"user=" + user + b"\x01auth=Bearer " + token + b"\x01\x01")]
    if name == "OAUTHBEARER":
        return [static(b"n,a=" + user + b",\x01auth=Bearer " + token + b"\x01\x01")]
    raise SystemExit(f"unknown mechanism {name}")


def b64line(answer):
    return (base64.b64encode(answer) if answer else b"") + b"\r\n"


def pipeline(spec):
    """spec: MECH[-WRONG]:ir|ahead|wait. ir: first answer on the AUTH line;
    ahead: every answer that needs no challenge is sent at once, before any
    prompt; wait: each answer waits for its prompt. The commands always go
    in the same segment as the last SASL line."""
    mech_name, mode = spec.split(":")
    user = b"alice"
    answers = mechanism(mech_name, user)
    wire = mech_name.replace("-WRONG", "").encode()
    c = Conn()
    out = b"AUTH " + wire
    i = 0
    if mode == "ir":
        first = answers[0][1](b"")
        out += b" " + (base64.b64encode(first) if first else b"=")
        i = 1
    out += b"\r\n"
    if mode != "wait":
        while i < len(answers) and answers[i][0]:
            out += b64line(answers[i][1](b""))
            i += 1
    sent_ahead = i - (1 if mode == "ir" else 0)
    if i == len(answers):
        out += b"".join(cmd + b"\r\n" for cmd in COMMANDS)
    c.send(out)
    prompts = 0
    while True:
        line = c.line()
        if line.startswith(b"+OK") or line.startswith(b"-ERR"):
            verdict = line
            break
        prompts += 1
        if prompts <= sent_ahead:
            continue  # the server took an answer sent ahead
        challenge = base64.b64decode(line[2:]) if len(line) > 2 else b""
        if i < len(answers):
            msg = b64line(answers[i][1](challenge))
            i += 1
        else:
            msg = b"\r\n"
        if i == len(answers):
            msg += b"".join(cmd + b"\r\n" for cmd in COMMANDS)
        c.send(msg)
    result = {"port": c.port, "spec": spec, "verdict": verdict.decode("latin1"), "prompts": prompts,
              "commands": 1 + len(COMMANDS), "maildrop": None, "retr_count": 0, "retr_octets": 0,
              "top_count": 0, "dele_count": 0, "quit_ok": False, "replies": []}
    ok_login = verdict.startswith(b"+OK")
    try:
        for cmd in COMMANDS:
            status = c.line()
            result["replies"].append(status.decode("latin1"))
            ok = status.startswith(b"+OK")
            verb = cmd.split(b" ")[0]
            octets = c.body() if ok and verb in MULTI and (verb not in (b"UIDL", b"LIST") or cmd == verb) else 0
            if ok and verb == b"STAT":
                n, size = status.split()[1:3]
                result["maildrop"] = [int(n), int(size)]
            elif ok and verb == b"RETR":
                result["retr_count"] += 1
                result["retr_octets"] += octets
            elif ok and verb == b"TOP":
                result["top_count"] += 1
            elif ok and verb == b"DELE":
                result["dele_count"] += 1
            elif ok and verb == b"QUIT":
                result["quit_ok"] = True
    except EOFError:
        result["eof_early"] = True
    result["logged_in"] = ok_login
    c.s.close()
    print(json.dumps(result))


def barecr():
    """Issue 13.1: a bare CR before each wrong PASS, twelve times, then the
    right password. Dovecot reads lines to LF: "NOOP\\rNOOP" is one unknown
    command, answered by one -ERR."""
    c = Conn()
    rounds = []
    pws = [b"guess-%02d" % i for i in range(12)] + [PASSWORDS["alice"]]
    for pw in pws:
        c.send(b"USER alice\r\nNOOP\rNOOP\r\nPASS " + pw + b"\r\n")
        rounds.append([c.line().decode("latin1") for _ in range(3)])
    c.send(b"STAT\r\nQUIT\r\n")
    stat, quit_reply = c.line(), c.line()
    c.s.close()
    print(json.dumps({"port": c.port, "passwords": [p.decode() for p in pws], "rounds": rounds,
                      "stat": stat.decode("latin1"), "quit": quit_reply.decode("latin1")}))


if __name__ == "__main__":
    if sys.argv[1] == "pipeline":
        pipeline(sys.argv[2])
    elif sys.argv[1] == "barecr":
        barecr()
    else:
        raise SystemExit(__doc__)
