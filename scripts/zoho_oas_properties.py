#!/usr/bin/env python3
"""Whole objects: does every object orgdir answers carry every property of
Zoho's schema for it?

Reads a few objects of each kind from a live orgdir (the oracle run's seeded
org) and compares their keys with the properties of the bundled Zoho schema
(scripts/zoho_oas_bundle.py). Prints, per kind, how many of Zoho's
properties orgdir gives and which are missing. A kind listed in
`[properties] complete` of conformance/zoho-oas/exclusions.toml must have
them all (and nothing Zoho's schema does not name), so a finished object
cannot regress; the others are reported until issue 13 finishes them.

    zoho_oas_properties.py BUNDLE EXCLUSIONS BASE_URL TOKEN
"""
import json
import sys
import tomllib
import urllib.request

# kind -> (read, key of the array in the answer, Zoho schema)
KINDS = {
    "org": ("/crm/v8/org", "org", "org__Org"),
    "users": ("/crm/v8/users?type=AllUsers&per_page=20", "users", "users__users"),
    "roles": ("/crm/v8/settings/roles", "roles", "roles__Role"),
    "profiles": ("/crm/v8/settings/profiles/{profile}", "profiles", "profiles__Profile"),
    "territories": (
        "/crm/v8/settings/territories?include=lead_rule_criteria,account_rule_criteria,deal_rule_criteria",
        "territories",
        "territories__territories",
    ),
    "user_groups": ("/crm/v8/settings/user_groups?include=sources_count", "user_groups", "user_groups__groups"),
    "users_unavailability": (
        "/crm/v8/settings/users_unavailability",
        "users_unavailability",
        "users_unavailability__Users_Unavailability",
    ),
}


def read(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Zoho-oauthtoken {token}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main():
    bundle = json.load(open(sys.argv[1]))
    exclusions = tomllib.loads(open(sys.argv[2]).read())
    base, token = sys.argv[3], sys.argv[4]
    complete = set(exclusions.get("properties", {}).get("complete", []))
    unknown = complete - KINDS.keys()
    if unknown:
        raise SystemExit(f"[properties] complete names unknown kinds: {sorted(unknown)}")
    failed = False
    for kind, (path, key, schema) in KINDS.items():
        expected = set(bundle["components"]["schemas"][schema]["properties"])
        if "{profile}" in path:
            # One profile's read carries its permissions (the list does not).
            first = read(base, token, "/crm/v8/settings/profiles")["profiles"][0]["id"]
            path = path.replace("{profile}", first)
        objects = read(base, token, path)[key]
        missing = set().union(*(expected - set(o) for o in objects))
        extra = set().union(*(set(o) - expected for o in objects))
        line = f"properties: {kind}: {len(expected - missing)} of {len(expected)} of Zoho's ({len(objects)} objects read)"
        if missing:
            line += f"; missing {', '.join(sorted(missing))}"
        if extra:
            line += f"; not in Zoho's schema: {', '.join(sorted(extra))}"
        if kind in complete and (missing or extra):
            line += "  <- FAILED: listed as complete"
            failed = True
        print(line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
