#!/usr/bin/env python3
"""User group deletion jobs and a user's assigned / unassigned groups,
checked against Zoho's schemas: schemathesis cannot switch the org to
scheduled deletion (an emulator control, API-DESIGN 144), and the bodies it
builds from Zoho's file name no user of the org, so it never sees a
SCHEDULED deletion, a job's status or a page of groups. This makes each on
the oracle run's seeded org — a group deleted as a job and its status, then
the groups of a user that one kept group names — and checks the answers
against the bundled document (scripts/zoho_oas_bundle.py, with the
corrections of conformance/zoho-oas/exclusions.toml). The org's behaviour
is set back to immediate afterwards. Exits 1 on a mismatch.

    zoho_oas_group_ops.py BUNDLE BASE_URL TOKEN ADMIN_KEY   (the schemathesis venv's python)
"""
import json
import sys

from zoho_oas_transfer import call, check

GROUPS = "/crm/v8/settings/user_groups"
JOBS = GROUPS + "/actions/deletion_jobs"
ASSIGN = GROUPS + "/actions/{key}"
JSON_SCHEMA = "/content/application~1json/schema"


def pointer(bundle, path, method):
    """The JSON pointer of the 200 answer's schema of an operation, through
    the response component it may refer to."""
    response = bundle["paths"][path][method]["responses"]["200"]
    if "$ref" in response:
        return response["$ref"][1:] + JSON_SCHEMA
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method + "/responses/200" + JSON_SCHEMA


def behaviour(base, admin_key, org, value):
    status, body = call(base, admin_key, "PUT", f"/_orgdir/orgs/{org}/behaviour",
                        {"user_group_deletion": value}, header="X-Orgdir-Admin-Key")
    if status != 200:
        raise SystemExit(f"group ops: setting the behaviour answered {status} {body}")


def main():
    bundle = json.load(open(sys.argv[1]))
    base, token, admin_key = sys.argv[2], sys.argv[3], sys.argv[4]
    _, orgs = call(base, admin_key, "GET", "/_orgdir/orgs", header="X-Orgdir-Admin-Key")
    org = orgs["orgs"][0]["id"]
    _, me = call(base, token, "GET", "/crm/v8/users?type=CurrentUser")
    caller = me["users"][0]["id"]
    made = {}
    for name in ["Oracle Kept", "Oracle Scheduled"]:
        _, created = call(base, token, "POST", GROUPS, {"user_groups": [
            {"name": name, "sources": [{"type": "users", "source": {"id": caller}}]}]})
        made[name] = created["user_groups"][0]["details"]["id"]

    behaviour(base, admin_key, org, "scheduled")
    try:
        one = GROUPS + "/{group}"
        status, deleted = call(base, token, "DELETE", one.format(group=made["Oracle Scheduled"]))
        ok = check(bundle, pointer(bundle, one, "delete"), f"DELETE {one} (scheduled)", status, deleted)
        ok = ok and deleted["user_groups"][0]["code"] == "SCHEDULED"
        job = deleted["user_groups"][0]["details"].get("job_id")
        status, job_status = call(base, token, "GET", f"{JOBS}?job_id={job}")
        ok = check(bundle, pointer(bundle, JOBS, "get"), f"GET {JOBS}", status, job_status) and ok
    finally:
        behaviour(base, admin_key, org, "immediate")

    for key in ["get_assigned", "get_unassigned"]:
        path = ASSIGN.format(key=key)
        status, page = call(base, token, "POST", path, {key: {
            "feature": "user_groups", "related_entity_id": caller, "per_page": 5}})
        ok = check(bundle, pointer(bundle, path, "post"), f"POST {path}", status, page) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
