"""Schemathesis hooks for orgdir (scripts/schemathesis.sh, docs/RELIABILITY.md).

A generated create names its role, profile, parent territory, group sources
and user by random ids, so it almost never succeeds, and the stateful phase
then has no new record to follow the document's links from. For the six
creates, half the generated bodies are given what a test fixture would fill
in: the fields the document does not describe are dropped, every id that
must name an existing record names one of the org's (its root role, a
profile, its root territory, the caller), and the version is v8 (some
creates do not exist in the older ones). The other half stay as generated,
but for one thing both halves get: names and emails carry a number no other
create had, so that a create is not refused as a duplicate of an earlier
one, and a scenario Hypothesis replays meets the same answers. The server
keeps being fed ids that do not exist. The links then put the
records these creates make into further creates (API-DESIGN 198, 199).

Reads ORGDIR_ST_BASE (the server), ORGDIR_ST_TOKEN (an access token of the
org) and ORGDIR_ST_DOCUMENT (the served OpenAPI document, as a file).
"""

import copy
import functools
import itertools
import json
import os
import urllib.request

import hypothesis.strategies as st
import schemathesis

CREATES = {
    "users_create",
    "roles_create",
    "territories_create",
    "user_groups_create",
    "users_unavailability_create",
    "profiles_clone",
}


def _get(path):
    request = urllib.request.Request(
        os.environ["ORGDIR_ST_BASE"] + "/crm/v8" + path,
        headers={"Authorization": "Zoho-oauthtoken " + os.environ["ORGDIR_ST_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


@functools.cache
def _org():
    """The org's existing records, read once: {"role", "profile", "territory", "user"} → id."""
    roles = _get("/settings/roles")["roles"]
    territories = _get("/settings/territories")["territories"]
    return {
        "role": next(r["id"] for r in roles if not r.get("reporting_to")),
        "profile": _get("/settings/profiles")["profiles"][0]["id"],
        "territory": next(t["id"] for t in territories if not t.get("reporting_to")),
        "user": _get("/users?type=CurrentUser")["users"][0]["id"],
    }


@functools.cache
def _components():
    with open(os.environ["ORGDIR_ST_DOCUMENT"]) as document:
        return json.load(document)["components"]["schemas"]


def _resolve(schema):
    while "$ref" in schema:
        schema = _components()[schema["$ref"].rsplit("/", 1)[1]]
    for choice in schema.get("oneOf", []):
        if choice.get("type") != "null":
            return _resolve(choice)
    return schema


def _documented(value, schema):
    """`value` with only the object properties `schema` describes, at every depth."""
    schema = _resolve(schema)
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        return {k: _documented(v, properties[k]) for k, v in value.items() if k in properties}
    if isinstance(value, list) and "items" in schema:
        return [_documented(v, schema["items"]) for v in value]
    return value


# The next number for a name or email, and those fields' maximum lengths.
# Not a draw: what Hypothesis generated stays the same.
_serial = itertools.count(1)
UNIQUE = {"name": 50, "email": 100}


def _items(body):
    """The objects of a write body's array (`{"<key>": [item, …]}`)."""
    items = next(iter(body.values()), None)
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, dict))


def _unique(body):
    """Gives every name and email of the body's items a number no other create had."""
    for item in _items(body):
        for field, limit in UNIQUE.items():
            value = item.get(field)
            if not isinstance(value, str) or not value.strip():
                continue
            n = next(_serial)
            if field == "email":
                item[field] = f"st{n}.{value}"[:limit] if "@" in value else value
            else:
                item[field] = f"{value[: limit - 9]} #{n}"
    return body


def _with_org_ids(operation_id, body):
    """Sets every id that must name an existing record to one of the org's."""
    org = _org()
    for item in _items(body):
        if operation_id == "users_create":
            item["role"] = {"id": org["role"]}
            item["profile"] = {"id": org["profile"]}
        elif operation_id == "roles_create" and "reporting_to" in item:
            item["reporting_to"] = {"id": org["role"]}
        elif operation_id == "territories_create":
            item["reporting_to"] = {"id": org["territory"]}
            if "manager" in item:
                item["manager"] = {"id": org["user"]}
        elif operation_id == "user_groups_create":
            item["sources"] = [{"type": "users", "source": {"id": org["user"]}}]
        elif operation_id == "users_unavailability_create" and "user" in item:
            item["user"] = {"id": org["user"]}
    return body


@schemathesis.hook("flatmap_body")
def fill_in_org_ids(ctx, body):
    operation_id = ctx.operation.definition.raw.get("operationId") if ctx.operation else None
    if operation_id not in CREATES or not isinstance(body, dict):
        return st.just(body)
    schema = ctx.operation.definition.raw["requestBody"]["content"]["application/json"]["schema"]
    filled = _with_org_ids(operation_id, _documented(copy.deepcopy(body), schema))
    return st.sampled_from([body, filled]).map(lambda chosen: _unique(copy.deepcopy(chosen)))


@schemathesis.hook("flatmap_path_parameters")
def fill_in_path(ctx, path_parameters):
    """Half the creates go to a version that has them (v8), the profile clone to a real profile."""
    operation_id = ctx.operation.definition.raw.get("operationId") if ctx.operation else None
    if operation_id not in CREATES or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    filled = {**path_parameters, "version": "v8"}
    if operation_id == "profiles_clone":
        filled["id"] = _org()["profile"]
    return st.sampled_from([path_parameters, filled])
