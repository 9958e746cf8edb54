"""What Zoho's Python SDK sees when things go wrong, made to happen per org
with the emulator controls of `orgdir_org`: a fault rule, API credits
running out, a token expiring on the org's clock. Plus an org imported from
an org document.
"""

import pytest
from zohocrmsdk.src.com.zoho.crm.api import features as F
from zohocrmsdk.src.com.zoho.crm.api import users as U


def count():
    """The users count as the SDK hands it back: an int, or an APIException's code."""
    response = U.UsersOperations().users_count()
    obj = response.get_object()
    if isinstance(obj, U.APIException):
        return response.get_status_code(), obj.get_code().get_value()
    return response.get_status_code(), obj.get_count()


def test_a_fault_rule_is_an_api_exception_for_the_sdk(zoho_sdk, orgdir_org):
    orgdir_org.fault("/crm/*/users/actions/count", "GET", status=500, code="INTERNAL_ERROR", times=1)
    assert count() == (500, "INTERNAL_ERROR")
    assert count() == (200, 1)  # `times=1`: only the first call fails
    journal = orgdir_org.requests(path="/crm/v8/users/actions/count")
    assert [(e["status"], e["code"]) for e in journal] == [(200, None), (500, "INTERNAL_ERROR")]


def test_too_many_requests_once_the_credits_run_out(zoho_sdk, orgdir_org):
    orgdir_org.limits(credits_per_day=3)
    assert [count() for _ in range(3)] == [(200, 1)] * 3
    assert count() == (429, "TOO_MANY_REQUESTS")
    assert orgdir_org.limits()["credits_remaining"] == 0
    orgdir_org.advance_clock(24 * 3600)  # a day later the credits are back
    assert count() == (200, 1)


def test_a_token_expires_when_the_org_clock_moves(zoho_sdk, orgdir_org):
    zoho_sdk.login(expires_in=3600)
    assert count() == (200, 1)
    orgdir_org.advance_clock(3601)
    assert count() == (401, "INVALID_TOKEN")
    zoho_sdk.login()  # a new token works
    assert count() == (200, 1)


@pytest.mark.orgdir_document("../../crates/orgdir-testkit/fixtures/seed-004/org.json")
def test_an_org_from_a_document(zoho_sdk, orgdir_org):
    assert orgdir_org.info["name"] == "Zylker Licences"
    (feature,) = F.FeaturesOperations().get_user_licences_count().get_object().get_features()
    d = feature.get_details()
    assert (d.get_available_count().get_total(), d.get_used_count().get_total(), d.get_limits().get_total()) == (
        3, 7, 10)
