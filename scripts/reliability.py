#!/usr/bin/env python3
"""Reliability tests of issue 16, against the built `orgdir` binary (Python
standard library only; docs/RELIABILITY.md has the figures).

  scripts/reliability.py kill9 [--backend sqlite|postgres] [--cycles N] [--writers N]
  scripts/reliability.py pg-faults [--writers N]
  scripts/reliability.py sqlite-readonly [--writers N]

kill9: `orgdir serve` on a fresh database (a SQLite file, or a database
created on the shared PostgreSQL and dropped after); writers create, update,
deactivate and delete users, change their roles, create roles, territories
and groups, associate users with territories and delete groups, each write
recorded once it is acknowledged (2xx with the item's "success"). At a
random moment the server gets SIGKILL; it is restarted on the same database
and every acknowledged write must be there (every acknowledged delete
gone), the count endpoints must agree with the directory, and `orgdir
check` must find 0 differences. Repeated for --cycles kills.

pg-faults: the same writers, plus a reader, against a private PostgreSQL
cluster (initdb in a temporary directory; the shared server is never
touched) that is stopped (`pg_ctl stop -m immediate`, then `-m fast`) under
load and started again: while it is down every answer must be Zoho's error
envelope (JSON `code`, `details`, `message`, `"status":"error"`) within the
request timeout, orgdir must serve again without a restart, and no
acknowledged write may be lost (`orgdir check`: 0 differences).

sqlite-readonly: the database's files become read-only under load
(`chattr +i`, so it needs root): writes must
get Zoho's envelope, reads keep working, and once the files are writable
again writes work; then `PRAGMA integrity_check` is ok, no acknowledged
write is lost and `orgdir check` finds 0 differences.

The last line is `reliability <test>: ok …` or the script exits non-zero
with the reason. ORGDIR_BIN is the binary (default
${CARGO_TARGET_DIR:-target}/debug/orgdir).
"""

import argparse
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_KEY = "orgdir-reliability-admin-key-0123456789abcdef"
SCOPES = "ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.org.ALL"
SHARED_PG = "postgres://postgres@127.0.0.1:5432"
# The server's --request-timeout in these tests; an answer may take this
# long plus a margin, never more.
REQUEST_TIMEOUT = 5
CLIENT_TIMEOUT = REQUEST_TIMEOUT + 5


class Failure(Exception):
    pass


def log(*args):
    print(*args, flush=True)


