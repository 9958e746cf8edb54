#!/usr/bin/env python3
"""Which operations of Zoho's directory OpenAPI files orgdir serves.

Reads Zoho's files (default ../shared/zoho-oas/v8.0) and orgdir's own
generated OpenAPI document (the snapshot the openapi test keeps current,
crates/orgdir-testkit/tests/snapshots/openapi__openapi.snap), matches
operations by method and path shape (path parameters' names ignored,
`/crm/v8` = `/crm/{version}`), and prints a Markdown table: each Zoho
operation, the Zoho file declaring it, and orgdir's operationId or
"not served", and what tests it: the scope matrix and the oracle run call
every served operation; a row not served names the decision that explains
it. Usage: scripts/oas_coverage.py [ZOHO_OAS_DIR]
"""

import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SNAPSHOT = os.path.join(ROOT, "crates/orgdir-testkit/tests/snapshots/openapi__openapi.snap")
METHODS = ("get", "post", "put", "patch", "delete")


def shape(path):
    """A path with `/crm/<version>` and every `{parameter}` made uniform."""
    path = re.sub(r"^/crm/(v\d+|\{version\})", "/crm/{v}", path)
    return re.sub(r"\{[^}]+\}", "{}", path)


def orgdir_operations():
    text = open(SNAPSHOT, encoding="utf-8").read()
    document = json.loads(text[text.index("{"):])
    served = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                served[(method.upper(), shape(path))] = item[method].get("operationId", "?")
    return served


def zoho_operations(directory):
    found = {}
    for name in sorted(glob.glob(os.path.join(directory, "*.json"))):
        document = json.load(open(name, encoding="utf-8"))
        for path, item in document.get("paths", {}).items():
            if not path.startswith("/crm/"):
                continue
            for method in METHODS:
                if method in item:
                    key = (method.upper(), path)
                    found.setdefault(key, []).append(os.path.basename(name))
    return found


# Every served operation is called by the scope matrix (its endpoint table,
# crates/orgdir-testkit/src/endpoints.rs, must list exactly the operations of
# orgdir's document: tests/openapi.rs checks) and by the oracle run
# (scripts/zoho_oas.sh); API-DESIGN names the story tests of each area.

# Why an operation is not served (or, answered through a route with a
# parameter, refused): the decision that explains it.
NOT_SERVED = {
}


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "zoho-oas", "v8.0")
    served = orgdir_operations()
    zoho = zoho_operations(directory)
    rows = sorted(zoho.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    count = sum(1 for (key, _) in rows if (key[0], shape(key[1])) in served)
    print(f"{count} of {len(rows)} operations have a route of their own\n")
    print("| operation | Zoho file | orgdir | tested by |")
    print("|---|---|---|---|")
    templates = [(m, re.compile("^" + re.escape(p).replace(re.escape("{}"), "[^/]+") + "$"), op)
                 for (m, p), op in served.items() if "{}" in p.replace("/crm/{v}", "")]
    for (method, path), files in rows:
        operation = served.get((method, shape(path)))
        if operation:
            cell = f"`{operation}`"
        else:
            # A literal Zoho path an orgdir route with a parameter answers
            # (whether that value is supported is the route's business).
            by_route = [op for m, pattern, op in templates if m == method and pattern.match(shape(path))]
            cell = f"through `{by_route[0]}`" if by_route else "not served"
        if cell == "not served" or (method, path) in NOT_SERVED:
            tested = NOT_SERVED.get((method, path), "")
        else:
            tested = "scope matrix, oracle"
        print(f"| `{method} {path}` | {', '.join(files)} | {cell} | {tested} |")


if __name__ == "__main__":
    main()
