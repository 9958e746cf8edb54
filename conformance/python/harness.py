"""The conformance harness: an orgdir server of our own, its control plane,
a recorder of what went over the wire, the two ways of handing the SDK a
token, and a small assertion counter.

Nothing here changes what the SDK sends or how it reads an answer: the wire
recorder wraps `requests.Session.send` only to keep a copy of each exchange,
and the SDK log handler only listens.
"""

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import traceback
import urllib.parse

import requests

ADMIN_KEY = "orgdir-conformance-admin-key-0123456789"
ALL_SCOPES = "ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.features.ALL,ZohoCRM.org.ALL"
REDIRECT_URI = "http://localhost/cb"
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(REPO, "crates", "orgdir-testkit", "fixtures")


# --------------------------------------------------------------------------
# What went over the wire


class Exchange:
    def __init__(self, request, response):
        self.method = request.method
        self.url = request.url
        self.request_headers = requests.structures.CaseInsensitiveDict(request.headers)
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        self.request_body = body
        self.status = response.status_code
        self.response_headers = requests.structures.CaseInsensitiveDict(response.headers)
        self.response_body = response.content.decode("utf-8", "replace")

    def path(self):
        return urllib.parse.urlsplit(self.url).path

    def describe(self, limit=700):
        def cut(text):
            if text is None:
                return "(none)"
            text = mask(str(text))
            return text if len(text) <= limit else text[:limit] + "…(%d chars)" % len(text)

        ctype = self.response_headers.get("Content-Type", "(no Content-Type)")
        return "%s %s\n      request body: %s\n      -> %s %s\n      response body: %s" % (
            self.method, mask(self.url), cut(self.request_body), self.status, ctype,
            cut(self.response_body) if self.response_body else "(empty)")


def mask(text):
    """Hides token and secret values in a text that goes to the report."""
    text = re.sub(r"(1000\.[0-9a-f]{6})[0-9a-f.]+", r"\1…", text)
    text = re.sub(r"(client_secret=)[^&\s]+", r"\1…", text)
    return text


class Wire:
    """Keeps every HTTP exchange made through `requests` (the SDK's client)."""

    def __init__(self):
        self.exchanges = []
        self._installed = False

    def install(self):
        if self._installed:
            return
        original = requests.Session.send
        wire = self

        def send(session, request, **kwargs):
            response = original(session, request, **kwargs)
            try:
                wire.exchanges.append(Exchange(request, response))
            except Exception:  # never let the recorder break a call
                pass
            return response

        requests.Session.send = send
        self._installed = True

    def mark(self):
        return len(self.exchanges)

    def since(self, mark, api_only=True):
        out = self.exchanges[mark:]
        if api_only:
            out = [e for e in out if "/_orgdir/" not in e.url]
        return out


