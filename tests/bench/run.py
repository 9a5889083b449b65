#!/usr/bin/env python3
"""The speed bench of issue 6 (`make bench`).

1. Generates a realistic capture with tests/bench/pop3gen (seeded: the same
   file every time) and its ground truth.
2. Checks pop3scope's events against the truth. A fast wrong answer does not
   count: on a mismatch nothing is timed (unless --force).
3. Times, side by side on the same file hot in the page cache, each several
   times (medians): the libpcap floor (tests/bench/floor, and its --touch
   variant), pop3scope --json, ndpiReader, and tshark with the POP dissector
   (on a smaller file: it is slow; its figures are per MB, so comparable).
4. Peak RSS of pop3scope on a small and a large input (flat or not), the
   cost of non-POP3 traffic alone, and allocation counts (LD_PRELOAD
   tests/bench/malloc_count.so) to show nothing is allocated per packet.

Big files go to a temporary directory that is removed at the end.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import redis_bench  # noqa: E402  (beside this file)

TARGETS = {
    "floor": 0.50,  # pop3scope at least this share of the floor's MB/s
    "ndpi": 2.0,  # at least this many times ndpiReader's MB/s
    "tshark": 30.0,  # at least this many times tshark's MB/s
    "rss_mib": 64.0,  # peak RSS at most this
    "rss_flat": 0.10,  # and within this from small to large input
}


def parse_size(text):
    m = re.fullmatch(r"(\d+)([KMG]?)", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def human(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


class Measured:
    def __init__(self, wall, cpu, rss_kib, rc):
        self.wall, self.cpu, self.rss_kib, self.rc = wall, cpu, rss_kib, rc


GNU_TIME = "/usr/bin/time"


def run_measured(argv, stdout_path=os.devnull, env=None, wrap=True):
    """Runs argv to its end: wall time, CPU time and peak RSS of the child.

    The peak RSS comes from GNU time's %M: a child forked from this Python
    process would otherwise report Python's own RSS (the kernel keeps the
    larger of the peaks before and after exec), which swamps a small tool.
    """
    with open(stdout_path, "wb") as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *argv] if wrap and os.access(GNU_TIME, os.X_OK) \
            else argv
        t0 = time.perf_counter()
        p = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        text = rss.read().strip().splitlines()
        rss_kib = int(text[-1]) if text and text[-1].isdigit() else ru.ru_maxrss
        if p.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
    return Measured(wall, ru.ru_utime + ru.ru_stime, rss_kib, p.returncode)


def read_hot(path):
    """Reads the file once so every timed run finds it in the page cache."""
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


def generate(args, size, name, extra=()):
    pcap = os.path.join(args.workdir, f"{name}.pcap")
    truth = os.path.join(args.workdir, f"{name}.truth.jsonl")
    argv = [args.gen, "-s", str(args.seed), "-b", str(size), "-o", pcap, "-t", truth, *extra]
    r = subprocess.run(argv, stderr=subprocess.PIPE, check=True)
    summary = r.stderr.decode().strip()
    m = re.search(r"(\d+) packets, (\d+) POP3 sessions, (\d+) other flows, (\d+) auth events", summary)
    info = {
        "pcap": pcap,
        "truth": truth,
        "bytes": os.path.getsize(pcap),
        "packets": int(m.group(1)),
        "sessions": int(m.group(2)),
        "flows": int(m.group(2)) + int(m.group(3)),
        "events": int(m.group(2)) + int(m.group(4)),
        "summary": summary,
    }
    return info


def check_truth(args, cap, label, extra=()):
    """pop3scope --json --show-passwords against the truth. Also gives the
    peak RSS of a full run (the events are written to a file)."""
    out = os.path.join(args.workdir, "events.jsonl")
    m = run_measured([args.pop3scope, "--json", "--show-passwords", *extra, cap["pcap"]], out)
    r = subprocess.run([sys.executable, os.path.join(HERE, "truth.py"), cap["truth"], out],
                       stdout=subprocess.PIPE, text=True)
    os.unlink(out)
    ok = m.rc == 0 and r.returncode == 0
    print(f"correctness ({label}): {r.stdout.strip()}" + ("" if m.rc == 0 else f" [pop3scope exit {m.rc}]"))
    return ok, m


def bench(argv, runs, stdout_path=os.devnull):
    results = [run_measured(argv, stdout_path) for _ in range(runs)]
    bad = [r.rc for r in results if r.rc != 0]
    if bad:
        print(f"  warning: {' '.join(argv)} exited {bad[0]}")
    return {
        "wall": statistics.median(r.wall for r in results),
        "cpu": statistics.median(r.cpu for r in results),
        "rss_mib": max(r.rss_kib for r in results) / 1024.0,
        "runs": runs,
    }


def row(label, cap, res):
    mbs = cap["bytes"] / res["wall"] / 1e6
    kpps = cap["packets"] / res["wall"] / 1e3
    res["mbs"] = mbs
    res["mbs_cpu"] = cap["bytes"] / max(res["cpu"], 1e-6) / 1e6
    print(f"  {label:<34} {human(args_global.sizes[cap['name']]):>5} {res['runs']:>4} {res['wall']:>8.3f} "
          f"{mbs:>8.0f} {kpps:>8.0f} {res['cpu']:>7.2f} {res['mbs_cpu']:>9.0f} {res['rss_mib']:>8.1f}")


def ratio(res, a, b, key="mbs"):
    """a's throughput over b's, on wall time and on CPU time."""
    return res[a][key] / res[b][key], res[a]["mbs_cpu"] / res[b]["mbs_cpu"]


def verdict(ok):
    return "PASS" if ok else "FAIL"


def malloc_counts(args, cap, mode):
    out = os.path.join(args.workdir, "malloc.txt")
    env = dict(os.environ, LD_PRELOAD=args.malloc_count, MALLOC_COUNT_OUT=out)
    m = run_measured([args.pop3scope, *mode, cap["pcap"]], env=env, wrap=False)  # count pop3scope only
    with open(out) as f:
        fields = f.read().split()
    os.unlink(out)
    counts = dict(zip(fields[0::2], map(int, fields[1::2])))
    counts["allocs"] = counts["malloc"] + counts["calloc"] + counts["realloc"]
    return counts if m.rc == 0 else None


def report_allocations(args, small, main_cap):
    print("\nallocations (LD_PRELOAD malloc_count.so; the difference between two sizes of the same traffic):")
    for mode, label in ((["--summary"], "pipeline (--summary: no per-event output)"),
                        (["--json"], "pipeline + JSON output")):
        a = malloc_counts(args, small, mode)
        b = malloc_counts(args, main_cap, mode)
        if a is None or b is None:
            print(f"  {label}: could not run")
            continue
        d = b["allocs"] - a["allocs"]
        dp = main_cap["packets"] - small["packets"]
        df = main_cap["flows"] - small["flows"]
        de = main_cap["events"] - small["events"]
        print(f"  {label}: {a['allocs']} allocations on {human(args.sizes['small'])}, {b['allocs']} on "
              f"{human(args.sizes['main'])}: {d / dp:.4f} per extra packet, {d / df:.2f} per extra flow, "
              f"{d / de:.2f} per extra event")


def main():
    global args_global
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pop3scope", required=True)
    ap.add_argument("--gen", required=True, help="tests/bench/pop3gen")
    ap.add_argument("--floor", required=True, help="tests/bench/floor")
    ap.add_argument("--malloc-count", help="tests/bench/malloc_count.so")
    ap.add_argument("--redis-plugin", help="plugins/redis.so: time the Redis stream output against JSON to a file")
    ap.add_argument("--size", type=parse_size, default=parse_size("1G"), help="main capture (default 1G)")
    ap.add_argument("--small", type=parse_size, default=parse_size("100M"), help="tshark and RSS (default 100M)")
    ap.add_argument("--large", type=parse_size, default=parse_size("2G"), help="RSS flatness (default 2G; 0: skip)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow-runs", type=int, default=3, help="runs of tshark")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="time even if the events differ from the truth")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    ap.add_argument("--workdir", help="where the captures go (default: a new temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the captures")
    args = ap.parse_args()
    args.sizes = {"main": args.size, "small": args.small, "large": args.large, "other": args.small}
    args_global = args
    own_dir = args.workdir is None
    if own_dir:
        args.workdir = tempfile.mkdtemp(prefix="pop3scope-bench-")
    try:
        return run(args)
    finally:
        if own_dir and not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
        elif args.keep:
            print(f"captures kept in {args.workdir}")


def tool_available(name):
    if shutil.which(name):
        return True
    print(f"  {name} not found: installing it (apt-get install {'libndpi-bin' if name == 'ndpiReader' else name})")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                    "libndpi-bin" if name == "ndpiReader" else name],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which(name) is not None


def run(args):
    load = os.getloadavg()[0]
    print(f"pop3scope speed bench: {os.cpu_count()} CPUs, {platform_cpu()}, load average {load:.2f}; "
          f"workdir {args.workdir}")
    if load > 0.5:
        print("  warning: the machine is busy; wall-clock figures will be low (CPU-time figures hold better)")
    print("  " + subprocess.run([args.pop3scope, "-V"], stdout=subprocess.PIPE, text=True).stdout.replace("\n", "; "))
    main_cap = generate(args, args.size, "main")
    main_cap["name"] = "main"
    print(f"capture: {main_cap['summary']}")
    small = generate(args, args.small, "small")
    small["name"] = "small"

    ok_main, full_main = check_truth(args, main_cap, human(args.size))
    ok_small, full_small = check_truth(args, small, human(args.small))
    help_text = subprocess.run([args.pop3scope, "--help"], stdout=subprocess.PIPE, text=True).stdout
    if "--threads" in help_text:
        # The threaded run is timed too, so it must be right too.
        ok_threads, _ = check_truth(args, main_cap, human(args.size) + ", --threads 2", ("--threads", "2"))
        ok_main = ok_main and ok_threads
    if not (ok_main and ok_small):
        if not args.force:
            print("pop3scope's events differ from the truth: nothing timed (--force times anyway)")
            return 1
        print("WARNING: events differ from the truth; timing anyway (--force): figures are UNVERIFIED")

    print(f"\ntimings: medians of {args.runs} runs (tshark {args.slow_runs}), files hot in the page cache")
    print(f"  {'tool':<34} {'file':>5} {'runs':>4} {'wall s':>8} {'MB/s':>8} {'kpkt/s':>8} {'CPU s':>7} "
          f"{'MB/CPU-s':>9} {'RSS MiB':>8}")
    read_hot(main_cap["pcap"])
    res = {}
    res["floor"] = bench([args.floor, main_cap["pcap"]], args.runs)
    row("floor (pcap_next_ex)", main_cap, res["floor"])
    res["touch"] = bench([args.floor, "--touch", main_cap["pcap"]], args.runs)
    row("floor --touch (reads every byte)", main_cap, res["touch"])
    res["p3"] = bench([args.pop3scope, "--json", main_cap["pcap"]], args.runs)
    row("pop3scope --json", main_cap, res["p3"])
    if "--no-ndpi" in help_text:
        res["p3_nondpi"] = bench([args.pop3scope, "--json", "--no-ndpi", main_cap["pcap"]], args.runs)
        row("pop3scope --json --no-ndpi", main_cap, res["p3_nondpi"])
    if "--threads" in help_text:
        res["p3_t2"] = bench([args.pop3scope, "--json", "--threads", "2", main_cap["pcap"]], args.runs)
        row("pop3scope --json --threads 2", main_cap, res["p3_t2"])
    if tool_available("ndpiReader"):
        res["ndpi"] = bench(["ndpiReader", "-q", "-i", main_cap["pcap"]], args.runs)
        row("ndpiReader -q", main_cap, res["ndpi"])
    read_hot(small["pcap"])
    res["p3_small"] = bench([args.pop3scope, "--json", small["pcap"]], args.runs)
    row("pop3scope --json", small, res["p3_small"])
    if tool_available("tshark"):
        res["tshark"] = bench(["tshark", "-n", "-r", small["pcap"], "-Y", "pop", "-T", "fields", "-e", "frame.number",
                               "-e", "pop.request.command", "-e", "pop.response.indicator"], args.slow_runs)
        row("tshark -Y pop (POP dissector)", small, res["tshark"])

    other = generate(args, args.small, "other", ["-x", "1"])
    other["name"] = "other"
    read_hot(other["pcap"])
    res["other_floor"] = bench([args.floor, other["pcap"]], args.runs)
    row("floor, non-POP3 traffic only", other, res["other_floor"])
    res["other_p3"] = bench([args.pop3scope, "--json", other["pcap"]], args.runs)
    row("pop3scope, non-POP3 traffic only", other, res["other_p3"])
    os.unlink(other["pcap"])

    print("\nratios of throughput (wall time; on CPU time in brackets). tshark ran on the smaller file and is"
          " compared with pop3scope on that file:")
    checks = []

    def target(label, value, want, shown):
        checks.append(value[0] >= want)
        print(f"  {label:<26} {value[0]:7.2f}  ({value[1]:.2f})   target >= {shown:<5} {verdict(checks[-1])}")

    target("pop3scope/floor", ratio(res, "p3", "floor"), TARGETS["floor"], f"{TARGETS['floor']:.2f}")
    r = ratio(res, "p3", "touch")
    print(f"  {'pop3scope/floor --touch':<26} {r[0]:7.2f}  ({r[1]:.2f})")
    if "p3_t2" in res:
        r = ratio(res, "p3_t2", "floor")
        print(f"  {'--threads 2/floor':<26} {r[0]:7.2f}  ({r[1]:.2f})   aim >= 0.75 {verdict(r[0] >= 0.75)}")
        r = ratio(res, "p3_t2", "p3")
        print(f"  {'--threads 2/one thread':<26} {r[0]:7.2f}  ({r[1]:.2f})   scaling on {os.cpu_count()} CPUs")
    if "ndpi" in res:
        target("pop3scope/ndpiReader", ratio(res, "p3", "ndpi"), TARGETS["ndpi"], f"{TARGETS['ndpi']:.0f}")
    if "tshark" in res:
        target("pop3scope/tshark", ratio(res, "p3_small", "tshark"), TARGETS["tshark"], f"{TARGETS['tshark']:.0f}")
    r = ratio(res, "other_p3", "other_floor")
    print(f"  {'non-POP3 only: /floor':<26} {r[0]:7.2f}  ({r[1]:.2f})")
    if args.redis_plugin:
        read_hot(main_cap["pcap"])
        redis = redis_bench.compare(args.pop3scope, args.redis_plugin, main_cap["pcap"], args.workdir, args.runs)
        if redis is not None:
            checks.append(redis[1])
    print("\npeak RSS of pop3scope (--json --show-passwords, events to a file):")
    rss = [(human(args.small), full_small.rss_kib / 1024.0), (human(args.size), full_main.rss_kib / 1024.0)]
    if args.large > 0:
        large = generate(args, args.large, "large")
        large["name"] = "large"
        ok_large, full_large = check_truth(args, large, human(args.large))
        if not ok_large and not args.force:
            print("pop3scope's events differ from the truth on the large capture")
            return 1
        rss.append((human(args.large), full_large.rss_kib / 1024.0))
        os.unlink(large["pcap"])
    lo, hi = min(v for _, v in rss), max(v for _, v in rss)
    flat = (hi - lo) / lo
    checks.append(hi <= TARGETS["rss_mib"] and flat <= TARGETS["rss_flat"])
    print("  " + ", ".join(f"{name}: {v:.1f} MiB" for name, v in rss) +
          f"; spread {100 * flat:.1f}%   target <= {TARGETS['rss_mib']:.0f} MiB, within "
          f"{100 * TARGETS['rss_flat']:.0f}%  {verdict(checks[-1])}")

    if args.malloc_count:
        report_allocations(args, small, main_cap)

    print(f"\ntargets: {sum(checks)} of {len(checks)} met")
    return 2 if args.strict and not all(checks) else 0


def platform_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
