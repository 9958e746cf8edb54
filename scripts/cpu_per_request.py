#!/usr/bin/env python3
"""CPU time a server spends per answered request, for servers side by side.

Throughput on this 2-core machine moves with whatever else runs; the CPU
time the server process itself spends per answer (utime + stime from
/proc/PID/stat across a wrk run, divided by the requests wrk counted) moves
much less. Each target is measured in turn, for several rounds; the median
of each is printed with its ratio to the first target's.

    scripts/cpu_per_request.py [--rounds N] [--seconds S] NAME PID URL TOKEN [NAME PID URL TOKEN ...]

Needs wrk. Every answer must be 2xx (a refused token would measure nothing).
"""
import argparse
import os
import re
import subprocess
import sys


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("targets", nargs="+")
    args = ap.parse_args()
    if len(args.targets) % 4:
        ap.error("targets come in fours: NAME PID URL TOKEN")
    targets = [args.targets[i:i + 4] for i in range(0, len(args.targets), 4)]
    runs = {name: [] for name, *_ in targets}
    for _ in range(args.rounds):
        for name, pid, url, token in targets:
            before = cpu_seconds(int(pid))
            out = subprocess.run(["wrk", "-t2", "-c32", f"-d{args.seconds}s",
                                  "-H", f"Authorization: Zoho-oauthtoken {token}", url],
                                 capture_output=True, text=True, check=True).stdout
            spent = cpu_seconds(int(pid)) - before
            if re.search(r"Non-2xx or 3xx responses", out):
                sys.exit(f"{name}: answers that are not 2xx:\n{out}")
            answered = int(re.search(r"(\d+) requests in", out).group(1))
            runs[name].append(spent / answered * 1e6)
    first = None
    for name, xs in runs.items():
        xs.sort()
        median = xs[len(xs) // 2]
        first = first or median
        print(f"{name:28s} {median:7.1f} µs CPU/request  {median / first:5.2f}×  "
              f"(runs {', '.join('%.1f' % x for x in xs)})")


if __name__ == "__main__":
    main()
