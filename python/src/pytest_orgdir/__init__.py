"""pytest-orgdir: orgdir, a self-hosted emulator of Zoho CRM's organisation
directory API, for your tests.

The wheel carries the `orgdir` binary (on PATH once installed) and a pytest
plugin that pytest loads by itself (entry point `pytest11`). The plugin's
fixtures are `orgdir_server` (session), `orgdir_org` and `zoho_sdk` (per
test); see python/README.md. The classes behind them can be used without
pytest too::

    from pytest_orgdir import OrgdirServer
    with OrgdirServer.start("/tmp/work") as server:
        org = server.create_org("Acme")
        print(org.api_domain, org.token())
"""

from .server import ALL_SCOPES, OrgdirError, OrgdirOrg, OrgdirServer, binary
from .sdk import ZohoSdk

__all__ = ["ALL_SCOPES", "OrgdirError", "OrgdirOrg", "OrgdirServer", "ZohoSdk", "binary"]
