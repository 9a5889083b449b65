# Run by tests/live/live_flood.sh (see the comment above where it runs).
import os, subprocess, sys
i = sys.argv.index("--")
work = os.environ["WORK"]
gen = subprocess.Popen(sys.argv[1:i], stdout=subprocess.PIPE)
scope = subprocess.Popen(sys.argv[i + 1:], stdin=gen.stdout, stdout=open(f"{work}/out", "wb"),
                         stderr=open(f"{work}/err", "wb"))
gen.stdout.close()
_, status, usage = os.wait4(scope.pid, 0)
gen.wait()
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
