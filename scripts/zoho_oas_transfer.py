#!/usr/bin/env python3
"""Transfer and delete, checked against Zoho's schemas: schemathesis cannot
build a request that passes orgdir's checks (Zoho's file attaches no schema
to the two POST bodies), so it never sees an accepted job. This makes one on
the oracle run's seeded org — a user's data to another user, then the user
deleted — and checks the POST's answer and the job's status against the
bundled document (scripts/zoho_oas_bundle.py, with the corrections of
conformance/zoho-oas/exclusions.toml). Exits 1 on a mismatch.

    zoho_oas_transfer.py BUNDLE BASE_URL TOKEN      (run with the schemathesis venv's python)
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema_rs

ONE = "/crm/v8/users/{id}/actions/transfer_and_delete"
STATUS = "/crm/v8/users/actions/transfer_and_delete"


def call(base, token, method, path, body=None, header=None):
    """One request with a Zoho token (or the token in `header`, as the
    control plane's admin key); the status and the JSON body (None if empty)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {header: token} if header else {"Authorization": f"Zoho-oauthtoken {token}"}
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def nullable(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema (a null is allowed too),
    as schemathesis reads it; Draft 4 alone would ignore the keyword."""
    if isinstance(node, list):
        return [nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def check(bundle, pointer, label, status, body):
    """Validates body against the schema at pointer (a JSON pointer into the bundle)."""
    schema = nullable(bundle)
    schema["$ref"] = "#" + urllib.parse.quote(pointer, safe="/~")
    errors = [str(e) for e in jsonschema_rs.Draft4Validator(schema).iter_errors(body)]
    if status != 200 or errors:
        print(f"oracle: {label}: {status} {json.dumps(body)}: {'; '.join(errors) or 'not 200'}")
        return False
    print(f"oracle: {label}: matches Zoho's schema")
    return True


def main():
    bundle = json.load(open(sys.argv[1]))
    base, token = sys.argv[2], sys.argv[3]
    _, me = call(base, token, "GET", "/crm/v8/users?type=CurrentUser")
    caller = me["users"][0]["id"]
    _, active = call(base, token, "GET", "/crm/v8/users?type=ActiveUsers&per_page=10")
    user, to = [u["id"] for u in active["users"] if u["id"] != caller][:2]
    json_schema = "/responses/200/content/application~1json/schema"
    status, accepted = call(base, token, "POST", ONE.format(id=user),
                            {"transfer_and_delete": [{"transfer": {"id": to, "records": True}}]})
    ok = check(bundle, "/paths/" + ONE.replace("/", "~1") + "/post" + json_schema,
               f"POST {ONE}", status, accepted)
    job = accepted.get("transfer_and_delete", [{}])[0].get("details", {}).get("jobId")
    status, job_status = call(base, token, "GET", f"{STATUS}?job_id={job}")
    ok = check(bundle, "/paths/" + STATUS.replace("/", "~1") + "/get" + json_schema,
               f"GET {STATUS}", status, job_status) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
