# Run by tests/lib/dovecot-lib.sh (see the comment above where it runs).
import base64, hashlib, hmac, json, sys, time
user, life, keyfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
key = base64.b64decode(open(keyfile).read())
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "default"}).encode())
body = b64(json.dumps({"sub": user, "iat": now - 60, "exp": now + life}).encode())
sig = b64(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
print(head + "." + body + "." + sig)
