"""Zoho's Python SDK (`zohocrmsdk8-0`) pointed at an orgdir org.

The SDK's `Initializer` is process-global: one environment and one token at
a time per process. `ZohoSdk.login` therefore re-initialises it, and the
`zoho_sdk` fixture does so at the start of every test. Each pytest-xdist
worker is a process of its own, so workers do not disturb each other.
"""

import logging
import os


class ZohoSdk:
    """The SDK initialised for one org: the environment is the org's
    `api_domain` (API, accounts and file upload alike, as
    conformance/python/harness.py does), the token store a `FileStore` in
    `workdir`, the SDK's log `workdir/sdk.log`.

    Attributes: `org` (the OrgdirOrg), `token` (the SDK's `OAuthToken`),
    `access_token` (its value)."""

    def __init__(self, org, workdir):
        self.org = org
        self.workdir = str(workdir)
        self.token = None
        self.access_token = None
        self._log_handlers = []

    def environment(self):
        """A `DataCenter.Environment` whose three URLs are the org's server."""
        from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter

        base = self.org.api_domain
        return DataCenter.Environment(base, base + "/oauth/v2/token", base)

    def login(self, access_token=None, **token_args):
        """(Re-)initialises the SDK with `access_token`, or with a new token
        of the org made by `org.token(**token_args)` (`scopes`, `user_id`,
        `email`, `expires_in`). Returns the access token.

        The SDK is given the token as it is (`OAuthToken(access_token=…)`):
        it never refreshes it, so a token that expires on the org's clock is
        answered `INVALID_TOKEN`, as Zoho answers an expired one."""
        from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
        from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
        from zohocrmsdk.src.com.zoho.api.logger import Logger
        from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
        from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

        if access_token is None:
            access_token = self.org.token(**token_args)
        os.makedirs(self.workdir, exist_ok=True)
        self.close()
        sdk_logger = logging.getLogger("SDKLogger")
        before = list(sdk_logger.handlers)
        self.token = OAuthToken(access_token=access_token, find_user=False)
        Initializer.initialize(
            environment=self.environment(),
            token=self.token,
            store=FileStore(os.path.join(self.workdir, "sdk-tokens.csv")),
            sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
            resource_path=self.workdir,
            logger=Logger.get_instance(Logger.Levels.INFO, os.path.join(self.workdir, "sdk.log")),
        )
        # every initialisation adds a FileHandler to the SDK's logger and
        # never removes it: keep ours, so that close() can
        self._log_handlers = [h for h in sdk_logger.handlers if h not in before]
        self.access_token = access_token
        return access_token

    def close(self):
        """Closes the SDK log file that this object's last `login` opened (the
        SDK itself never does). The `zoho_sdk` fixture calls it after the test."""
        sdk_logger = logging.getLogger("SDKLogger")
        for handler in self._log_handlers:
            sdk_logger.removeHandler(handler)
            handler.close()
        self._log_handlers = []
