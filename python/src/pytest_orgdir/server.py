"""An orgdir server run from the bundled binary, and one org on it, driven
through orgdir's control plane (`/_orgdir/…`, README "Control plane").

Only the standard library: the fixtures that do not touch Zoho's SDK need
nothing but pytest.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request

#: The scopes of a token that may call every endpoint orgdir serves.
ALL_SCOPES = "ZohoCRM.users.ALL,ZohoCRM.settings.ALL,ZohoCRM.features.ALL,ZohoCRM.org.ALL"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXE = "orgdir.exe" if os.name == "nt" else "orgdir"


class OrgdirError(RuntimeError):
    """The server did not start, or the control plane refused a call (the
    message carries the HTTP status and orgdir's answer)."""


def binary():
    """The `orgdir` binary to run: `$ORGDIR_BIN` if set, else the one this
    wheel installed beside the running Python (its scripts folder, or the
    user scheme's after `pip install --user`), else the first on PATH."""
    override = os.environ.get("ORGDIR_BIN")
    if override:
        return override
    schemes = [None, "%s_user" % os.name]
    for scheme in schemes:
        try:
            folder = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        candidate = os.path.join(folder, _EXE)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("orgdir")
    if found:
        return found
    raise OrgdirError("no orgdir binary: install the pytest-orgdir wheel into %s, or set ORGDIR_BIN" % sys.prefix)


def _die_with_parent():
    """In the child, before exec: on Linux, ask for SIGTERM when the process
    that started the server dies, so a killed pytest leaves no server behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OrgdirServer:
    """`orgdir serve` on 127.0.0.1 and a free port, with a SQLite database
    and a log file in `workdir` and a random 64-hex-digit admin key.

    `start()` returns once `GET /_orgdir/ready` answers 200; `stop()` ends
    the process. Use it as a context manager, or through the
    `orgdir_server` fixture."""

    def __init__(self, workdir, binary_path=None):
        self.workdir = str(workdir)
        self.binary = binary_path or binary()
        self.admin_key = secrets.token_hex(32)
        self.port = None
        self.base_url = None
        self.log_path = os.path.join(self.workdir, "orgdir.log")
        self.database_url = "sqlite://" + os.path.join(self.workdir, "orgdir.db")
        self._proc = None
        self._log = None

    @classmethod
    def start(cls, workdir, binary_path=None, timeout=30.0):
        """A started server (see the class)."""
        server = cls(workdir, binary_path)
        server._start(timeout)
        return server

    def _start(self, timeout):
        os.makedirs(self.workdir, exist_ok=True)
        # a free port can be taken between the probe and the bind: try again
        for attempt in range(3):
            self.port = _free_port()
            self.base_url = "http://127.0.0.1:%d" % self.port
            env = {k: v for k, v in os.environ.items() if not k.startswith("ORGDIR_")}
            env["ORGDIR_ADMIN_KEY"] = self.admin_key
            self._log = open(self.log_path, "ab")
            self._proc = subprocess.Popen(
                [self.binary, "serve", "--database-url", self.database_url,
                 "--listen", "127.0.0.1:%d" % self.port],
                stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(self.base_url + "/_orgdir/ready", timeout=2) as r:
                        if r.status == 200:
                            return
                except (OSError, urllib.error.URLError):
                    pass
                time.sleep(0.05)
            exited = self._proc.poll() is not None
            self.stop()
            if not exited:
                raise OrgdirError("orgdir was not ready in %.0f s; its log:\n%s" % (timeout, self.log_tail()))
        raise OrgdirError("orgdir exited at start (3 tries); its log:\n%s" % self.log_tail())

    def stop(self):
        """Ends the server (SIGTERM, then SIGKILL after 10 s)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- the log

    def log_size(self):
        """How many bytes the log holds now (a mark for `log_tail(since=…)`)."""
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_tail(self, since=0, max_lines=200):
        """The log written after byte `since` (without terminal colours), at
        most its last `max_lines` lines."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                text = _ANSI.sub("", f.read().decode("utf-8", "replace"))
        except OSError:
            return ""
        lines = text.splitlines()
        cut = len(lines) - max_lines
        return "\n".join((["… %d earlier lines" % cut] if cut > 0 else []) + lines[-max_lines:])

    # -- the control plane

    def admin(self, method, path, body=None, query=None):
        """One control-plane call with the admin key; the answer's JSON.
        Raises OrgdirError on a status of 300 or more."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"X-Orgdir-Admin-Key": self.admin_key,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                text = r.read()
        except urllib.error.HTTPError as e:
            raise OrgdirError("%s %s -> %s %s" % (method, path, e.code, e.read().decode("utf-8", "replace")[:2000]))
        return json.loads(text) if text else None

    def create_org(self, name="pytest", **fields):
        """A new org (`POST /_orgdir/orgs`): `name`, and optionally `id`,
        `edition`, `licenses`, `time_zone`, `admin_email`."""
        answer = self.admin("POST", "/_orgdir/orgs", dict(fields, name=name[:100]))
        return OrgdirOrg(self, answer["org"], answer["admin_user_id"], answer["access_token"])

    def import_org(self, document):
        """An org made from an org document (`POST /_orgdir/orgs/import`):
        a dict, or the path of a JSON file. orgdir refuses an id that is taken."""
        if not isinstance(document, dict):
            with open(document, encoding="utf-8") as f:
                document = json.load(f)
        answer = self.admin("POST", "/_orgdir/orgs/import", document)
        primary = next((u["id"] for u in document.get("users", []) if u.get("primary")), None)
        return OrgdirOrg(self, answer["org"], primary, None)


class OrgdirOrg:
    """One org on an OrgdirServer, with the emulator controls of README
    "Testing your integration's unhappy paths". Each method is one
    control-plane call; what it changes lasts until `reset()` or `delete()`.

    Attributes: `id`, `info` (the org as orgdir answered it),
    `admin_user_id` (the primary admin), `api_domain` (the base URL to give a
    Zoho client: `{api_domain}/crm/v8/…`), `server`."""

    def __init__(self, server, info, admin_user_id, admin_token):
        self.server = server
        self.info = info
        self.id = str(info["id"])
        self.admin_user_id = admin_user_id
        self.api_domain = server.base_url
        self.admin_token = admin_token  # all scopes, never expires; None for an imported org

    def __repr__(self):
        return "OrgdirOrg(%s, %r)" % (self.id, self.info.get("name"))

    def _path(self, tail=""):
        return "/_orgdir/orgs/%s%s" % (self.id, tail)

    def token(self, scopes=ALL_SCOPES, user_id=None, email=None, expires_in=0):
        """A new access token (`POST …/tokens`) for the primary admin, or the
        user named by `user_id` or `email`. `scopes`: a comma-separated string
        or a list. `expires_in`: seconds on the org's clock, 0 for never."""
        if not isinstance(scopes, str):
            scopes = ",".join(scopes)
        body = {"scopes": scopes, "expires_in": expires_in}
        if user_id is not None:
            body["user_id"] = str(user_id)
        if email is not None:
            body["email"] = email
        return self.server.admin("POST", self._path("/tokens"), body)["access_token"]

    def fault(self, path, method=None, *, status=None, code=None, message=None, delay_ms=None, jitter_ms=None,
              drop=False, every=None, times=None, probability=None, seed=None):
        """Adds a fault rule (`POST …/faults`, API-DESIGN 167) and returns it
        with its `id` and `hits`.

        `path` is a request path, `*` matching one segment
        (`"/crm/*/users/actions/count"`); `method` None matches any. The
        effect is one of: an error (`status`, default 500, with `code`,
        default INTERNAL_ERROR, and `message`), a delay (`delay_ms`,
        `jitter_ms`), or `drop=True` (the connection is closed). The trigger
        is one of `every=N`, `times=N`, `probability=P` (with `seed`), or
        none: every matching call."""
        match = {"path": path}
        if method:
            match["method"] = method
        if drop:
            effect = {"drop": True}
        elif delay_ms is not None:
            effect = {"delay_ms": delay_ms, **({"jitter_ms": jitter_ms} if jitter_ms is not None else {})}
        else:
            effect = {"status": status or 500, "code": code or "INTERNAL_ERROR",
                      **({"message": message} if message is not None else {})}
        rule = {"match": match, "effect": effect}
        trigger = {k: v for k, v in (("every", every), ("times", times), ("probability", probability),
                                     ("seed", seed)) if v is not None}
        if trigger:
            rule["trigger"] = trigger
        return self.server.admin("POST", self._path("/faults"), rule)

    def faults(self):
        """The org's fault rules, oldest first, with their hit counts."""
        return self.server.admin("GET", self._path("/faults"))["faults"]

    def clear_faults(self, rule_id=None):
        """Removes one fault rule (by `id`), or all of them."""
        self.server.admin("DELETE", self._path("/faults" if rule_id is None else "/faults/%s" % rule_id))

    def limits(self, credits_per_day=None, concurrency=None, edition=False):
        """Sets the org's API limits (`PUT …/limits`, API-DESIGN 172) when
        given any, and returns them with `credits_used`,
        `credits_remaining`, `oldest_credit_returns_at`, `concurrent_calls`.
        A limit not given is unlimited; `edition=True` takes Zoho's numbers
        for the org's edition and licences. `limits()` only reads them."""
        if edition:
            return self.server.admin("PUT", self._path("/limits"), {"edition": True})
        if credits_per_day is None and concurrency is None:
            return self.server.admin("GET", self._path("/limits"))
        return self.server.admin("PUT", self._path("/limits"),
                                 {"credits_per_day": credits_per_day, "concurrency": concurrency})

    def advance_clock(self, seconds):
        """Moves the org's clock forward (API-DESIGN 173): token expiry, the
        credit window and the timestamps written follow it. Returns
        `{"now", "offset_seconds"}`. Python's own clock does not move."""
        return self.server.admin("POST", self._path("/clock"), {"advance_seconds": seconds})

    def requests(self, method=None, path=None, status=None, code=None, since=None, limit=None):
        """The org's request journal, newest first (API-DESIGN 166); the
        filters are the endpoint's (`path` a prefix or a `*` pattern)."""
        query = {"method": method, "path": path, "status": status, "code": code, "since": since, "limit": limit}
        return self.server.admin("GET", self._path("/requests"), query=query)["requests"]

    def clear_requests(self):
        """Empties the org's request journal."""
        self.server.admin("DELETE", self._path("/requests"))

    def reset(self):
        """Puts the org back to the document it was made from, and clears its
        fault rules, limits, clock and journal (API-DESIGN 106). Its tokens
        for users of that document keep working."""
        return self.server.admin("POST", self._path("/reset"))

    def delete(self):
        """Deletes the org and everything in it, its tokens included."""
        self.server.admin("DELETE", self._path())
