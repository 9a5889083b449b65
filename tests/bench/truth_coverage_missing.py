# Run by tests/bench/bench_truth.sh (see the comment above where it runs).
import json, re, sys
cov = json.loads(open(sys.argv[1]).read().splitlines()[-1])
gen = open(sys.argv[2]).read()
need = ["method:USER", "method:APOP", "method:PLAIN", "method:LOGIN", "method:CRAM-MD5", "method:XOAUTH2",
        "outcome:success", "outcome:failure", "outcome:aborted", "exposure:cleartext", "exposure:hash",
        "exposure:token", "exposure:none", "tls:none", "tls:stls", "tls:implicit", "ipv6", "odd_port", "end:quit",
        "end:fin", "end:rst", "committed", "top", "authzid", "resp_code", "maildrop_octets_unknown"]
lacking = [k for k in need if cov.get(k, 0) == 0]
for word in ["IPv6 flows", "duplicated", "reordered", "lowercase", "pipelining", "dot-stuffed lines", "other flows"]:
    m = re.search(r"(\d+) " + word, gen)
    if not m or int(m.group(1)) == 0:
        lacking.append(word)
print(" ".join(lacking))
