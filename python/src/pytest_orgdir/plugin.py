"""The pytest plugin (entry point `pytest11`): fixtures `orgdir_server`,
`orgdir_org`, `zoho_sdk`, and the marker `orgdir_document`.

- `orgdir_server` (session): the bundled `orgdir serve` on a free port with a
  temporary SQLite database and a random admin key, ready before the first
  test that asks for it, stopped after the last. Under pytest-xdist each
  worker starts its own (a session fixture is per worker).
- `orgdir_org` (per test): an org of its own — new, or imported from the
  org document named by `@pytest.mark.orgdir_document("path.json")` (a path
  relative to the test file) — deleted after the test. Its faults, limits,
  clock and journal are its own, so tests never see each other's.
- `zoho_sdk` (per test): Zoho's Python SDK initialised for that org with an
  all-scopes token that never expires, its token store in the test's
  temporary folder (re-initialised for every test: the SDK is global).

When a test that used the server fails, the server's log lines written
during the test are added to its report ("orgdir server log").
"""

import os

import pytest

from .sdk import ZohoSdk
from .server import OrgdirError, OrgdirServer, binary

_LOG_MARK = pytest.StashKey[int]()
_SERVER = pytest.StashKey[OrgdirServer]()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "orgdir_document(path): orgdir_org imports this org document (JSON; relative to the test file)")


def pytest_report_header(config):
    try:
        return "orgdir: %s" % binary()
    except OrgdirError as e:
        return "orgdir: %s" % e


@pytest.fixture(scope="session")
def orgdir_server(tmp_path_factory):
    """A running orgdir server (an OrgdirServer) for the session, or for this
    pytest-xdist worker."""
    server = OrgdirServer.start(tmp_path_factory.mktemp("orgdir"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def orgdir_org(request, orgdir_server):
    """An org of this test's own (an OrgdirOrg), deleted after it."""
    request.node.stash[_SERVER] = orgdir_server
    request.node.stash[_LOG_MARK] = orgdir_server.log_size()
    marker = request.node.get_closest_marker("orgdir_document")
    if marker is not None:
        path = marker.args[0] if marker.args else marker.kwargs["path"]
        if not os.path.isabs(path):
            path = os.path.join(os.path.dirname(str(request.node.path)), path)
        org = orgdir_server.import_org(path)
    else:
        org = orgdir_server.create_org("pytest " + request.node.name)
    try:
        yield org
    finally:
        org.delete()


@pytest.fixture
def zoho_sdk(orgdir_org, tmp_path):
    """Zoho's Python SDK (`zohocrmsdk8-0`) initialised for `orgdir_org` (a
    ZohoSdk; `zoho_sdk.login(...)` changes the token)."""
    pytest.importorskip("zohocrmsdk", reason="zoho_sdk needs Zoho's Python SDK: pip install zohocrmsdk8-0")
    sdk = ZohoSdk(orgdir_org, tmp_path / "zoho-sdk")
    sdk.login()
    try:
        yield sdk
    finally:
        sdk.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    server = item.stash.get(_SERVER, None)
    if report.failed and server is not None:
        text = server.log_tail(since=item.stash.get(_LOG_MARK, 0))
        report.sections.append(("orgdir server log (%s)" % server.base_url, text or "(nothing written)"))
