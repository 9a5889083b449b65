# Run by tests/cli/threads.sh (see the comment above where it runs).
import random, struct, sys
data = open(sys.argv[1], 'rb').read()
e = '<' if data[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
rnd, out, off = random.Random(7), [data[:24]], 24
while off + 16 <= len(data):
    sec, usec, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
    t = sec * 1000000 + usec
    if rnd.random() < 0.05:
        t = max(0, t + rnd.randint(-3000000, 3000000))
    out += [struct.pack(e + 'IIII', t // 1000000, t % 1000000, incl, orig), data[off + 16:off + 16 + incl]]
    off += 16 + incl
open(sys.argv[2], 'wb').write(b''.join(out))