class SdkLog(logging.Handler):
    """Listens to the SDK's logger ('SDKLogger'): the SDK logs and swallows
    some exceptions (CommonAPIHandler.api_call returns None after logging an
    SDKException at INFO), so the log is where their cause is."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        try:
            self.records.append("%s %s:%d %s" % (record.levelname, record.filename, record.lineno,
                                                  record.getMessage()))
        except Exception:
            pass

    def mark(self):
        return len(self.records)

    def since(self, mark):
        return self.records[mark:]

    def attach(self):
        logger = logging.getLogger("SDKLogger")
        if self not in logger.handlers:
            logger.addHandler(self)
        logger.setLevel(logging.INFO)


# --------------------------------------------------------------------------
# The server


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, workdir, access_token_ttl=None):
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.db = os.path.join(workdir, "orgdir-%d.db" % self.port)
        self.out_path = os.path.join(workdir, "server-%d.out" % self.port)
        self.log_path = os.path.join(workdir, "server-%d.log" % self.port)
        self.access_token_ttl = access_token_ttl
        self.proc = None
        self.demo_token = None
        self.demo_org = None

    def start(self):
        # The SDK's OAuth tests drive the consent page over HTTP: the user
        # picker (an emulator mode, loopback only) stands in for a sign-in.
        args = [self.binary, "serve", "--database-url", "sqlite://" + self.db,
                "--listen", "127.0.0.1:%d" % self.port, "--consent-picker"]
        if self.access_token_ttl:
            args += ["--access-token-ttl", str(self.access_token_ttl)]
        env = dict(os.environ)
        env["ORGDIR_ADMIN_KEY"] = ADMIN_KEY
        env.pop("ORGDIR_DATABASE_URL", None)
        env.pop("ORGDIR_LISTEN", None)
        env.pop("ORGDIR_PUBLIC_URL", None)
        # lifetimes and the journal size are the suite's: scenarios count on them
        env.pop("ORGDIR_ACCESS_TOKEN_TTL", None)
        env.pop("ORGDIR_CODE_TTL", None)
        env.pop("ORGDIR_JOURNAL_CAPACITY", None)
        self.out = open(self.out_path, "w")
        self.err = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("orgdir exited with %s; log:\n%s" % (self.proc.returncode, self.tail()))
            text = open(self.out_path).read()
            if "try:" in text or "orgdir token" in text:
                for line in text.splitlines():
                    if "access token" in line:
                        self.demo_token = line.split()[-1]
                    m = re.search(r"created the demo org (\d+)", line)
                    if m:
                        self.demo_org = m.group(1)
                try:
                    r = requests.get(self.base + "/_orgdir/health", headers={"X-Orgdir-Admin-Key": ADMIN_KEY},
                                     timeout=2)
                    if r.status_code == 200:
                        return self
                except requests.RequestException:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("orgdir did not start in 30 s; log:\n" + self.tail())

    def tail(self, n=30):
        try:
            return "\n".join(open(self.log_path).read().splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()

    # -- control plane (plain HTTP: not the SDK's business)

    def admin(self, method, path, body=None):
        r = requests.request(method, self.base + path, headers={"X-Orgdir-Admin-Key": ADMIN_KEY},
                             data=None if body is None else json.dumps(body), timeout=30)
        try:
            payload = r.json()
        except ValueError:
            payload = None
        if r.status_code >= 300:
            raise RuntimeError("control plane %s %s -> %s %s" % (method, path, r.status_code, r.text[:500]))
        return payload

    def mint(self, org, scopes=ALL_SCOPES, email=None, user_id=None, expires_in=0):
        body = {"scopes": scopes, "expires_in": expires_in}
        if email:
            body["email"] = email
        if user_id:
            body["user_id"] = user_id
        return self.admin("POST", "/_orgdir/orgs/%s/tokens" % org, body)["access_token"]


# --------------------------------------------------------------------------
# Fixtures


def load_fixture(name):
    with open(os.path.join(FIXTURES, name, "org.json")) as f:
        return json.load(f)


class Orgs:
    """Imports fixture orgs, resets them between scenarios, and swaps orgs
    that share an id (user-groups and seed-004 are both org 3652397)."""

    def __init__(self, server):
        self.server = server
        self.loaded = {}  # org id -> fixture name
        self.generation = {}  # org id -> how many times it was (re)created

    def fresh(self, fixture):
        doc = load_fixture(fixture)
        org = doc["org"]["id"]
        current = self.loaded.get(org)
        if current == fixture:
            self.server.admin("POST", "/_orgdir/orgs/%s/reset" % org)
        else:
            if current is not None:
                self.server.admin("DELETE", "/_orgdir/orgs/%s" % org)
            self.server.admin("POST", "/_orgdir/orgs/import", doc)
            self.loaded[org] = fixture
            self.generation[org] = self.generation.get(org, 0) + 1
        return Fixture(fixture, doc)


class Fixture:
    """An org document and the numbers a Zoho user would expect from it."""

    def __init__(self, name, doc):
        self.name = name
        self.doc = doc
        self.org = doc["org"]["id"]
        self.users = doc["users"]
        self.admin_profiles = {p["id"] for p in doc["profiles"] if p.get("admin") or p["name"] == "Administrator"}
        self.primary = next(u for u in self.users if u.get("primary"))

    def user(self, email):
        return next(u for u in self.users if u["email"] == email)

    def profile_id(self, name):
        return next(p["id"] for p in self.doc["profiles"] if p["name"] == name)

    def role_id(self, name):
        return next(r["id"] for r in self.doc["roles"] if r["name"] == name)

    # SPEC 4.1
    def users_count(self, kind):
        us = self.users
        live = [u for u in us if u["status"] != "deleted"]
        admin = lambda u: u["profile"] in self.admin_profiles
        return {
            "AllUsers": len(us),
            "ActiveUsers": sum(u["status"] == "active" for u in us),
            "DeactiveUsers": sum(u["status"] == "disabled" for u in us),
            "ConfirmedUsers": sum(bool(u["confirm"]) for u in live),
            "NotConfirmedUsers": sum(not u["confirm"] for u in live),
            "DeletedUsers": sum(u["status"] == "deleted" for u in us),
            "ActiveConfirmedUsers": sum(u["status"] == "active" and bool(u["confirm"]) for u in us),
            "AdminUsers": sum(admin(u) for u in live),
            "ActiveConfirmedAdmins": sum(u["status"] == "active" and bool(u["confirm"]) and admin(u) for u in us),
            "CurrentUser": 1,
        }[kind]

    # SPEC 3 (user licences)
    def licences(self):
        limits = self.doc["org"]["licenses"]
        used = sum(u["status"] == "active" for u in self.users)
        return {"available": max(0, limits - used), "used": used, "limits": limits}

    # SPEC 4.2
    def sources_count(self, group_id):
        g = next(g for g in self.doc["user_groups"] if g["id"] == group_id)
        status = {u["id"]: u["status"] for u in self.users}
        kinds = [s["type"] for s in g["sources"]]
        users = [status[s["source"]] for s in g["sources"] if s["type"] == "users"]
        return {
            "territories": kinds.count("territories"), "roles": kinds.count("roles"), "groups": kinds.count("groups"),
            "users": {"active": users.count("active"), "inactive": users.count("disabled"),
                      "deleted": users.count("deleted")},
        }

    # SPEC 3 (associated users of a group), 4.3
    def group_members(self, group_id, seen=None):
        seen = set() if seen is None else seen
        if group_id in seen:
            return set()
        seen.add(group_id)
        g = next(g for g in self.doc["user_groups"] if g["id"] == group_id)
        roles = self.doc["roles"]
        territories = self.doc.get("territories", [])

        def below(items, root, deep):
            out = {root}
            if deep:
                changed = True
                while changed:
                    changed = False
                    for it in items:
                        if it.get("reporting_to") in out and it["id"] not in out:
                            out.add(it["id"])
                            changed = True
            return out

        members = set()
        for s in g["sources"]:
            if s["type"] == "users":
                members.add(s["source"])
            elif s["type"] == "roles":
                rs = below(roles, s["source"], s.get("subordinates", False))
                members |= {u["id"] for u in self.users if u["role"] in rs}
            elif s["type"] == "territories":
                ts = below(territories, s["source"], s.get("subordinates", False) or s.get("sub_territories", False))
                for t in territories:
                    if t["id"] in ts:
                        members |= set(t.get("users", []))
                        if t.get("manager"):
                            members.add(t["manager"])
            elif s["type"] == "groups":
                members |= self.group_members(s["source"], seen)
        status = {u["id"]: u["status"] for u in self.users}
        return {m for m in members if status.get(m) in ("active", "disabled")}

    def group_counts(self):
        groups = sorted(self.doc["user_groups"], key=lambda g: g["created_time"])
        return [(g["name"], g["id"], len(self.group_members(g["id"]))) for g in groups]

    # SPEC 4.4
    def territory_counts(self):
        status = {u["id"]: u["status"] for u in self.users}
        ts = self.doc["territories"]
        ordered = [t for t in ts if t.get("reporting_to") is None] + [t for t in ts if t.get("reporting_to")]
        out = []
        for t in ordered:
            members = set(t.get("users", []))
            if t.get("manager"):
                members.add(t["manager"])
            out.append((t["name"], t["id"], str(sum(status.get(m) != "deleted" for m in members))))
        return out


# --------------------------------------------------------------------------
# Assertions


class Stop(Exception):
    """Ends a scenario after a failure that makes its later checks meaningless."""


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.scenarios = []  # (pass name, scenario name, ok, seconds)


class Ctx:
    """What a scenario sees: the server, the fixtures, the SDK session and checks."""

    def __init__(self, results, wire, sdklog, server, orgs, auth, workdir, pass_name, verbose=False):
        self.results = results
        self.wire = wire
        self.sdklog = sdklog
        self.server = server
        self.orgs = orgs
        self.auth = auth
        self.workdir = workdir
        self.pass_name = pass_name
        self.verbose = verbose
        self.scenario = None
        self.scenario_failed = False
        self.call_mark = 0
        self.log_mark = 0
        self.fixtures_seen = []
        self.binary = None

    # -- orgs and logins

    def fresh(self, fixture):
        """A fixture org in its initial state."""
        fx = self.orgs.fresh(fixture)
        self.fixtures_seen = [f for f in self.fixtures_seen if f.org != fx.org] + [fx]
        return fx

    def login(self, org, scopes=ALL_SCOPES, email=None, find_user=False):
        """Initializes the SDK with a token of this pass for a user of `org`
        (the primary admin unless `email` is given); returns the SDK token."""
        return initialize(self, self.auth.token(self, org, scopes, email=email, find_user=find_user))

    # -- checks

    def _fail(self, label, detail):
        self.results.failed += 1
        self.scenario_failed = True
        lines = ["[%s] %s: %s" % (self.pass_name, self.scenario, label), "    " + detail]
        exchanges = self.wire.since(self.call_mark)
        if exchanges:
            lines.append("    last exchange(s):")
            for e in exchanges[-3:]:
                lines.append("    * " + e.describe())
        logs = [l for l in self.sdklog.since(self.log_mark) if "Exception" in l or "ERROR" in l]
        if logs:
            lines.append("    SDK log:")
            lines += ["      " + mask(l)[:900] for l in logs[-4:]]
        text = "\n".join(lines)
        self.results.failures.append(text)
        print("  FAIL " + text.splitlines()[0].split(": ", 1)[1], flush=True)
        for l in text.splitlines()[1:]:
            print("  " + l, flush=True)

    def _pass(self, label):
        self.results.passed += 1
        if self.verbose:
            print("  ok   %s" % label, flush=True)

    def eq(self, label, got, want):
        if got == want and type(got) == type(want):
            self._pass(label)
            return True
        self._fail(label, "wanted %r (%s), got %r (%s)" % (want, type(want).__name__, got, type(got).__name__))
        return False

    def true(self, label, cond, detail=""):
        if cond:
            self._pass(label)
            return True
        self._fail(label, detail or "condition is false")
        return False

    # -- SDK calls

    def call(self, label, fn, *args):
        """Runs one SDK operation; marks where its exchanges and log lines start."""
        self.call_mark = self.wire.mark()
        self.log_mark = self.sdklog.mark()
        try:
            return fn(*args)
        except Exception as e:  # the SDK raised: report the exception and the wire
            tb = traceback.format_exc().strip().splitlines()
            self._fail(label, "the SDK raised %s: %s\n    %s" % (type(e).__name__, mask(str(e))[:600],
                                                               "\n    ".join(tb[-6:])))
            raise Stop()

    def expect(self, label, response, cls, status=None):
        """Checks that the SDK handed back an instance of `cls` (and the status)."""
        if response is None:
            self._fail(label, "the SDK returned None: it could not read the answer (see the SDK log)")
            raise Stop()
        obj = response.get_object()
        ok = isinstance(obj, cls) and (status is None or response.get_status_code() == status)
        if not ok:
            what = type(obj).__name__
            if obj is not None and hasattr(obj, "get_code"):
                try:
                    what += " %s %s details=%s" % (obj.get_code().get_value(), obj.get_message(), obj.get_details())
                except Exception:
                    pass
            self._fail(label, "wanted %s%s, got HTTP %s and %s" % (
                cls.__name__, "" if status is None else " with HTTP %s" % status, response.get_status_code(), what))
            raise Stop()
        self._pass(label)
        return obj

    def expect_api_exception(self, label, response, cls, code, http=None, details=None):
        obj = self.expect(label + " is an APIException", response, cls, http)
        self.eq(label + " code", obj.get_code().get_value(), code)
        self.eq(label + " status", obj.get_status().get_value(), "error")
        modeled = modeled_detail_keys(cls)
        for key, want in (details or {}).items():
            if modeled is None or key in modeled:
                self.eq("%s details.%s" % (label, key), (obj.get_details() or {}).get(key), want)
            else:
                # the SDK's model of this APIException keeps only some detail
                # keys; this one it drops, so read it from the JSON it hands back
                raw = (response.get_response_json() or {}).get("details", {})
                self.eq("%s details.%s (raw JSON: %s does not model it)" % (label, key, cls.__module__.split(".")[-2]
                                                                            + ".APIException"), raw.get(key), want)
        return obj


def modeled_detail_keys(cls):
    """The `details` keys the SDK keeps for an APIException class (None: all)."""
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    key = cls.__module__.rpartition(".")[0] + "." + cls.__name__
    detail = (Initializer.json_details or {}).get(key, {}).get("details", {})
    if "keys" not in detail:
        return None
    return {k["name"] for k in detail["keys"] if "name" in k}


# --------------------------------------------------------------------------
# Giving the SDK a token


def environment(server):
    from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter

    return DataCenter.Environment(server.base, server.base + "/oauth/v2/token", server.base)


def initialize(ctx, token, server=None):
    """Initializes the SDK with a token, our environment and a file token store."""
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
    from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
    from zohocrmsdk.src.com.zoho.api.logger import Logger
    from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

    ctx.call_mark = ctx.wire.mark()
    ctx.log_mark = ctx.sdklog.mark()
    Initializer.initialize(
        environment=environment(server or ctx.server),
        token=token,
        store=FileStore(os.path.join(ctx.workdir, "sdk-tokens-%s.csv" % ctx.pass_name)),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=ctx.workdir,
        logger=Logger.get_instance(Logger.Levels.INFO, os.path.join(ctx.workdir, "sdk-%s.log" % ctx.pass_name)),
    )
    ctx.sdklog.attach()
    return token


class AccessTokenAuth:
    """Pass 1: tokens minted by the control plane, given to the SDK as they are."""

    name = "access-token"

    def __init__(self, server):
        self.server = server

    def token(self, ctx, org, scopes=ALL_SCOPES, email=None, find_user=False):
        from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

        access = self.server.mint(org, scopes, email=email)
        return OAuthToken(access_token=access, find_user=find_user)


class OAuthAuth:
    """Pass 2: the SDK gets and refreshes its own tokens from /oauth/v2/token.

    Per org an OAuth client is made through the control plane; per token the
    consent is driven over HTTP (what a person does in a browser), the code is
    exchanged for a refresh token, and the SDK is given client id, secret,
    refresh token and redirect URL."""

    name = "oauth"

    def __init__(self, server, orgs):
        self.server = server
        self.orgs = orgs
        self.clients = {}  # (org, generation) -> client json

    def client(self, org):
        key = (org, self.orgs.generation.get(org, 0))
        if key not in self.clients:
            self.clients[key] = self.server.admin("POST", "/_orgdir/orgs/%s/clients" % org, {
                "name": "SDK conformance", "redirect_uris": [REDIRECT_URI], "self_client": True})
        return self.clients[key]

    def grant_code(self, org, scopes=ALL_SCOPES, user_id=None):
        client = self.client(org)
        state = "st%d" % int(time.time() * 1000)
        q = {"scope": scopes, "client_id": client["client_id"], "response_type": "code",
             "access_type": "offline", "redirect_uri": REDIRECT_URI, "state": state}
        page = requests.get(self.server.base + "/oauth/v2/auth", params=q, timeout=30)
        if page.status_code != 200:
            raise RuntimeError("consent page: %s %s" % (page.status_code, page.text[:300]))
        if user_id is None:
            m = re.search(r'<option value="(\d+)" selected>', page.text) or re.search(r'<option value="(\d+)"',
                                                                                      page.text)
            user_id = m.group(1)
        form = {"client_id": client["client_id"], "redirect_uri": REDIRECT_URI, "scope": scopes, "state": state,
                "access_type": "offline", "user": user_id, "action": "approve"}
        r = requests.post(self.server.base + "/oauth/v2/auth", data=form, allow_redirects=False, timeout=30)
        if r.status_code != 302:
            raise RuntimeError("consent decision: %s %s" % (r.status_code, r.text[:300]))
        loc = urllib.parse.urlsplit(r.headers["Location"])
        params = dict(urllib.parse.parse_qsl(loc.query))
        if params.get("state") != state or "code" not in params:
            raise RuntimeError("consent redirect without code/state: %s" % mask(r.headers["Location"]))
        return client, params["code"]

    def refresh_token(self, org, scopes=ALL_SCOPES, user_id=None):
        client, code = self.grant_code(org, scopes, user_id)
        r = requests.post(self.server.base + "/oauth/v2/token", data={
            "grant_type": "authorization_code", "client_id": client["client_id"],
            "client_secret": client["client_secret"], "redirect_uri": REDIRECT_URI, "code": code}, timeout=30)
        body = r.json()
        if "refresh_token" not in body:
            raise RuntimeError("code exchange: %s %s" % (r.status_code, r.text[:300]))
        return client, body["refresh_token"]

    def token(self, ctx, org, scopes=ALL_SCOPES, email=None, find_user=False):
        from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

        user_id = None
        if email:
            fx = next((f for f in ctx.fixtures_seen if f.org == org), None)
            user_id = fx.user(email)["id"] if fx else None
        client, refresh = self.refresh_token(org, scopes, user_id)
        return OAuthToken(client_id=client["client_id"], client_secret=client["client_secret"],
                          refresh_token=refresh, redirect_url=REDIRECT_URI, find_user=find_user)


def make_workdir():
    return tempfile.mkdtemp(prefix="orgdir-sdk-conformance-")


def remove_workdir(path):
    shutil.rmtree(path, ignore_errors=True)
