#!/usr/bin/env python3
"""Writes fuzz/seeds/bodies: one valid-looking body per operation of the
`bodies` target, as [operation byte][id byte][JSON body]. The operation
order is the target's (`ORGDIR_FUZZ_LIST=1` prints it); the ids are the
fixture's, sorted, as the target sorts them. Rerun after adding an
operation with a body."""
import json, os, sys

root = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(os.path.join(root, "../crates/orgdir-testkit/fixtures/user-groups/org.json")))
ids = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, str) and (k == "id" or k.endswith("_id")):
                ids.append(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(doc)
ids = sorted(set(ids + ["1"]))
idx = lambda i: ids.index(i)

PROFILE, ROLE_CEO, ROLE_MGR = "3652397000009950002", "3652397000009950010", "3652397000009950011"
TERR_ROOT, TERR = "3652397000009950200", "3652397000009950201"
USER, USER2 = "3652397000009950101", "3652397000009950102"
GROUP = "3652397000009952001"
t0, t1 = "2030-01-01T09:00:00+05:30", "2030-01-02T18:00:00+05:30"
# (operation index, id in the path, body) — in the target's order.
SEEDS = [
    (0, "1", {}),
    (1, PROFILE, {"profiles": [{"name": "Standard 2", "description": "renamed"}]}),
    (2, PROFILE, {"profiles": [{"name": "Cloned", "description": "a copy"}]}),
    (3, "1", {"roles": [{"name": "Team Lead", "reporting_to": {"id": ROLE_MGR}, "share_with_peers": True, "description": "leads"}]}),
    (4, "1", {"roles": [{"id": ROLE_MGR, "name": "Managers", "reporting_to": {"id": ROLE_CEO}}]}),
    (5, ROLE_MGR, {"roles": [{"name": "Manager", "share_with_peers": False}]}),
    (6, "1", {"territories": [{"name": "West", "reporting_to": {"id": TERR_ROOT}, "manager": {"id": USER}, "permission_type": "read_only", "description": "w"}]}),
    (7, "1", {"territories": [{"id": TERR, "name": "East", "permission_type": "read_write_delete"}]}),
    (8, "1", {"territories": [{"id": TERR, "transfer_to_id": TERR_ROOT, "delete_previous_forecasts": False}]}),
    (9, TERR, {"territories": [{"name": "North", "manager": {"id": USER2}}]}),
    (10, TERR, {"territories": [{"transfer_to_id": TERR_ROOT, "delete_previous_forecasts": True}]}),
    (11, TERR, {"users": [{"id": USER}, {"id": USER2}]}),
    (12, "1", {"user_groups": [{"name": "Ops", "description": "ops", "sources": [{"type": "users", "source": {"id": USER}}, {"type": "roles", "source": {"id": ROLE_MGR}, "subordinates": True}, {"type": "territories", "source": {"id": TERR}}]}]}),
    (13, "1", {"user_groups": [{"id": GROUP, "name": "Renamed", "sources": [{"type": "groups", "source": {"id": "3652397000012454002"}}]}]}),
    (14, "1", {"get_assigned": {"user": {"id": USER}, "filters": {"field": {"api_name": "name"}, "comparator": "contains", "value": "a"}}}),
    (15, "1", {"get_unassigned": {"user": {"id": USER2}}}),
    (16, GROUP, {"user_groups": [{"description": "d", "sources": [{"type": "users", "source": {"id": USER2}}]}]}),
    (17, "1", {"users_unavailability": [{"from": t0, "to": t1, "comments": "away", "user": {"id": USER}}]}),
    (18, "1", {"users_unavailability": [{"id": "1", "from": t0, "to": t1}]}),
    (19, "1", {"users_unavailability": [{"comments": "c", "all_day": True, "from": t0, "to": t1}]}),
    (20, "1", {"users": [{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@zylker.example", "role": ROLE_MGR, "profile": PROFILE}]}),
    (21, "1", {"users": [{"id": USER2, "first_name": "Bo", "phone": "123", "time_zone": "Asia/Kolkata"}]}),
    (22, "1", {"transfer_and_delete": [{"id": USER2, "transfer": {"records": True, "assignment": True, "criteria": True}, "transfer_to": {"id": USER}}]}),
    (23, USER2, {"users": [{"last_name": "Changed", "status": "disabled"}]}),
    (24, USER2, {"transfer_and_delete": [{"transfer": {"records": True}, "transfer_to": {"id": USER}}]}),
    (25, USER, {"territories": [{"id": TERR}]}),
    (26, "1", {"name": "Fuzz Org", "edition": "enterprise", "licenses": 5, "time_zone": "UTC"}),
    (27, "1", doc),
    (28, "1", {}),
    (29, "1", {"scopes": "ZohoCRM.users.READ,ZohoCRM.settings.ALL", "expires_in": 3600}),
    (30, "1", {"user_id": "1"}),
    (31, "1", {"user_group_deletion": "scheduled"}),
    (32, "1", {"match": {"method": "GET", "path": "/crm/v8/users"}, "effect": {"status": 429, "code": "TOO_MANY_REQUESTS"}, "trigger": {"times": 1}}),
    (33, "1", {"edition": "enterprise", "credits_per_day": 1000, "concurrent_calls": 5}),
    (34, "1", {"seconds": 3600}),
    (35, "1", {"name": "app", "redirect_uri": "http://localhost/cb", "scopes": "ZohoCRM.users.ALL"}),
    (36, "1", {}),
    (37, "1", {"password": "correct horse battery staple"}),
]
out = os.path.join(root, "seeds", "bodies")
os.makedirs(out, exist_ok=True)
for op, id_, body in SEEDS:
    with open(os.path.join(out, f"op{op:02}.bin"), "wb") as f:
        f.write(bytes([op, idx(id_)]) + json.dumps(body, separators=(",", ":")).encode())
print(f"{len(SEEDS)} seeds in {out}")
