#!/usr/bin/env python3
"""Zoho's Python SDK for API v8 (zohocrmsdk8-0), unmodified, against orgdir.

Starts `orgdir serve` on a free port with a fresh SQLite database (once per
pass), imports the fixture orgs through the control plane, and runs every
scenario twice: with access tokens minted by the control plane, then with the
SDK's own OAuth handling (refresh tokens from a consent driven over HTTP).

    python run_suite.py [--bin PATH] [--pass access-token|oauth|all] [-k TEXT] [-v] [--keep]

The binary is $ORGDIR_BIN, else ${CARGO_TARGET_DIR:-target}/debug/orgdir
(relative to the repository).
The last line is `sdk-conformance: N passed, M failed` (N and M count
assertions); the exit status is 1 when anything failed.
"""

import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (AccessTokenAuth, Ctx, OAuthAuth, Orgs, Results, SdkLog, Server, Stop, Wire,  # noqa: E402
                     initialize, make_workdir, remove_workdir)


def demo_org(ctx):
    """The demo org that `serve` creates on an empty database."""
    from scenarios import users_count, licences
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

    ctx.true("serve printed the demo org and its token", bool(ctx.server.demo_org and ctx.server.demo_token),
             "stdout: %s" % open(ctx.server.out_path).read()[:400])
    if ctx.pass_name == "access-token":
        initialize(ctx, OAuthToken(access_token=ctx.server.demo_token, find_user=False))
    else:
        ctx.login(ctx.server.demo_org)
    ctx.eq("demo org: AllUsers", users_count(ctx, "AllUsers"), 1)
    ctx.eq("demo org: ActiveConfirmedAdmins", users_count(ctx, "ActiveConfirmedAdmins"), 1)
    lic = licences(ctx)
    ctx.eq("demo org: one licence used", lic["used"], 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = os.path.join(harness.REPO, os.environ.get("CARGO_TARGET_DIR") or "target")
    ap.add_argument("--bin", default=os.environ.get("ORGDIR_BIN") or os.path.join(target, "debug", "orgdir"))
    ap.add_argument("--pass", dest="passes", default="all", choices=["access-token", "oauth", "all"])
    ap.add_argument("-k", dest="only", default=None, help="run only scenarios whose name contains this text")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print every assertion")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, databases)")
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        print("orgdir binary not found or not executable: %s (build it, or set ORGDIR_BIN)" % binary)
        print("sdk-conformance: 0 passed, 1 failed")
        return 1

    import scenarios

    started = time.time()
    wire = Wire()
    wire.install()
    sdklog = SdkLog()
    sdklog.attach()
    results = Results()
    workdir = make_workdir()
    passes = ["access-token", "oauth"] if args.passes == "all" else [args.passes]

    for pass_name in passes:
        server = Server(binary, workdir).start()
        orgs = Orgs(server)
        auth = AccessTokenAuth(server) if pass_name == "access-token" else OAuthAuth(server, orgs)
        ctx = Ctx(results, wire, sdklog, server, orgs, auth, workdir, pass_name, args.verbose)
        ctx.binary = binary
        todo = [("demo org", demo_org)] + scenarios.COMMON + (scenarios.OAUTH_ONLY if pass_name == "oauth" else [])
        print("== pass %s: orgdir on %s" % (pass_name, server.base), flush=True)
        try:
            for name, fn in todo:
                if args.only and args.only.lower() not in name.lower():
                    continue
                ctx.scenario = name
                ctx.scenario_failed = False
                ctx.call_mark = wire.mark()
                ctx.log_mark = sdklog.mark()
                before = results.passed + results.failed
                t0 = time.time()
                try:
                    fn(ctx)
                except Stop:
                    pass
                except Exception as e:
                    tb = traceback.format_exc().strip().splitlines()
                    ctx._fail("the scenario raised", "%s: %s\n    %s" % (type(e).__name__, harness.mask(str(e))[:800],
                                                                      "\n    ".join(tb[-8:])))
                took = time.time() - t0
                ok = not ctx.scenario_failed
                results.scenarios.append((pass_name, name, ok, took))
                print("%s [%s] %s (%d checks, %.1f s)" % ("ok  " if ok else "FAIL", pass_name, name,
                                                          results.passed + results.failed - before, took), flush=True)
        finally:
            server.stop()

    took = time.time() - started
    failed_scenarios = [s for s in results.scenarios if not s[2]]
    if results.failures:
        print("\n== failures")
        for f in results.failures:
            print(f)
            print()
    if args.keep:
        print("kept %s" % workdir)
    else:
        remove_workdir(workdir)
    print("Scenarios: %d run, %d passed, %d failed (%.1f s)" % (
        len(results.scenarios), len(results.scenarios) - len(failed_scenarios), len(failed_scenarios), took))
    print("sdk-conformance: %d passed, %d failed" % (results.passed, results.failed))
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
