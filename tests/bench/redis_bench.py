#!/usr/bin/env python3
"""The Redis stream output against JSON lines to a file (issue 15: "the
Redis stream output at least half that speed").

Starts its own redis-server on a free loopback port (own directory, no
persistence), then times, on the same capture hot in the page cache:
  json:  pop3scope --json -o FILE CAPTURE
  redis: pop3scope --emit redis.so:mode=stream,... CAPTURE   (text to /dev/null)
  both:  pop3scope --json -o FILE --emit redis.so:mode=stream,... CAPTURE
A Redis run counts only when, at its exit, the stream holds every event
(XLEN equals the JSON line count) and nothing was dropped: pop3scope exits
after the plugin has every reply, so the wall time is "until every event is
in Redis". run.py calls compare(); run alone for a quick figure:

  redis_bench.py --pop3scope src/pop3scope --plugin plugins/redis.so --gen tests/bench/pop3gen --size 500M
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 0.5  # the Redis stream run's throughput over JSON to a file


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workdir):
        self.port = free_port()
        self.dir = os.path.join(workdir, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def cli(self, *words):
        r = subprocess.run(["redis-cli", "-p", str(self.port), *words], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def timed(argv, stderr_path):
    with open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)


def compare(pop3scope, plugin, pcap, workdir, runs=5, out=sys.stdout):
    """Prints the rows and the ratio; returns (ratio, ok) or None when
    redis-server is not installed."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        print("  redis-server not installed (Debian package redis-server): Redis stream ratio skipped", file=out)
        return None
    server = Server(workdir)
    json_out = os.path.join(workdir, "bench-redis.jsonl")
    err = os.path.join(workdir, "bench-redis.err")
    spec = f"{plugin}:port={server.port},mode=stream,key=bench"
    kinds = {
        "json": [pop3scope, "--json", "-o", json_out, pcap],
        "redis": [pop3scope, "--emit", spec, pcap],
        "both": [pop3scope, "--json", "-o", json_out, "--emit", spec, pcap],
    }
    size = os.path.getsize(pcap)
    times = {k: [] for k in kinds}
    problems = []
    try:
        for _ in range(runs):
            for kind, argv in kinds.items():  # interleaved: a busy spell hits every kind alike
                server.cli("DEL", "bench")
                wall, cpu, rc = timed(argv, err)
                events = sum(1 for _ in open(json_out)) if kind == "json" else None
                if kind == "json":
                    expected = events
                else:
                    got = int(server.cli("XLEN", "bench") or 0)
                    with open(err) as f:
                        text = f.read()
                    if got != expected or "dropped" in text or rc != 0:
                        problems.append(f"{kind}: exit {rc}, {got} of {expected} events in the stream")
                times[kind].append((wall, cpu))
    finally:
        server.stop()
        if os.path.exists(json_out):
            os.unlink(json_out)
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    labels = {"json": "pop3scope --json -o FILE", "redis": "--emit redis:mode=stream",
              "both": "--json -o FILE + --emit redis"}
    print(f"\nRedis stream output ({expected} events, {size / 1e6:.0f} MB, medians of {runs} runs; every event in "
          f"the stream at exit, none dropped):", file=out)
    for k in kinds:
        print(f"  {labels[k]:<34} wall {med[k][0]:7.3f} s {size / med[k][0] / 1e6:8.0f} MB/s   CPU {med[k][1]:6.2f} s",
              file=out)
    ratio = med["json"][0] / med["redis"][0]
    ratio_cpu = med["json"][1] / med["redis"][1]
    ok = ratio >= TARGET and not problems
    for p in problems[:3]:
        print(f"  problem: {p}", file=out)
    print(f"  {'redis stream/JSON file':<26} {ratio:7.2f}  ({ratio_cpu:.2f})   target >= {TARGET:<5} "
          f"{'PASS' if ok else 'FAIL'}", file=out)
    return ratio, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pop3scope", required=True)
    ap.add_argument("--plugin", required=True, help="plugins/redis.so")
    ap.add_argument("--gen", required=True, help="tests/bench/pop3gen")
    ap.add_argument("--size", default="500M")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="pop3scope-redis-bench-")
    try:
        pcap = os.path.join(workdir, "main.pcap")
        subprocess.run([args.gen, "-s", args.seed, "-b", args.size, "-o", pcap, "-t", pcap + ".truth"], check=True)
        r = compare(os.path.abspath(args.pop3scope), os.path.abspath(args.plugin), pcap, workdir, args.runs)
        return 0 if r is None or r[1] else 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
