#!/usr/bin/env python3
"""Instructions an orgdir binary executes per answered request, binaries
side by side: a measure that does not move with whatever else the machine
runs (valgrind's callgrind counts instructions, not seconds).

Each binary is started under callgrind on a fresh SQLite database with its
demo org; after a warm-up of the same requests the counters are zeroed,
then REQUESTS requests are sent one after another on one kept-alive
connection, the counters dumped, and their total (every thread of the
server) divided by REQUESTS. Rounds alternate between the binaries; the
median of each is printed with its ratio to the first binary's.

    scripts/instructions_per_request.py [--requests N] [--rounds R] [--path P] NAME=BIN [NAME=BIN ...]

Needs valgrind (callgrind_control). The default path is the users count.
"""
import argparse
import glob
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def send(port, token, path, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(n):
        conn.request("GET", path, headers={"Authorization": f"Zoho-oauthtoken {token}"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"answer {response.status} for {path}")
    conn.close()


def measure(binary, path, warmup, requests):
    work = tempfile.mkdtemp(prefix="ipr-")
    port = free_port()
    out = open(os.path.join(work, "out"), "w+")
    env = dict(os.environ, ORGDIR_ADMIN_KEY="instructions-per-request-admin-key-0123456789",
               ORGDIR_LOG="warn")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/cg.%p",
         binary, "serve", "--database-url", f"sqlite://{work}/orgdir.db",
         "--listen", f"127.0.0.1:{port}"],
        stdout=out, stderr=subprocess.DEVNULL, env=env)
    try:
        token = None
        for _ in range(1200):
            out.seek(0)
            found = re.search(r"access token[^:]*:\s+(\S+)", out.read())
            if found:
                token = found.group(1)
                break
            time.sleep(0.1)
        if token is None:
            sys.exit(f"{binary} printed no token")
        send(port, token, path, warmup)
        subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True, capture_output=True)
        send(port, token, path, requests)
        subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True, capture_output=True)
        total = 0
        for dump in glob.glob(f"{work}/cg.{server.pid}.*"):
            for line in open(dump):
                if line.startswith("summary:") or line.startswith("totals:"):
                    total += int(line.split()[1])
                    break
        return total / requests
    finally:
        server.terminate()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--path", default="/crm/v8/users/actions/count")
    ap.add_argument("binaries", nargs="+", help="NAME=BIN")
    args = ap.parse_args()
    targets = [b.split("=", 1) for b in args.binaries]
    runs = {name: [] for name, _ in targets}
    for _ in range(args.rounds):
        for name, binary in targets:
            runs[name].append(measure(binary, args.path, args.warmup, args.requests))
    first = None
    print(f"{args.path}, {args.requests} requests after {args.warmup}, {args.rounds} rounds")
    for name, xs in runs.items():
        xs.sort()
        median = xs[len(xs) // 2]
        first = first or median
        print(f"{name:24} {median:12,.0f} instructions per request  {median / first:5.2f}x   {[round(x) for x in xs]}")


if __name__ == "__main__":
    main()