def binary():
    if os.environ.get("ORGDIR_BIN"):
        return os.path.abspath(os.environ["ORGDIR_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    if not os.path.isabs(target):
        target = os.path.join(ROOT, target)
    return os.path.join(target, "debug", "orgdir")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def is_envelope(body):
    """Zoho's error envelope: {"code","details","message","status":"error"}."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("code"), str)
        and isinstance(body.get("details"), dict)
        and isinstance(body.get("message"), str)
        and body.get("status") == "error"
    )


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, db, workdir):
        self.db = db
        self.workdir = workdir
        self.port = free_port()
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        err = open(os.path.join(self.workdir, "server-%d.log" % self.starts), "w")
        env = dict(os.environ, ORGDIR_ADMIN_KEY=ADMIN_KEY, ORGDIR_LOG="warn")
        self.proc = subprocess.Popen(
            [
                binary(), "serve", "--database-url", self.db,
                "--listen", "127.0.0.1:%d" % self.port,
                "--request-timeout", str(REQUEST_TIMEOUT),
            ],
            stdout=subprocess.DEVNULL, stderr=err, env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("orgdir serve exited with %s: %s" % (self.proc.returncode, self.log()))
            try:
                status, _ = Client(self.port).call("GET", "/_orgdir/ping")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise Failure("orgdir serve did not answer within 60 s")

    def log(self):
        with open(os.path.join(self.workdir, "server-%d.log" % self.starts)) as f:
            return f.read()[-3000:]

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


class Client:
    """One keep-alive connection; `call` returns (status, parsed JSON or raw bytes)."""

    def __init__(self, port, token=None, admin=False):
        self.port = port
        self.token = token
        self.admin = admin
        self.conn = None

    def call(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
        headers = {}
        if self.token:
            headers["Authorization"] = "Zoho-oauthtoken " + self.token
        if self.admin:
            headers["X-Orgdir-Admin-Key"] = ADMIN_KEY
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except Exception:
            self.close()
            raise
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return resp.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def must(client, method, path, body=None, want=(200, 201, 204)):
    status, got = client.call(method, path, body)
    if status not in want:
        raise Failure("%s %s: %s %s" % (method, path, status, got))
    return got


def new_org(port):
    admin = Client(port, admin=True)
    org = must(admin, "POST", "/_orgdir/orgs", {"name": "Reliability", "licenses": 1000000})["org"]["id"]
    token = must(admin, "POST", "/_orgdir/orgs/%s/tokens" % org, {"scopes": SCOPES, "expires_in": 0})[
        "access_token"
    ]
    c = Client(port, token)
    role = must(c, "GET", "/crm/v8/settings/roles")["roles"][0]["id"]
    profile = [p["id"] for p in must(c, "GET", "/crm/v8/settings/profiles")["profiles"] if p["name"] == "Standard"][0]
    territory = must(c, "GET", "/crm/v8/settings/territories")["territories"][0]["id"]
    return {"org": org, "token": token, "role": role, "profile": profile, "territory": territory}


# ----------------------------------------------------------------- the ledger


class Ledger:
    """What the writers were told. Each object is written by one writer only,
    so after an acknowledged write its state is exactly that write's; a
    write whose answer was lost (or was an error) may or may not have
    happened, so both states stay acceptable until the next acknowledgement."""

    def __init__(self):
        self.lock = threading.Lock()
        # (kind, id) -> list of acceptable states; a state is a dict, or None for "gone".
        self.objects = {}
        self.memberships = set()  # (user, territory), acknowledged
        self.acked = 0
        self.unacked = 0
        self.errors = []  # answers that were neither 2xx nor the envelope

    def ack(self, key, state):
        with self.lock:
            self.objects[key] = [state]
            self.acked += 1

    def maybe(self, key, state):
        with self.lock:
            if key in self.objects:
                self.objects[key].append(state)
            self.unacked += 1

    def member(self, user, territory):
        with self.lock:
            self.memberships.add((user, territory))
            self.acked += 1


def item(got, resource):
    """The first item of a write's answer, if it says success."""
    try:
        it = got[resource][0]
    except (TypeError, KeyError, IndexError):
        return None
    return it if it.get("status") == "success" else None


class Writer(threading.Thread):
    def __init__(self, port, org, ledger, tag, stop, answers=None, keep_going=False):
        super().__init__(daemon=True)
        self.c = Client(port, org["token"])
        self.org = org
        self.ledger = ledger
        self.tag = tag
        self.stop = stop
        self.answers = answers
        self.keep_going = keep_going
        self.rng = random.Random(tag)
        self.n = 0
        self.users = []  # ids of this writer's live users
        self.status = {}  # user -> "active"/"inactive", None when a write's fate is unknown
        self.joined = set()  # (user, territory) tried
        self.members = set()  # users with a territory (never deleted: memberships stay checkable)
        self.roles = [org["role"]]
        self.territories = []
        self.groups = []

    def write(self, method, path, body, resource, key, state):
        """Sends one write; returns the item on acknowledgement, else None."""
        started = time.time()
        try:
            status, got = self.c.call(method, path, body)
        except Exception as e:  # the server died or the answer never came
            if os.environ.get("RELIABILITY_DEBUG"):
                log("unanswered:", self.tag, method, path, repr(e))
            if key:
                self.ledger.maybe(key, state)
            else:
                self.ledger.maybe(None, None)
            if self.answers is not None:
                self.answers.record(None, repr(e), time.time() - started)
            if not self.keep_going:
                self.stop.set()
            return None
        if self.answers is not None:
            self.answers.record(status, got, time.time() - started)
        it = item(got, resource) if 200 <= status < 300 else None
        if it is None and os.environ.get("RELIABILITY_DEBUG"):
            log("refused:", method, path, status, str(got)[:200])
        if it is None:
            # Without a fault every write here is valid: a refusal is a bug.
            if not self.keep_going or 200 <= status < 300 or not (
                    is_envelope(got) or is_envelope(_first(got, resource))):
                self.ledger.errors.append("%s %s -> %s %s" % (method, path, status, str(got)[:300]))
            if key:
                self.ledger.maybe(key, state)
            else:
                self.ledger.maybe(None, None)
            return None
        if key:
            self.ledger.ack(key, state)
        return it

    def create_user(self):
        self.n += 1
        role = self.rng.choice(self.roles)
        name = "%s-u%d" % (self.tag, self.n)
        body = {"users": [{"last_name": name, "email": "%s@rel.example" % name, "role": role,
                           "profile": self.org["profile"]}]}
        it = self.write("POST", "/crm/v8/users", body, "users", None, None)
        if it:
            uid = it["details"]["id"]
            self.ledger.ack(("user", uid), {"last_name": name, "role": role, "status": "active"})
            self.users.append(uid)
            self.status[uid] = "active"

    def update_user(self):
        uid = self.rng.choice(self.users)
        self.n += 1
        role = self.rng.choice(self.roles)
        name = "%s-u%d" % (self.tag, self.n)
        body = {"last_name": name, "role": role}
        # Zoho refuses to activate an active user (and to deactivate an
        # inactive one): flip the status only when it is known.
        status = self.status.get(uid)
        if status is not None and self.rng.random() < 0.3:
            status = {"active": "inactive", "inactive": "active"}[status]
            body["status"] = status
        it = self.write("PUT", "/crm/v8/users/%s" % uid, {"users": [body]}, "users",
                        ("user", uid), {"last_name": name, "role": role, "status": status})
        self.status[uid] = status if it else None

    def delete_user(self):
        candidates = [u for u in self.users if u not in self.members]
        if not candidates:
            return
        uid = self.rng.choice(candidates)
        self.users.remove(uid)
        self.write("DELETE", "/crm/v8/users/%s" % uid, None, "users", ("user", uid), {"status": "deleted"})

    def create_role(self):
        self.n += 1
        name = "%s-r%d" % (self.tag, self.n)
        it = self.write("POST", "/crm/v8/settings/roles",
                        {"roles": [{"name": name, "reporting_to": {"id": self.org["role"]}}]}, "roles", None, None)
        if it:
            rid = it["details"]["id"]
            self.ledger.ack(("role", rid), {"name": name})
            self.roles.append(rid)

    def create_territory(self):
        self.n += 1
        name = "%s-t%d" % (self.tag, self.n)
        it = self.write("POST", "/crm/v8/settings/territories",
                        {"territories": [{"name": name, "reporting_to": {"id": self.org["territory"]}}]},
                        "territories", None, None)
        if it:
            tid = it["details"]["id"]
            self.ledger.ack(("territory", tid), {"name": name})
            self.territories.append(tid)

    def associate(self):
        # Only active users can join a territory, once each.
        active = [u for u in self.users if self.status.get(u) == "active"]
        if not active:
            return
        uid = self.rng.choice(active)
        free = [t for t in self.territories if (uid, t) not in self.joined]
        if not free:
            return
        tid = self.rng.choice(free)
        self.members.add(uid)
        self.joined.add((uid, tid))
        it = self.write("PUT", "/crm/v8/users/%s/territories" % uid, {"territories": [{"id": tid}]},
                        "territories", None, None)
        if it:
            self.ledger.member(uid, tid)

    def create_group(self):
        self.n += 1
        name = "%s-g%d" % (self.tag, self.n)
        body = {"user_groups": [{"name": name, "sources": [
            {"type": "roles", "source": {"id": self.rng.choice(self.roles)}, "subordinates": True}]}]}
        it = self.write("POST", "/crm/v8/settings/user_groups", body, "user_groups", None, None)
        if it:
            gid = it["details"]["id"]
            self.ledger.ack(("group", gid), {"name": name})
            self.groups.append(gid)

    def delete_group(self):
        gid = self.groups.pop(self.rng.randrange(len(self.groups)))
        self.write("DELETE", "/crm/v8/settings/user_groups/%s" % gid, None, "user_groups", ("group", gid), None)

    def run(self):
        while not self.stop.is_set():
            ops = [self.create_user] * 4 + [self.create_role, self.create_territory, self.create_group]
            if self.users:
                ops += [self.update_user] * 4 + [self.delete_user]
            if self.users and self.territories:
                ops += [self.associate] * 2
            if self.groups:
                ops.append(self.delete_group)
            try:
                self.rng.choice(ops)()
            except Failure as e:
                self.ledger.errors.append(str(e))


def _first(got, resource):
    try:
        return got[resource][0]
    except (TypeError, KeyError, IndexError):
        return None


# ------------------------------------------------------------- verification


def verify(port, org, ledger, db):
    """Every acknowledged write is there; counts agree with the directory;
    `orgdir check` finds 0 differences. Returns the number of facts checked."""
    c = Client(port, org["token"])
    checked = 0
    for (kind, oid), states in list(ledger.objects.items()):
        if kind == "user":
            got = must(c, "GET", "/crm/v8/users/%s" % oid)["users"][0]
            # A user made "inactive" reads back as "disabled", as on Zoho.
            status = {"disabled": "inactive"}.get(got["status"], got["status"])
            now = {"last_name": got["last_name"], "role": got["role"]["id"], "status": status}
            # A state's None is "either": the status of a user whose last
            # status change went unanswered.
            ok = any(all(v is None or now[k] == v for k, v in s.items()) for s in states)
        elif kind == "role":
            status, got = c.call("GET", "/crm/v8/settings/roles/%s" % oid)
            ok = status == 200 and {"name": got["roles"][0]["name"]} in states
            now = got
        elif kind == "territory":
            status, got = c.call("GET", "/crm/v8/settings/territories/%s" % oid)
            ok = status == 200 and {"name": got["territories"][0]["name"]} in states
            now = got
        elif kind == "group":
            status, got = c.call("GET", "/crm/v8/settings/user_groups/%s" % oid)
            now = {"name": got["user_groups"][0]["name"]} if status == 200 else None
            ok = now in states
            if status != 200 and not (status == 400 and is_envelope(got)):
                ok = False
        else:
            raise Failure("unknown kind %s" % kind)
        if not ok:
            raise Failure("acknowledged write lost: %s %s is %s, acknowledged %s" % (kind, oid, now, states))
        checked += 1
    by_user = {}
    for user, territory in ledger.memberships:
        by_user.setdefault(user, set()).add(territory)
    for user, territories in by_user.items():
        status, got = c.call("GET", "/crm/v8/users/%s/territories?per_page=200" % user)
        if status not in (200, 204):
            raise Failure("GET the territories of %s: %s %s" % (user, status, got))
        have = {t["id"] for t in got["territories"]} if status == 200 else set()
        if not territories <= have:
            raise Failure("acknowledged territory lost: user %s has %s, acknowledged %s" % (user, have, territories))
        checked += len(territories)
    # The count endpoints agree with the directory.
    for kind in ["AllUsers", "ActiveUsers", "DeactiveUsers", "DeletedUsers", "AdminUsers", "ConfirmedUsers"]:
        counted = must(c, "GET", "/crm/v8/users/actions/count?type=%s" % kind)["count"]
        listed, page = 0, 1
        while True:
            status, got = c.call("GET", "/crm/v8/users?type=%s&per_page=200&page=%d" % (kind, page))
            if status == 204:
                break
            if status != 200:
                raise Failure("GET users %s: %s %s" % (kind, status, got))
            listed += len(got["users"])
            if not got["info"]["more_records"]:
                break
            page += 1
        if counted != listed:
            raise Failure("%s: the count endpoint says %d, the list has %d" % (kind, counted, listed))
    counts = must(c, "GET", "/crm/v8/settings/territories/actions/associated_users_count?per_page=200")
    for row in counts["associated_users_count"]:
        tid = row["territory"]["id"]
        status, got = c.call("GET", "/crm/v8/settings/territories/%s/users?per_page=200" % tid)
        listed = 0 if status == 204 else len(got["users"])
        if int(row["count"]) != listed:
            raise Failure("territory %s: associated_users_count %s, its users %d" % (tid, row["count"], listed))
    out = subprocess.run([binary(), "check", "--database-url", db], capture_output=True, text=True)
    if out.returncode != 0 or "differences" not in out.stdout:
        raise Failure("orgdir check: %s %s %s" % (out.returncode, out.stdout, out.stderr))
    for line in out.stdout.splitlines():
        if " 0 differences" not in line:
            raise Failure("orgdir check: %s" % out.stdout)
    return checked


# --------------------------------------------------------------- databases


def shared_pg_database(name):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE %s" % name], check=True)
    return "%s/%s" % (SHARED_PG, name)


def drop_shared_pg(name):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                    "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name], capture_output=True)


class PrivateCluster:
    """A PostgreSQL cluster of our own, to stop and start at will."""

    def __init__(self, workdir):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise Failure("no /usr/lib/postgresql/*/bin/initdb")
        self.bin = os.path.dirname(bins[-1])
        self.dir = os.path.join(workdir, "pg")
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.url = "postgres://postgres@127.0.0.1:%d/orgdir" % self.port

    def _run(self, tool, *args):
        out = subprocess.run(self.as_user + [os.path.join(self.bin, tool)] + list(args),
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure("%s %s: %s %s" % (tool, " ".join(args), out.stdout, out.stderr))

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w",
                  "-o", "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.dir), "start")

    def stop(self, mode):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def createdb(self):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "orgdir")

    def destroy(self):
        subprocess.run(self.as_user + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                                       "stop"], capture_output=True)


# -------------------------------------------------------------------- tests


def kill9(args, workdir):
    if args.backend == "sqlite":
        db, name = "sqlite://%s/orgdir.db" % workdir, None
    else:
        name = "orgdir_kill9_%d" % os.getpid()
        db = shared_pg_database(name)
    rng = random.Random(args.seed)
    server = Server(db, workdir)
    ledger = Ledger()
    try:
        server.start()
        org = new_org(server.port)
        for cycle in range(1, args.cycles + 1):
            stop = threading.Event()
            writers = [Writer(server.port, org, ledger, "c%dw%d" % (cycle, i), stop) for i in range(args.writers)]
            before, unanswered = ledger.acked, ledger.unacked
            for w in writers:
                w.start()
            delay = rng.uniform(args.min_load, args.max_load)
            time.sleep(delay)
            server.kill9()
            stop.set()
            for w in writers:
                w.join(CLIENT_TIMEOUT + 5)
            if ledger.errors:
                raise Failure("unexpected answers: %s" % ledger.errors[:5])
            server.start()
            checked = verify(server.port, org, ledger, db)
            log("cycle %d: killed after %.2f s; %d writes acknowledged (%d in all), %d unanswered; "
                "%d facts checked, 0 lost; orgdir check: 0 differences"
                % (cycle, delay, ledger.acked - before, ledger.acked, ledger.unacked - unanswered, checked))
        log("reliability kill9 %s: ok %d cycles, %d acknowledged writes, 0 lost, 0 check differences"
            % (args.backend, args.cycles, ledger.acked))
    except Failure:
        log("server log:", server.log())
        raise
    finally:
        server.stop()
        if name:
            drop_shared_pg(name)


class Answers:
    """Every answer during a fault test: the non-2xx ones must be the envelope."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.errors = {}  # (status, code) -> n
        self.bad = []
        self.slowest = 0.0
        self.transport = 0

    def record(self, status, body, took):
        with self.lock:
            self.slowest = max(self.slowest, took)
            if took > REQUEST_TIMEOUT + 2:
                self.bad.append("answered after %.1f s: %s %s" % (took, status, str(body)[:200]))
            if status is None:
                self.transport += 1
                self.bad.append("no answer: %s" % body)
            elif 200 <= status < 300:
                self.ok += 1
            else:
                envelope = body if is_envelope(body) else None
                if envelope is None and isinstance(body, dict):
                    for v in body.values():
                        if isinstance(v, list) and v and is_envelope(v[0]):
                            envelope = v[0]
                if envelope is None:
                    self.bad.append("not the envelope: %s %s" % (status, str(body)[:200]))
                    return
                key = (status, envelope["code"])
                self.errors[key] = self.errors.get(key, 0) + 1


class Reader(threading.Thread):
    def __init__(self, port, org, stop, answers):
        super().__init__(daemon=True)
        self.c = Client(port, org["token"])
        self.stop = stop
        self.answers = answers
        self.paths = ["/crm/v8/users/actions/count?type=ActiveUsers", "/crm/v8/users?per_page=5",
                      "/crm/v8/settings/roles", "/crm/v8/users/%s" % org["admin"]]

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            started = time.time()
            try:
                status, body = self.c.call("GET", self.paths[i % len(self.paths)])
            except Exception as e:
                self.answers.record(None, repr(e), time.time() - started)
                continue
            self.answers.record(status, body, time.time() - started)
            time.sleep(0.005)


def wait_serving(port, org, seconds):
    """Seconds until a read and a write both succeed again."""
    c = Client(port, org["token"])
    started = time.time()
    while time.time() - started < seconds:
        try:
            s1, _ = c.call("GET", "/crm/v8/users/actions/count?type=AllUsers")
            s2, got = c.call("POST", "/crm/v8/settings/roles",
                             {"roles": [{"name": "probe-%d" % int(time.time() * 1000),
                                         "reporting_to": {"id": org["role"]}}]})
            if s1 == 200 and s2 == 201:
                return time.time() - started
        except Exception:
            pass
        time.sleep(0.1)
    raise Failure("orgdir did not serve again within %d s of the database's return" % seconds)


def under_load(server, org, ledger, writers, phases):
    """Runs writers and a reader while `phases` (a list of callables) run in turn."""
    stop = threading.Event()
    answers = Answers()
    threads = [Writer(server.port, org, ledger, "f%dw%d" % (int(time.time()), i), stop, answers, True)
               for i in range(writers)]
    threads.append(Reader(server.port, org, stop, answers))
    for t in threads:
        t.start()
    try:
        for phase in phases:
            phase(answers)
    finally:
        stop.set()
        for t in threads:
            t.join(CLIENT_TIMEOUT + 5)
    return answers


def check_answers(label, answers):
    if answers.bad:
        raise Failure("%s: %d bad answers, e.g. %s" % (label, len(answers.bad), answers.bad[:5]))
    if answers.ok == 0:
        raise Failure("%s: no successful call at all" % label)


def pg_faults(args, workdir):
    cluster = PrivateCluster(workdir)
    server = None
    try:
        cluster.start()
        cluster.createdb()
        server = Server(cluster.url, workdir)
        server.start()
        org = new_org(server.port)
        org["admin"] = must(Client(server.port, org["token"]), "GET", "/crm/v8/users?type=AdminUsers")["users"][0]["id"]
        ledger = Ledger()
        results = []
        for mode in ["immediate", "fast"]:
            during = {}

            def load(_a, seconds=1.5):
                time.sleep(seconds)

            def down(answers, mode=mode):
                before = dict(answers.errors)
                ok_before = answers.ok
                cluster.stop(mode)
                time.sleep(args.down)
                during["errors"] = {k: v - before.get(k, 0) for k, v in answers.errors.items()
                                    if v - before.get(k, 0) > 0}
                during["ok"] = answers.ok - ok_before
                cluster.start()

            def back(_a):
                during["recovered"] = wait_serving(server.port, org, 30)
                time.sleep(1.5)

            answers = under_load(server, org, ledger, args.writers, [load, down, back])
            check_answers("PostgreSQL stopped -m %s" % mode, answers)
            if not during["errors"]:
                raise Failure("-m %s: no error answered while PostgreSQL was down" % mode)
            if any(status < 500 for status, _ in during["errors"]):
                raise Failure("-m %s: a client error for a database fault: %s" % (mode, during["errors"]))
            if ledger.errors:
                raise Failure("unexpected answers: %s" % ledger.errors[:5])
            checked = verify(server.port, org, ledger, cluster.url)
            summary = ", ".join("%d × %s %s" % (n, s, c) for (s, c), n in sorted(during["errors"].items()))
            results.append(mode)
            log("pg_ctl stop -m %s for %.1f s under load: while down %s (and %d successes in that window, "
                "calls answered before the stop took effect); served again %.2f s after PostgreSQL's return, no restart; slowest answer %.2f s; "
                "%d acknowledged writes so far, %d facts checked, 0 lost; orgdir check: 0 differences"
                % (mode, args.down, summary, during["ok"], during["recovered"], answers.slowest,
                   ledger.acked, checked))
        if server.proc.poll() is not None or server.starts != 1:
            raise Failure("orgdir was restarted")
        log("reliability pg-faults: ok %d faults survived (%s), %d acknowledged writes, 0 lost, 0 check differences"
            % (len(results), ", ".join(results), ledger.acked))
    except Failure:
        if server:
            log("server log:", server.log())
        raise
    finally:
        if server:
            server.stop()
        cluster.destroy()


def set_readonly(paths, readonly):
    """Makes the files immutable (`chattr +i`, root only): root writes
    through a chmod, and a chmod does not touch the descriptors the server
    already holds anyway."""
    for p in paths:
        if os.path.exists(p):
            subprocess.run(["chattr", "+i" if readonly else "-i", p], check=True)


def sqlite_readonly(args, workdir):
    dbdir = os.path.join(workdir, "db")
    os.makedirs(dbdir)
    path = os.path.join(dbdir, "orgdir.db")
    db = "sqlite://" + path
    if os.geteuid() != 0:
        raise Failure("sqlite-readonly needs root (chattr +i)")
    server = Server(db, workdir)
    # Not the -shm file: SQLite maps it into memory and writes it even to
    # read, and a store into a mapped page of an immutable file is SIGBUS
    # (every SQLite program in WAL mode dies that way; docs/RELIABILITY.md).
    files = [path, path + "-wal", dbdir]
    try:
        server.start()
        org = new_org(server.port)
        org["admin"] = must(Client(server.port, org["token"]), "GET", "/crm/v8/users?type=AdminUsers")["users"][0]["id"]
        ledger = Ledger()
        during = {}

        def load(_a):
            time.sleep(1.5)

        def readonly(answers):
            ok_before, before = answers.ok, dict(answers.errors)
            set_readonly(files, True)
            time.sleep(args.down)
            # Reads go on while writes are refused.
            c = Client(server.port, org["token"])
            status, got = c.call("GET", "/crm/v8/users/actions/count?type=AllUsers")
            during["read"] = status
            status, got = c.call("POST", "/crm/v8/settings/roles",
                                 {"roles": [{"name": "ro-probe", "reporting_to": {"id": org["role"]}}]})
            during["write"] = (status, got)
            during["errors"] = {k: v - before.get(k, 0) for k, v in answers.errors.items() if v - before.get(k, 0) > 0}
            during["ok"] = answers.ok - ok_before
            set_readonly(files, False)

        def back(_a):
            during["recovered"] = wait_serving(server.port, org, 30)
            time.sleep(1.5)

        try:
            answers = under_load(server, org, ledger, args.writers, [load, readonly, back])
        finally:
            set_readonly(files, False)
        check_answers("read-only SQLite", answers)
        if during["read"] != 200:
            raise Failure("a read while the database was read-only: %s" % during["read"])
        status, got = during["write"]
        if status < 500 or not is_envelope(got):
            raise Failure("a write while the database was read-only: %s %s" % (status, got))
        if ledger.errors:
            raise Failure("unexpected answers: %s" % ledger.errors[:5])
        server.stop()
        conn = sqlite3.connect(path)
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        conn.close()
        if integrity != [("ok",)]:
            raise Failure("PRAGMA integrity_check: %s" % integrity)
        server.start()
        checked = verify(server.port, org, ledger, db)
        summary = ", ".join("%d × %s %s" % (n, s, c) for (s, c), n in sorted(during["errors"].items()))
        log("read-only for %.1f s under load: the probe write got %s %s (%s); while read-only %s and %d "
            "successes (reads); writable again: writes served %.2f s later, no restart"
            % (args.down, status, got.get("code"), got.get("message"), summary, during["ok"], during["recovered"]))
        log("reliability sqlite-readonly: ok integrity_check ok, %d acknowledged writes, %d facts checked, 0 lost, "
            "0 check differences" % (ledger.acked, checked))
    except Failure:
        log("server log:", server.log())
        raise
    finally:
        set_readonly(files, False)
        server.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("test", choices=["kill9", "pg-faults", "sqlite-readonly"])
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--cycles", type=int, default=4)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--seed", type=int, default=None, help="the kill moments' seed (default: random)")
    p.add_argument("--min-load", type=float, default=1.0, help="seconds of load before a kill, at least")
    p.add_argument("--max-load", type=float, default=4.0, help="… and at most")
    p.add_argument("--down", type=float, default=3.0, help="seconds a database fault lasts")
    p.add_argument("--keep", action="store_true", help="keep the working directory")
    args = p.parse_args()
    if not os.access(binary(), os.X_OK):
        print("reliability: no orgdir binary at %s (cargo build -p orgdir, or set ORGDIR_BIN)" % binary(),
              file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="orgdir-reliability-")
    os.chmod(workdir, 0o755)
    started = time.time()
    try:
        {"kill9": kill9, "pg-faults": pg_faults, "sqlite-readonly": sqlite_readonly}[args.test](args, workdir)
    except Failure as e:
        print("reliability %s: FAILED %s" % (args.test, e), file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log("kept", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log("(%.0f s)" % (time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
