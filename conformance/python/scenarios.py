"""The scenarios: each drives orgdir through the Zoho Python SDK only and
checks the values the SDK hands back.

A scenario is a function `f(ctx)`. `ctx.fresh(fixture)` gives it a fixture
org in its initial state, `ctx.login(org, …)` initializes the SDK with a
token of the current pass (a minted access token, or the SDK's own OAuth
refresh), and `ctx.call/expect/eq/true` count the assertions.
"""

import csv
import json
import os
import time
from datetime import datetime, timedelta, timezone

import requests

from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.util import Choice
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.token import Token
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

from zohocrmsdk.src.com.zoho.crm.api import users as U
from zohocrmsdk.src.com.zoho.crm.api import user_groups as G
from zohocrmsdk.src.com.zoho.crm.api import territories as T
from zohocrmsdk.src.com.zoho.crm.api import territory_users as TU
from zohocrmsdk.src.com.zoho.crm.api import users_territories as UT
from zohocrmsdk.src.com.zoho.crm.api import features as F
from zohocrmsdk.src.com.zoho.crm.api import org as O
from zohocrmsdk.src.com.zoho.crm.api import roles as R
from zohocrmsdk.src.com.zoho.crm.api import profiles as P
from zohocrmsdk.src.com.zoho.crm.api import users_unavailability as UA

from harness import ALL_SCOPES, REDIRECT_URI, OAuthAuth, Orgs, Server, initialize, mask

USER_TYPES = ["AllUsers", "ActiveUsers", "DeactiveUsers", "ConfirmedUsers", "NotConfirmedUsers", "DeletedUsers",
              "ActiveConfirmedUsers", "AdminUsers", "ActiveConfirmedAdmins", "CurrentUser"]
SUPPORT_GROUP = "3652397000009952001"


def params(*pairs):
    pm = ParameterMap()
    for param, value in pairs:
        pm.add(param, value)
    return pm


def users_count(ctx, kind=None):
    pm = params((U.UsersCountParam.type, kind)) if kind else None
    r = ctx.call("users_count(%s)" % kind, U.UsersOperations().users_count, pm)
    return ctx.expect("users_count(%s) is a CountWrapper" % kind, r, U.CountWrapper, 200).get_count()


def action_item(ctx, label, response, wrapper, getter, status=None, code="SUCCESS"):
    """The first result of a write; checks its code (SUCCESS by default)."""
    w = ctx.expect(label + " answers an ActionWrapper", response, wrapper, status)
    items = getattr(w, getter)()
    ctx.eq(label + " gives one result", len(items), 1)
    item = items[0]
    ctx.eq(label + " result code", item.get_code().get_value(), code)
    return item


def new_id(item):
    return int(item.get_details()["id"])


# ---------------------------------------------------------------------------
# (a) users count


def users_count_every_type(ctx):
    for fixture in ("user-groups", "seed-004"):
        fx = ctx.fresh(fixture)
        ctx.login(fx.org)
        for kind in USER_TYPES:
            ctx.eq("%s %s" % (fixture, kind), users_count(ctx, kind), fx.users_count(kind))
        ctx.eq("%s no type = AllUsers" % fixture, users_count(ctx), fx.users_count("AllUsers"))
    # type is case-sensitive; an unknown one is INVALID_DATA on `type`
    r = ctx.call("users_count(activeusers)", U.UsersOperations().users_count,
                 params((U.UsersCountParam.type, "activeusers")))
    ctx.expect_api_exception("unknown type", r, U.APIException, "INVALID_DATA", 400, {"param_name": "type"})


# ---------------------------------------------------------------------------
# (b) sources count


def sources_count(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    r = ctx.call("get_sources_count", G.UserGroupsOperations().get_sources_count, int(SUPPORT_GROUP))
    w = ctx.expect("sources_count is a SourcesCountWrapper", r, G.SourcesCountWrapper, 200)
    items = w.get_sources_count()
    ctx.eq("one sources_count element", len(items), 1)
    s = items[0]
    ctx.eq("territories", s.get_territories(), 2)
    ctx.eq("roles", s.get_roles(), 2)
    ctx.eq("groups", s.get_groups(), 0)
    users = s.get_users()
    ctx.eq("users.active", users.get_active(), 2)
    ctx.eq("users.inactive", users.get_inactive(), 0)
    ctx.eq("users.deleted", users.get_deleted(), 0)
    # every group of the fixture against the fixture's own sources
    for g in fx.doc["user_groups"]:
        want = fx.sources_count(g["id"])
        r = ctx.call("get_sources_count", G.UserGroupsOperations().get_sources_count, int(g["id"]))
        s = ctx.expect("sources_count of %s" % g["name"], r, G.SourcesCountWrapper, 200).get_sources_count()[0]
        got = {"territories": s.get_territories(), "roles": s.get_roles(), "groups": s.get_groups(),
               "users": {"active": s.get_users().get_active(), "inactive": s.get_users().get_inactive(),
                         "deleted": s.get_users().get_deleted()}}
        ctx.eq("sources_count of %s" % g["name"], got, want)


# ---------------------------------------------------------------------------
# (c) associated users count of user groups


def criterion(field, comparator, value):
    c = G.Criteria()
    f = G.Field()
    f.set_api_name(field)
    c.set_field(f)
    c.set_comparator(comparator)
    c.set_value(value)
    return c


def group_of(operator, *members):
    c = G.Criteria()
    c.set_group_operator(Choice(operator))
    c.set_group(list(members))
    return c


def group_counts(ctx, label, *pairs, status=200):
    r = ctx.call(label, G.UserGroupsOperations().get_associated_users_count, params(*pairs) if pairs else None)
    if status == 204:
        if r is None:
            ctx.true(label + " answers 204 with no object", False, "the SDK returned None")
            return None
        ctx.eq(label + " HTTP status", r.get_status_code(), 204)
        ctx.true(label + " has no object", r.get_object() is None, "got %r" % (r.get_object(),))
        return None
    w = ctx.expect(label + " is an AssociatedUserCount", r, G.AssociatedUserCount, 200)
    rows = [(a.get_user_group().get_name(), a.get_user_group().get_id(), a.get_count())
            for a in w.get_associated_users_count()]
    info = w.get_info()
    return rows, (info.get_per_page(), info.get_count(), info.get_page(), info.get_more_records())


def group_associated_users_count(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    want = [(name, int(gid), n) for name, gid, n in fx.group_counts()]
    rows, info = group_counts(ctx, "all groups")
    ctx.eq("all groups: rows (name, id, count)", rows, want)
    ctx.eq("all groups: info", info, (200, len(want), 1, False))
    P_ = G.GetAssociatedUsersCountParam
    for page in range(1, len(want) + 1):
        rows, info = group_counts(ctx, "per_page=1 page=%d" % page, (P_.per_page, "1"), (P_.page, str(page)))
        ctx.eq("per_page=1 page=%d: row" % page, rows, [want[page - 1]])
        ctx.eq("per_page=1 page=%d: info" % page, info, (1, 1, page, page < len(want)))
    group_counts(ctx, "page past the end", (P_.per_page, "1"), (P_.page, str(len(want) + 1)), status=204)
    rows, info = group_counts(ctx, "per_page=2 page=1", (P_.per_page, "2"), (P_.page, "1"))
    ctx.eq("per_page=2: rows", rows, want[:2])
    ctx.eq("per_page=2: info", info, (2, 2, 1, True))

    # seed 001: name equal Tier1 or Tier2, built with the SDK's Criteria
    seed = group_of("OR", criterion("name", "equal", "Tier1"), criterion("name", "equal", "Tier2"))
    rows, info = group_counts(ctx, "filter Tier1 or Tier2", (P_.filters, seed))
    ctx.eq("filter Tier1 or Tier2: rows", rows, [("Tier1", 3652397000012454002, 4)])
    ctx.eq("filter Tier1 or Tier2: info", info, (200, 1, 1, False))
    rows, _ = group_counts(ctx, "filter starts_with tier", (P_.filters, criterion("name", "starts_with", "tier")))
    ctx.eq("filter starts_with tier", [r[0] for r in rows], ["Tier1", "Tier3"])
    both = group_of("AND", criterion("name", "starts_with", "Tier"), criterion("description", "equal", "First tier"))
    rows, _ = group_counts(ctx, "filter and", (P_.filters, both))
    ctx.eq("filter name starts_with Tier and description equal First tier", [r[0] for r in rows], ["Tier1"])
    group_counts(ctx, "filter matching nothing", (P_.filters, criterion("name", "equal", "Nobody")), status=204)
    r = ctx.call("bad comparator", G.UserGroupsOperations().get_associated_users_count,
                 params((P_.filters, criterion("name", "greater_than", "x"))))
    ctx.expect_api_exception("bad comparator", r, G.APIException, "INVALID_DATA", 400, {"param_name": "filters"})


# ---------------------------------------------------------------------------
# (d) associated users count of territories


def territory_counts(ctx, label="get_associated_user_count"):
    r = ctx.call(label, T.TerritoriesOperations().get_associated_user_count)
    w = ctx.expect(label + " is an AssociatedUsersCountWrapper", r, T.AssociatedUsersCountWrapper, 200)
    rows = [(a.get_territory().get_name(), a.get_territory().get_id(), a.get_count())
            for a in w.get_associated_users_count()]
    info = w.get_info()
    return rows, (info.get_per_page(), info.get_count(), info.get_page(), info.get_more_records())


def territory_associated_users_count(ctx):
    fx = ctx.fresh("seed-003")
    ctx.login(fx.org)
    rows, info = territory_counts(ctx)
    ctx.eq("7 rows", len(rows), 7)
    ctx.eq("names, root first", [r[0] for r in rows],
           ["Zoho", "Chennai", "Chennai-South", "Chennai North", "Parent", "Child", "Chennai Leads"])
    ctx.eq("counts are strings", [r[2] for r in rows], ["1", "2", "1", "1", "1", "1", "1"])
    ctx.eq("rows against the fixture", rows, [(n, int(i), c) for n, i, c in fx.territory_counts()])
    ctx.eq("info", info, (200, 7, 1, False))


# ---------------------------------------------------------------------------
# (e) user licences


def licences(ctx, label="get_user_licences_count"):
    r = ctx.call(label, F.FeaturesOperations().get_user_licences_count)
    w = ctx.expect(label + " is a features ResponseWrapper", r, F.ResponseWrapper, 200)
    features = w.get_features()
    ctx.eq(label + ": one feature", len(features), 1)
    f = features[0]
    ctx.eq(label + ": api_name", f.get_api_name(), "user_licenses")
    d = f.get_details()
    return {"available": d.get_available_count().get_total(), "used": d.get_used_count().get_total(),
            "limits": d.get_limits().get_total()}


def user_licences(ctx):
    fx = ctx.fresh("seed-004")
    ctx.login(fx.org)
    got = licences(ctx)
    ctx.eq("available 3, used 7, limits 10", got, {"available": 3, "used": 7, "limits": 10})
    ctx.eq("licences against the fixture", got, fx.licences())
    r = ctx.call("get_feature_details", F.FeaturesOperations().get_feature_details)
    w = ctx.expect("get_feature_details is a ResponseWrapper", r, F.ResponseWrapper, 200)
    ctx.true("__features lists user_licenses", "user_licenses" in [f.get_api_name() for f in w.get_features()],
             "got %r" % [f.get_api_name() for f in w.get_features()])
    r = ctx.call("get_feature_detail(user_licenses)", F.FeaturesOperations().get_feature_detail, "user_licenses")
    w = ctx.expect("get_feature_detail(user_licenses) is a ResponseWrapper", r, F.ResponseWrapper, 200)
    d = w.get_features()[0].get_details()
    ctx.eq("get_feature_detail numbers", (d.get_available_count().get_total(), d.get_used_count().get_total(),
                                          d.get_limits().get_total()), (3, 7, 10))
    r = ctx.call("get_data_enrichment", F.FeaturesOperations().get_data_enrichment)
    w = ctx.expect("get_data_enrichment is a ResponseWrapper", r, F.ResponseWrapper, 200)
    f = w.get_features()[0]
    d = f.get_details()
    ctx.eq("data enrichment: no credit", (f.get_api_name(), d.get_available_count().get_total(),
                                          d.get_used_count().get_total(), d.get_limits().get_total()),
           ("data_enrichment", 0, 0, 0))
    r = ctx.call("get_feature_detail(nope)", F.FeaturesOperations().get_feature_detail, "nope")
    ctx.expect_api_exception("unknown feature", r, F.APIException, "INVALID_DATA", 400)


# ---------------------------------------------------------------------------
# (f) management: users


def make_user(fx, email, last_name="Conformance", first_name="Sdk", role="Manager", profile="Standard"):
    u = U.Users()
    u.set_first_name(first_name)
    u.set_last_name(last_name)
    u.set_email(email)
    r = U.Role()
    r.set_id(int(fx.role_id(role)))
    u.set_role(r)
    p = U.Profile()
    p.set_id(int(fx.profile_id(profile)))
    u.set_profile(p)
    return u


def users_body(*users):
    b = U.BodyWrapper()
    b.set_users(list(users))
    return b


def get_user(ctx, uid, label="get_user"):
    r = ctx.call(label, U.UsersOperations().get_user, uid)
    w = ctx.expect(label + " is a users ResponseWrapper", r, U.ResponseWrapper, 200)
    users = w.get_users()
    ctx.eq(label + ": one user", len(users), 1)
    return users[0]


def users_management(ctx):
    fx = ctx.fresh("seed-004")
    ctx.login(fx.org)
    ops = U.UsersOperations()

    r = ctx.call("get_users(AllUsers)", ops.get_users, params((U.GetUsersParam.type, "AllUsers")))
    w = ctx.expect("get_users is a ResponseWrapper", r, U.ResponseWrapper, 200)
    ctx.eq("get_users: emails", sorted(u.get_email() for u in w.get_users()), sorted(u["email"] for u in fx.users))
    ctx.eq("get_users: ids", sorted(u.get_id() for u in w.get_users()), sorted(int(u["id"]) for u in fx.users))
    info = w.get_info()
    ctx.eq("get_users: info", (info.get_per_page(), info.get_count(), info.get_page(), info.get_more_records()),
           (200, len(fx.users), 1, False))

    r = ctx.call("get_users(ActiveUsers, per_page 2)", ops.get_users,
                 params((U.GetUsersParam.type, "ActiveUsers"), (U.GetUsersParam.per_page, 2),
                        (U.GetUsersParam.page, 1)))
    w = ctx.expect("get_users page is a ResponseWrapper", r, U.ResponseWrapper, 200)
    ctx.eq("ActiveUsers page 1 of 2 per page", len(w.get_users()), 2)
    ctx.eq("ActiveUsers page 1: more_records", w.get_info().get_more_records(), True)
    ctx.true("ActiveUsers page 1: all active", all(u.get_status() == "active" for u in w.get_users()),
             "statuses %r" % [u.get_status() for u in w.get_users()])

    two = [int(fx.users[1]["id"]), int(fx.users[2]["id"])]
    r = ctx.call("get_users(ids)", ops.get_users, params((U.GetUsersParam.ids, "%d,%d" % tuple(two))))
    w = ctx.expect("get_users(ids) is a ResponseWrapper", r, U.ResponseWrapper, 200)
    ctx.eq("get_users(ids)", sorted(u.get_id() for u in w.get_users()), sorted(two))

    pu = get_user(ctx, int(fx.primary["id"]), "get_user(primary)")
    ctx.eq("primary: email", pu.get_email(), fx.primary["email"])
    ctx.eq("primary: status", pu.get_status(), "active")
    ctx.eq("primary: confirm", pu.get_confirm(), True)
    ctx.eq("primary: role", (pu.get_role().get_name(), pu.get_role().get_id()), ("CEO", int(fx.primary["role"])))
    ctx.eq("primary: profile", pu.get_profile().get_name(), "Administrator")
    ctx.eq("primary: full_name", pu.get_full_name(), "%s %s" % (fx.primary["first_name"], fx.primary["last_name"]))

    before = {k: users_count(ctx, k) for k in ("AllUsers", "ActiveUsers", "NotConfirmedUsers", "DeactiveUsers",
                                               "DeletedUsers")}
    r = ctx.call("create_users", ops.create_users, users_body(make_user(fx, "sdk.new@zylker.example")))
    item = action_item(ctx, "create_users", r, U.ActionWrapper, "get_users", 201)
    uid = new_id(item)
    ctx.eq("create_users message", item.get_message(), "User added")
    nu = get_user(ctx, uid, "get_user(new)")
    ctx.eq("new user: email", nu.get_email(), "sdk.new@zylker.example")
    ctx.eq("new user: status active, not confirmed", (nu.get_status(), nu.get_confirm()), ("active", False))
    ctx.eq("new user: role", nu.get_role().get_name(), "Manager")
    ctx.eq("ActiveUsers after create", users_count(ctx, "ActiveUsers"), before["ActiveUsers"] + 1)
    ctx.eq("NotConfirmedUsers after create", users_count(ctx, "NotConfirmedUsers"), before["NotConfirmedUsers"] + 1)
    ctx.eq("licences after create", licences(ctx), {"available": 2, "used": 8, "limits": 10})

    r = ctx.call("create_users duplicate", ops.create_users, users_body(make_user(fx, "SDK.New@zylker.example")))
    action_item(ctx, "create_users with a taken email", r, U.ActionWrapper, "get_users", 400, "DUPLICATE_DATA")

    upd = U.Users()
    upd.set_status("inactive")
    r = ctx.call("update_user(status inactive)", ops.update_user, uid, users_body(upd))
    action_item(ctx, "deactivate", r, U.ActionWrapper, "get_users", 200)
    ctx.eq("deactivated: status", get_user(ctx, uid).get_status(), "disabled")
    ctx.eq("DeactiveUsers after deactivate", users_count(ctx, "DeactiveUsers"), before["DeactiveUsers"] + 1)
    ctx.eq("ActiveUsers after deactivate", users_count(ctx, "ActiveUsers"), before["ActiveUsers"])

    upd = U.Users()
    upd.set_status("active")
    r = ctx.call("update_user(status active)", ops.update_user, uid, users_body(upd))
    action_item(ctx, "reactivate", r, U.ActionWrapper, "get_users", 200)
    ctx.eq("reactivated: status", get_user(ctx, uid).get_status(), "active")

    upd = U.Users()
    upd.set_id(uid)
    upd.set_first_name("Renamed")
    upd.set_phone("+1 555 0100")
    r = ctx.call("update_users (PUT /users)", ops.update_users, users_body(upd))
    action_item(ctx, "update_users", r, U.ActionWrapper, "get_users", 200)
    nu = get_user(ctx, uid)
    ctx.eq("after update_users: first_name, phone", (nu.get_first_name(), nu.get_phone()),
           ("Renamed", "+1 555 0100"))
    ctx.eq("after update_users: full_name", nu.get_full_name(), "Renamed Conformance")

    r = ctx.call("delete_user", ops.delete_user, uid)
    action_item(ctx, "delete_user", r, U.ActionWrapper, "get_users", 200)
    ctx.eq("deleted: status", get_user(ctx, uid).get_status(), "deleted")
    ctx.eq("DeletedUsers after delete", users_count(ctx, "DeletedUsers"), before["DeletedUsers"] + 1)
    ctx.eq("AllUsers keeps the deleted user", users_count(ctx, "AllUsers"), before["AllUsers"] + 1)
    ctx.eq("licences after delete", licences(ctx), {"available": 3, "used": 7, "limits": 10})
    r = ctx.call("delete_user again", ops.delete_user, uid)
    action_item(ctx, "second delete", r, U.ActionWrapper, "get_users", 400, "ID_ALREADY_DELETED")


def users_licence_limit(ctx):
    fx = ctx.fresh("seed-004")
    ctx.login(fx.org)
    ops = U.UsersOperations()
    for i in range(fx.licences()["available"]):
        r = ctx.call("create_users #%d" % i, ops.create_users,
                     users_body(make_user(fx, "sdk.fill%d@zylker.example" % i, "Fill%d" % i)))
        action_item(ctx, "create_users #%d" % i, r, U.ActionWrapper, "get_users", 201)
    ctx.eq("licences full", licences(ctx), {"available": 0, "used": 10, "limits": 10})
    r = ctx.call("create_users over the limit", ops.create_users,
                 users_body(make_user(fx, "sdk.over@zylker.example", "Over")))
    action_item(ctx, "create_users over the limit", r, U.ActionWrapper, "get_users", 400, "LICENSE_LIMIT_EXCEEDED")


def roles(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    r = ctx.call("get_roles", R.RolesOperations().get_roles)
    w = ctx.expect("get_roles is a roles ResponseWrapper", r, R.ResponseWrapper, 200)
    ctx.eq("roles", sorted((x.get_name(), x.get_id()) for x in w.get_roles()),
           sorted((x["name"], int(x["id"])) for x in fx.doc["roles"]))
    by_id = {x.get_id(): x for x in w.get_roles()}
    sales = by_id[int(fx.role_id("Sales Rep"))]
    ctx.eq("Sales Rep reports to Manager", (sales.get_reporting_to().get_name(), sales.get_reporting_to().get_id()),
           ("Manager", int(fx.role_id("Manager"))))
    r = ctx.call("get_role", R.RolesOperations().get_role, int(fx.role_id("Manager")))
    w = ctx.expect("get_role is a roles ResponseWrapper", r, R.ResponseWrapper, 200)
    ctx.eq("get_role(Manager)", [(x.get_name(), x.get_id()) for x in w.get_roles()],
           [("Manager", int(fx.role_id("Manager")))])


# A 3 x 2 PNG (signature and header chunk: all orgdir reads of it).
PNG_3X2 = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (3).to_bytes(4, "big") + (2).to_bytes(4, "big")
           + b"\x08\x06\x00\x00\x00\x00\x00\x00\x00")


def org_photo(ctx):
    """Upload, download and delete the org photo with the SDK's own calls."""
    from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper

    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    # From a file: the SDK sends an open file's base name as the part's file
    # name (from an in-memory stream it would send the part's name, "file").
    path = os.path.join(ctx.workdir, "logo.png")
    with open(path, "wb") as f:
        f.write(PNG_3X2)
    body = O.FileBodyWrapper()
    body.set_file(StreamWrapper(file_path=path))
    r = ctx.call("upload_organization_photo", O.OrgOperations().upload_organization_photo, body)
    ok = ctx.expect("the upload answers a SuccessResponse", r, O.SuccessResponse, 200)
    ctx.eq("upload code, message", (ok.get_code().get_value(), ok.get_message()),
           ("SUCCESS", "photo uploaded successfully"))
    photo_id = str(ok.get_details().get("id"))
    r = ctx.call("get_organization", O.OrgOperations().get_organization)
    w = ctx.expect("get_organization is an org ResponseWrapper", r, O.ResponseWrapper, 200)
    ctx.eq("photo_id names the upload", str(w.get_org()[0].get_photo_id()), photo_id)
    r = ctx.call("get_org_photo", O.OrgOperations().get_org_photo)
    w = ctx.expect("get_org_photo is a FileBodyWrapper", r, O.FileBodyWrapper, 200)
    stream = w.get_file()
    ctx.eq("the file name the SDK read", stream.get_name(), "logo.png")
    ctx.eq("the bytes the SDK read", b"".join(stream.get_stream()), PNG_3X2)
    r = ctx.call("delete_organization_photo", O.OrgOperations().delete_organization_photo)
    ok = ctx.expect("the delete answers a SuccessResponse", r, O.SuccessResponse, 200)
    ctx.eq("delete message", ok.get_message(), "Photo deleted")
    r = ctx.call("get_org_photo after delete", O.OrgOperations().get_org_photo)
    ctx.eq("no photo: 204", r.get_status_code(), 204)


def profiles(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    r = ctx.call("get_profiles", P.ProfilesOperations().get_profiles)
    w = ctx.expect("get_profiles is a profiles ResponseWrapper", r, P.ResponseWrapper, 200)
    ctx.eq("profiles", sorted((x.get_name(), x.get_id()) for x in w.get_profiles()),
           sorted((x["name"], int(x["id"])) for x in fx.doc["profiles"]))
    r = ctx.call("get_profile", P.ProfilesOperations().get_profile, int(fx.profile_id("Standard")))
    w = ctx.expect("get_profile is a profiles ResponseWrapper", r, P.ResponseWrapper, 200)
    ctx.eq("get_profile(Standard)", [(x.get_name(), x.get_default()) for x in w.get_profiles()],
           [("Standard", True)])
    perms = {p.get_name(): p for p in w.get_profiles()[0].get_permissions_details()}
    ctx.eq("Standard views Leads, does not manage users",
           (perms["Crm_Implied_View_Leads"].get_enabled(), perms["Crm_Implied_Manage_Users"].get_enabled()),
           (True, False))
    ctx.eq("sections", [s.get_name() for s in w.get_profiles()[0].get_sections()], ["modules", "tool", "setup"])

    # Clone Standard, turn a permission off, delete it with its users moved.
    body = P.BodyWrapper()
    new = P.Profile()
    new.set_name("SDK clone")
    new.set_description("made by the SDK")
    body.set_profiles([new])
    r = ctx.call("clone_profiles", P.ProfilesOperations().clone_profiles, int(fx.profile_id("Standard")), body)
    clone_id = new_id(action_item(ctx, "clone_profiles", r, P.ActionWrapper, "get_profiles", 201))
    body = P.BodyWrapper()
    change = P.Profile()
    off = P.PermissionDetail()
    off.set_id(perms["Crm_Implied_View_Leads"].get_id())
    off.set_enabled(False)
    change.set_permissions_details([off])
    body.set_profiles([change])
    r = ctx.call("update_profile", P.ProfilesOperations().update_profile, int(clone_id), body)
    action_item(ctx, "update_profile", r, P.ActionWrapper, "get_profiles", 200)
    r = ctx.call("get_profile(clone)", P.ProfilesOperations().get_profile, int(clone_id))
    w = ctx.expect("get_profile(clone) is a ResponseWrapper", r, P.ResponseWrapper, 200)
    cloned = w.get_profiles()[0]
    ctx.eq("the clone's name and custom flag", (cloned.get_name(), cloned.get_custom()), ("SDK clone", True))
    ctx.eq("View Leads is off on the clone",
           {p.get_name(): p.get_enabled() for p in cloned.get_permissions_details()}["Crm_Implied_View_Leads"],
           False)
    pm = ParameterMap()
    pm.add(P.DeleteProfileParam.transfer_to, int(fx.profile_id("Standard")))
    r = ctx.call("delete_profile", P.ProfilesOperations().delete_profile, int(clone_id), pm)
    ok = ctx.expect("delete_profile answers a SuccessResponse", r, P.SuccessResponse, 200)
    ctx.eq("delete message", ok.get_message().get_value(), "Profile deleted")


# ---------------------------------------------------------------------------
# (f) management: territories and their users


def territory(name=None, reporting_to=None, description=None, permission=None, tid=None):
    t = T.Territories()
    if tid is not None:
        t.set_id(tid)
    if name is not None:
        t.set_name(name)
    if reporting_to is not None:
        rt = T.ReportingTo()
        rt.set_id(reporting_to)
        t.set_reporting_to(rt)
    if description is not None:
        t.set_description(description)
    if permission is not None:
        t.set_permission_type(Choice(permission))
    return t


def territories_body(*ts):
    b = T.BodyWrapper()
    b.set_territories(list(ts))
    return b


def get_territory(ctx, tid, label="get_territory"):
    r = ctx.call(label, T.TerritoriesOperations().get_territory, tid)
    w = ctx.expect(label + " is a territories ResponseWrapper", r, T.ResponseWrapper, 200)
    ctx.eq(label + ": one territory", len(w.get_territories()), 1)
    return w.get_territories()[0]


def territories_management(ctx):
    fx = ctx.fresh("seed-003")
    ctx.login(fx.org)
    ops = T.TerritoriesOperations()
    ids = {t["name"]: int(t["id"]) for t in fx.doc["territories"]}
    ravi = int(fx.user("ravi.kumar@zylker.example")["id"])
    arun = int(fx.user("arun.das@zylker.example")["id"])

    r = ctx.call("get_territories", ops.get_territories)
    w = ctx.expect("get_territories is a ResponseWrapper", r, T.ResponseWrapper, 200)
    ctx.eq("territories", sorted((t.get_name(), t.get_id()) for t in w.get_territories()), sorted(ids.items()))
    root = next(t for t in w.get_territories() if t.get_id() == ids["Zoho"])
    ctx.true("root reports to nobody", root.get_reporting_to() is None, "got %r" % (root.get_reporting_to(),))
    ch = get_territory(ctx, ids["Chennai"], "get_territory(Chennai)")
    ctx.eq("Chennai reports to Zoho", (ch.get_reporting_to().get_name(), ch.get_reporting_to().get_id()),
           ("Zoho", ids["Zoho"]))

    r = ctx.call("get_child_territory(Chennai)", ops.get_child_territory, ids["Chennai"])
    w = ctx.expect("get_child_territory is a ResponseWrapper", r, T.ResponseWrapper, 200)
    ctx.eq("children of Chennai", sorted(t.get_name() for t in w.get_territories()),
           sorted(["Chennai-South", "Chennai North", "Chennai Leads"]))

    r = ctx.call("create_territories", ops.create_territories,
                 territories_body(territory("Conformance West", ids["Zoho"], "made by the SDK", "read_only")))
    item = action_item(ctx, "create_territories", r, T.ActionWrapper, "get_territories", 201)
    tid = new_id(item)
    t = get_territory(ctx, tid, "get_territory(new)")
    ctx.eq("new territory: name, description", (t.get_name(), t.get_description()),
           ("Conformance West", "made by the SDK"))
    ctx.eq("new territory: permission_type", t.get_permission_type().get_value(), "read_only")
    ctx.eq("new territory: reporting_to", t.get_reporting_to().get_id(), ids["Zoho"])

    r = ctx.call("create_territories duplicate", ops.create_territories,
                 territories_body(territory("Chennai", ids["Zoho"])))
    action_item(ctx, "create_territories with a taken name", r, T.ActionWrapper, "get_territories", 400,
                "DUPLICATE_DATA")

    r = ctx.call("update_territory", ops.update_territory, tid,
                 territories_body(territory("Conformance East", permission="read_write_delete")))
    action_item(ctx, "update_territory", r, T.ActionWrapper, "get_territories", 200)
    t = get_territory(ctx, tid)
    ctx.eq("updated: name, permission", (t.get_name(), t.get_permission_type().get_value()),
           ("Conformance East", "read_write_delete"))
    r = ctx.call("update_territories", ops.update_territories,
                 territories_body(territory(tid=tid, description="bulk update")))
    action_item(ctx, "update_territories", r, T.ActionWrapper, "get_territories", 200)
    ctx.eq("after update_territories: description", get_territory(ctx, tid).get_description(), "bulk update")

    rows, _ = territory_counts(ctx, "count with the new territory")
    ctx.eq("new territory counted with 0 users", rows[-1], ("Conformance East", tid, "0"))

    # territory users
    tu = TU.TerritoryUsersOperations()
    body = TU.BodyWrapper()
    member = U.Users()
    member.set_id(ravi)
    body.set_users([member])
    r = ctx.call("update_territory_users", tu.update_territory_users, tid, body)
    action_item(ctx, "associate a user", r, TU.ActionWrapper, "get_users", 200)
    r = ctx.call("get_territory_users", tu.get_territory_users, tid)
    w = ctx.expect("get_territory_users is a ResponseWrapper", r, TU.ResponseWrapper, 200)
    ctx.eq("territory users", [u.get_id() for u in w.get_users()], [ravi])
    r = ctx.call("get_territory_user", tu.get_territory_user, ravi, tid)
    w = ctx.expect("get_territory_user is a ResponseWrapper", r, TU.ResponseWrapper, 200)
    ctx.eq("territory user", [u.get_id() for u in w.get_users()], [ravi])
    rows, _ = territory_counts(ctx, "count after associating")
    ctx.eq("count after associating", rows[-1][2], "1")
    r = ctx.call("update_territory_users again", tu.update_territory_users, tid, body)
    action_item(ctx, "associate twice", r, TU.ActionWrapper, "get_users", 400, "DUPLICATE_DATA")

    r = ctx.call("get_territories_of_user", UT.UsersTerritoriesOperations(ravi).get_territories_of_user)
    w = ctx.expect("get_territories_of_user is a ResponseWrapper", r, UT.ResponseWrapper, 200)
    ctx.eq("ravi's territories", sorted(t.get_name() for t in w.get_territories()),
           sorted(["Chennai", "Parent", "Chennai Leads", "Conformance East"]))

    r = ctx.call("deassociate_territory_user", tu.deassociate_territory_user, ravi, tid)
    action_item(ctx, "deassociate a user", r, TU.ActionWrapper, "get_users", 200)
    rows, _ = territory_counts(ctx, "count after deassociating")
    ctx.eq("count after deassociating", rows[-1][2], "0")

    # a user's territories, from the user's side
    ut = UT.UsersTerritoriesOperations(arun)
    b = UT.BodyWrapper()
    ter = UT.Territory()
    ter.set_id(tid)
    b.set_territories([ter])
    r = ctx.call("associate_territories_to_user", ut.associate_territories_to_user, b)
    action_item(ctx, "associate_territories_to_user", r, UT.ActionWrapper, "get_territories", 200)
    r = ctx.call("get_territory_of_user", ut.get_territory_of_user, tid)
    w = ctx.expect("get_territory_of_user is a ResponseWrapper", r, UT.ResponseWrapper, 200)
    ctx.eq("arun's new territory", [t.get_name() for t in w.get_territories()], ["Conformance East"])
    r = ctx.call("remove_territory_from_user", ut.remove_territory_from_user, tid)
    action_item(ctx, "remove_territory_from_user", r, UT.ActionWrapper, "get_territories", 200)

    # several users at once, and their removal with ?ids=
    body = TU.BodyWrapper()
    two = []
    for uid in (ravi, arun):
        m = U.Users()
        m.set_id(uid)
        two.append(m)
    body.set_users(two)
    r = ctx.call("update_territory_users (two)", tu.update_territory_users, tid, body)
    w = ctx.expect("associate two users", r, TU.ActionWrapper, 200)
    ctx.eq("associate two users: codes", [x.get_code().get_value() for x in w.get_users()], ["SUCCESS", "SUCCESS"])
    ctx.eq("count with two users", territory_counts(ctx, "count with two users")[0][-1][2], "2")
    r = ctx.call("deassociate_territory_users", tu.deassociate_territory_users, tid,
                 params((TU.DeassociateTerritoryUsersParam.ids, "%d,%d" % (ravi, arun))))
    w = ctx.expect("deassociate_territory_users", r, TU.ActionWrapper, 200)
    ctx.eq("deassociate two users: codes", [x.get_code().get_value() for x in w.get_users()],
           ["SUCCESS", "SUCCESS"])
    ctx.eq("count after removing both", territory_counts(ctx, "count after removing both")[0][-1][2], "0")

    # a user's territories removed with ?ids=
    r = ctx.call("associate_territories_to_user again", ut.associate_territories_to_user, b)
    action_item(ctx, "associate_territories_to_user again", r, UT.ActionWrapper, "get_territories", 200)
    r = ctx.call("remove_territories_from_user", ut.remove_territories_from_user,
                 params((UT.RemoveTerritoriesFromUserParam.ids, str(tid))))
    action_item(ctx, "remove_territories_from_user", r, UT.ActionWrapper, "get_territories", 200)
    r = ctx.call("get_territories_of_user (arun)", ut.get_territories_of_user)
    w = ctx.expect("get_territories_of_user (arun)", r, UT.ResponseWrapper, 200)
    ctx.true("arun no longer in the new territory", tid not in [t.get_id() for t in w.get_territories()],
             "arun's territories: %r" % [t.get_name() for t in w.get_territories()])

    r = ctx.call("get_territories(ids)", ops.get_territories,
                 params((T.GetTerritoriesParam.ids, "%d,%d" % (ids["Parent"], ids["Child"]))))
    w = ctx.expect("get_territories(ids)", r, T.ResponseWrapper, 200)
    ctx.eq("get_territories(ids)", sorted(t.get_name() for t in w.get_territories()), ["Child", "Parent"])

    r = ctx.call("delete_territory", ops.delete_territory, tid)
    action_item(ctx, "delete_territory", r, T.ActionWrapper, "get_territories", 200)
    r = ctx.call("get_territory(deleted)", ops.get_territory, tid)
    ctx.expect_api_exception("get a deleted territory", r, T.APIException, "INVALID_DATA", 400)
    rows, _ = territory_counts(ctx, "count after delete")
    ctx.eq("count after delete", [x[0] for x in rows],
           ["Zoho", "Chennai", "Chennai-South", "Chennai North", "Parent", "Child", "Chennai Leads"])

    # two new territories, deleted together with ?ids=
    r = ctx.call("create_territories (two)", ops.create_territories,
                 territories_body(territory("Bulk A", ids["Zoho"]), territory("Bulk B", ids["Zoho"])))
    w = ctx.expect("create two territories", r, T.ActionWrapper, 201)
    ctx.eq("create two territories: codes", [x.get_code().get_value() for x in w.get_territories()],
           ["SUCCESS", "SUCCESS"])
    made = [int(x.get_details()["id"]) for x in w.get_territories()]
    r = ctx.call("delete_territories", ops.delete_territories,
                 params((T.DeleteTerritoriesParam.ids, ",".join(str(i) for i in made))))
    w = ctx.expect("delete_territories", r, T.ActionWrapper, 200)
    ctx.eq("delete two territories: codes", [x.get_code().get_value() for x in w.get_territories()],
           ["SUCCESS", "SUCCESS"])
    ctx.eq("territories after bulk delete", len(territory_counts(ctx, "count after bulk delete")[0]), 7)


def territories_transfer_and_filters(ctx):
    """The territories list's and children's filters (a JSON string, as the
    SDK's parameter is a String), include, transfer_and_delete (one and
    bulk) and delete with delete_previous_forecasts (API-DESIGN 160-165)."""
    fx = ctx.fresh("seed-003")
    ctx.login(fx.org)
    ops = T.TerritoriesOperations()
    ids = {t["name"]: int(t["id"]) for t in fx.doc["territories"]}
    LP, CP = T.GetTerritoriesParam, T.GetChildTerritoryParam

    def listed(label, r):
        w = ctx.expect(label + " is a ResponseWrapper", r, T.ResponseWrapper, 200)
        return [t.get_name() for t in w.get_territories()]

    def crit(field, comparator, value):
        return json.dumps({"field": {"api_name": field}, "comparator": comparator, "value": value})

    r = ctx.call("get_territories(filters name)", ops.get_territories,
                 params((LP.filters, crit("name", "starts_with", "chennai"))))
    ctx.eq("filter name starts_with chennai", listed("filter by name", r),
           ["Chennai", "Chennai-South", "Chennai North", "Chennai Leads"])
    either = json.dumps({"group_operator": "or", "group": [
        json.loads(crit("id", "equal", str(ids["Child"]))),
        json.loads(crit("created_time", "less_than", "2024-07-03T10:01:00+05:30"))]})
    r = ctx.call("get_territories(filters or)", ops.get_territories, params((LP.filters, either)))
    ctx.eq("filter id equal Child or created before 10:01", listed("filter or", r), ["Zoho", "Child"])
    r = ctx.call("get_territories(filters reporting_to, per_page)", ops.get_territories,
                 params((LP.filters, crit("reporting_to.id", "equal", str(ids["Chennai"]))), (LP.per_page, 2)))
    w = ctx.expect("filter with per_page", r, T.ResponseWrapper, 200)
    ctx.eq("children of Chennai, first page", [t.get_name() for t in w.get_territories()],
           ["Chennai-South", "Chennai North"])
    ctx.eq("more records", w.get_info().get_more_records(), True)
    r = ctx.call("get_territories(bad filter)", ops.get_territories,
                 params((LP.filters, crit("name", "greater_equal", "x"))))
    ctx.expect_api_exception("unsupported comparator", r, T.APIException, "INVALID_DATA", 400,
                             {"param_name": "filters"})
    r = ctx.call("get_child_territory(filters)", ops.get_child_territory, ids["Chennai"],
                 params((CP.filters, crit("created_time", "greater_than", "2024-07-03T10:02:00+05:30"))))
    ctx.eq("children created after 10:02", listed("children filtered", r), ["Chennai North", "Chennai Leads"])

    r = ctx.call("get_territories(include)", ops.get_territories,
                 params((LP.include, "lead_rule_criteria,account_rule_criteria,deal_rule_criteria")))
    w = ctx.expect("get_territories(include)", r, T.ResponseWrapper, 200)
    raw = r.get_response_json() or {}
    ctx.eq("include: the three keys, null", sorted((k, v) for k, v in raw["territories"][0].items()
                                                   if k.endswith("_rule_criteria")),
           [("account_rule_criteria", None), ("deal_rule_criteria", None), ("lead_rule_criteria", None)])
    r = ctx.call("get_territories(no include)", ops.get_territories)
    ctx.expect("get_territories", r, T.ResponseWrapper, 200)
    ctx.eq("no include: no criteria keys",
           [k for k in (r.get_response_json() or {})["territories"][0] if k.endswith("_rule_criteria")], [])

    # Chennai (children Chennai-South, Chennai North, Chennai Leads) into Parent.
    def transfer(to, forecasts, tid=None):
        t = T.TransferTerritory()
        if tid is not None:
            t.set_id(tid)
        t.set_transfer_to_id(to)
        t.set_delete_previous_forecasts(forecasts)
        b = T.TransferBodyWrapper()
        b.set_territories([t])
        return b

    r = ctx.call("transfer_and_delete_territory (below it)", ops.transfer_and_delete_territory, ids["Chennai"],
                 transfer(ids["Chennai-South"], False))
    item = action_item(ctx, "transfer to a territory below it", r, T.ActionWrapper, "get_territories", 400,
                       "INVALID_DATA")
    ctx.eq("refused at transfer_to_id", (item.get_details() or {}).get("api_name"), "transfer_to_id")
    r = ctx.call("transfer_and_delete_territory", ops.transfer_and_delete_territory, ids["Chennai"],
                 transfer(ids["Parent"], False))
    item = action_item(ctx, "transfer_and_delete_territory", r, T.ActionWrapper, "get_territories", 200)
    ctx.eq("the deleted territory's id", new_id(item), ids["Chennai"])
    ctx.eq("Zoho's message", item.get_message(),
           "Given Territory Removed Successfully and its child Territories moved to the another territory")
    r = ctx.call("get_child_territory(Parent)", ops.get_child_territory, ids["Parent"])
    ctx.eq("Parent's children", listed("children of Parent", r),
           ["Chennai-South", "Chennai North", "Child", "Chennai Leads"])
    rows, _ = territory_counts(ctx, "count after the transfer")
    ctx.eq("Parent has Chennai's users (Ravi once, Meena)", [c for n, _, c in rows if n == "Parent"], ["2"])

    # Bulk: Parent into Zoho, with its forecasts.
    r = ctx.call("transfer_and_delete_territories", ops.transfer_and_delete_territories,
                 transfer(ids["Zoho"], True, ids["Parent"]))
    action_item(ctx, "transfer_and_delete_territories", r, T.ActionWrapper, "get_territories", 200)
    r = ctx.call("get_child_territory(Zoho)", ops.get_child_territory, ids["Zoho"])
    ctx.eq("Zoho's children", listed("children of Zoho", r),
           ["Chennai-South", "Chennai North", "Child", "Chennai Leads"])

    # delete with delete_previous_forecasts, as the SDK sends it (a Python bool).
    r = ctx.call("delete_territory(delete_previous_forecasts)", ops.delete_territory, ids["Child"],
                 params((T.DeleteTerritoryParam.delete_previous_forecasts, False)))
    action_item(ctx, "delete_territory with delete_previous_forecasts", r, T.ActionWrapper, "get_territories", 200)
    r = ctx.call("delete_territories(delete_previous_forecasts)", ops.delete_territories,
                 params((T.DeleteTerritoriesParam.ids, str(ids["Chennai Leads"])),
                        (T.DeleteTerritoriesParam.delete_previous_forecasts, True)))
    action_item(ctx, "delete_territories with delete_previous_forecasts", r, T.ActionWrapper, "get_territories", 200)
    rows, _ = territory_counts(ctx, "count after the deletes")
    ctx.eq("territories left", [n for n, _, _ in rows], ["Zoho", "Chennai-South", "Chennai North"])


# ---------------------------------------------------------------------------
# (f) management: user groups


def source(kind, sid, subordinates=None):
    s = G.Sources()
    s.set_type(Choice(kind))
    src = G.Source()
    src.set_id(sid)
    s.set_source(src)
    if subordinates is not None:
        s.set_subordinates(subordinates)
    return s


def group(name=None, description=None, sources=None, gid=None):
    g = G.Groups()
    if gid is not None:
        g.set_id(gid)
    if name is not None:
        g.set_name(name)
    if description is not None:
        g.set_description(description)
    if sources is not None:
        g.set_sources(sources)
    return g


def groups_body(*gs):
    b = G.BodyWrapper()
    b.set_user_groups(list(gs))
    return b


def get_group(ctx, gid, label="get_group"):
    r = ctx.call(label, G.UserGroupsOperations().get_group, gid)
    w = ctx.expect(label + " is a user_groups ResponseWrapper", r, G.ResponseWrapper, 200)
    ctx.eq(label + ": one group", len(w.get_user_groups()), 1)
    return w.get_user_groups()[0]


def user_groups_management(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    ops = G.UserGroupsOperations()
    amy = int(fx.user("amy@zylker.example")["id"])
    manager = int(fx.role_id("Manager"))

    r = ctx.call("get_groups", ops.get_groups)
    w = ctx.expect("get_groups is a ResponseWrapper", r, G.ResponseWrapper, 200)
    ctx.eq("groups", [(g.get_name(), g.get_id()) for g in w.get_user_groups()],
           [(g["name"], int(g["id"])) for g in fx.doc["user_groups"]])
    ctx.eq("get_groups: info count", w.get_info().get_count(), len(fx.doc["user_groups"]))
    r = ctx.call("get_groups(include=sources_count)", ops.get_groups,
                 params((G.GetGroupsParam.include, "sources_count")))
    w = ctx.expect("get_groups(include) is a ResponseWrapper", r, G.ResponseWrapper, 200)
    sc = w.get_user_groups()[0].get_sources_count()
    ctx.true("include=sources_count gives sources_count", sc is not None, "no sources_count on the group")
    if sc is not None:
        ctx.eq("Support's sources_count via include", (sc.get_territories(), sc.get_roles(), sc.get_groups(),
                                                       sc.get_users().get_active()), (2, 2, 0, 2))

    r = ctx.call("get_groups(name=support)", ops.get_groups, params((G.GetGroupsParam.name, "support")))
    w = ctx.expect("get_groups(name) is a ResponseWrapper", r, G.ResponseWrapper, 200)
    ctx.eq("get_groups(name=support)", [g.get_id() for g in w.get_user_groups()], [int(SUPPORT_GROUP)])

    g = get_group(ctx, int(SUPPORT_GROUP), "get_group(Support)")
    ctx.eq("Support: name, description", (g.get_name(), g.get_description()), ("Support", "Front-line support"))
    ctx.eq("Support: source types", sorted(s.get_type().get_value() for s in g.get_sources()),
           sorted(s["type"] for s in fx.doc["user_groups"][0]["sources"]))

    r = ctx.call("get_sources", ops.get_sources, int(SUPPORT_GROUP))
    w = ctx.expect("get_sources is a SourcesWrapper", r, G.SourcesWrapper, 200)
    ctx.eq("Support's sources", sorted((s.get_type().get_value(), s.get_source().get_id())
                                       for s in w.get_sources()),
           sorted((s["type"], int(s["source"])) for s in fx.doc["user_groups"][0]["sources"]))
    r = ctx.call("get_sources(type=users)", ops.get_sources, int(SUPPORT_GROUP),
                 params((G.GetSourcesParam.type, "users")))
    w = ctx.expect("get_sources(type=users) is a SourcesWrapper", r, G.SourcesWrapper, 200)
    ctx.eq("Support's user sources", sorted(s.get_source().get_id() for s in w.get_sources()),
           sorted(int(s["source"]) for s in fx.doc["user_groups"][0]["sources"] if s["type"] == "users"))

    r = ctx.call("get_sources(type=users, user_type=active)", ops.get_sources, int(SUPPORT_GROUP),
                 params((G.GetSourcesParam.type, "users"), (G.GetSourcesParam.user_type, "active")))
    w = ctx.expect("get_sources(user_type=active) is a SourcesWrapper", r, G.SourcesWrapper, 200)
    ctx.eq("Support's active user sources", len(w.get_sources()), 2)

    r = ctx.call("create_groups", ops.create_groups, groups_body(group(
        "Conformance", "made by the SDK", [source("users", amy), source("roles", manager, True)])))
    item = action_item(ctx, "create_groups", r, G.ActionWrapper, "get_user_groups", 201)
    gid = new_id(item)
    g = get_group(ctx, gid, "get_group(new)")
    ctx.eq("new group: name, description", (g.get_name(), g.get_description()), ("Conformance", "made by the SDK"))
    r = ctx.call("get_sources_count(new)", ops.get_sources_count, gid)
    s = ctx.expect("sources_count(new)", r, G.SourcesCountWrapper, 200).get_sources_count()[0]
    ctx.eq("new group's sources_count", (s.get_territories(), s.get_roles(), s.get_groups(),
                                         s.get_users().get_active()), (0, 1, 0, 1))
    P_ = G.GetAssociatedUsersCountParam
    rows, _ = group_counts(ctx, "count of the new group", (P_.filters, criterion("name", "equal", "Conformance")))
    # amy, plus Manager and below: cara (Manager), dev (Sales Rep, disabled); eli is deleted
    ctx.eq("new group's associated users", rows, [("Conformance", gid, 3)])
    # The same three by status, from the SDK's grouped counts (dev is disabled).
    r = ctx.call("get_grouped_counts(new)", ops.get_grouped_counts, gid,
                 params((G.GetGroupedCountsParam.group_by, "status")))
    w = ctx.expect("get_grouped_counts is a GroupedCountWrapper", r, G.GroupedCountWrapper, 200)
    ctx.eq("new group's members by status",
           [(c.get_status().get_value(), c.get_count()) for c in w.get_grouped_counts()],
           [("active", 2), ("inactive", 1)])
    ctx.eq("grouped counts: info count", w.get_info().get_count(), 2)

    # The new group among amy's groups (she is named by its user source).
    r = ctx.call("get_associated_groups(amy)", U.UsersOperations().get_associated_groups, amy)
    w = ctx.expect("get_associated_groups is an AssociatedGroupsWrapper", r, U.AssociatedGroupsWrapper, 200)
    mine = {g.get_id(): g.get_name() for g in w.get_user_groups()}
    ctx.eq("amy's groups include the new one", mine.get(gid), "Conformance")
    ctx.eq("amy's groups: info count", w.get_info().get_count(), len(mine))
    r = ctx.call("get_associated_groups(amy, include=sources)", U.UsersOperations().get_associated_groups, amy,
                 params((U.GetAssociatedGroupsParam.include, "sources")))
    ctx.expect("get_associated_groups(include) is an AssociatedGroupsWrapper", r, U.AssociatedGroupsWrapper, 200)

    r = ctx.call("create_groups duplicate", ops.create_groups, groups_body(group("support", "dup",
                                                                                 [source("users", amy)])))
    action_item(ctx, "create_groups with a taken name", r, G.ActionWrapper, "get_user_groups", 400, "DUPLICATE_DATA")

    r = ctx.call("update_group", ops.update_group, gid, groups_body(group(description="changed")))
    action_item(ctx, "update_group", r, G.ActionWrapper, "get_user_groups", 200)
    g = get_group(ctx, gid)
    ctx.eq("after update_group: description", g.get_description(), "changed")
    ctx.eq("after update_group: sources kept", len(g.get_sources()), 2)
    r = ctx.call("update_groups", ops.update_groups, groups_body(group("Conformance 2", gid=gid)))
    action_item(ctx, "update_groups", r, G.ActionWrapper, "get_user_groups", 200)
    ctx.eq("after update_groups: name", get_group(ctx, gid).get_name(), "Conformance 2")

    r = ctx.call("delete_group", ops.delete_group, gid)
    action_item(ctx, "delete_group", r, G.ActionWrapper, "get_user_groups", 200)
    r = ctx.call("get_group(deleted)", ops.get_group, gid)
    ctx.expect_api_exception("get a deleted group", r, G.APIException, "INVALID_DATA", 400)
    rows, _ = group_counts(ctx, "all groups after delete")
    ctx.eq("groups after delete", [x[0] for x in rows], [g["name"] for g in fx.doc["user_groups"]])


# ---------------------------------------------------------------------------
# (f2) users' unavailability

IST = timezone(timedelta(hours=5, minutes=30))


def period(frm=None, to=None, comments=None, user=None, pid=None):
    p = UA.UsersUnavailability()
    if frm is not None:
        p.set_from(frm)
    if to is not None:
        p.set_to(to)
    if comments is not None:
        p.set_comments(comments)
    if user is not None:
        u = UA.User()
        u.set_id(user)
        p.set_user(u)
    if pid is not None:
        p.set_id(pid)
    return p


def periods_body(*ps):
    b = UA.BodyWrapper()
    b.set_users_unavailability(list(ps))
    return b


def get_periods(ctx, label, *pairs, status=200):
    """The periods of the list as (id, from, to, comments, user id), or None on 204."""
    r = ctx.call(label, UA.UsersUnavailabilityOperations().get_users_unavailability,
                 params(*pairs) if pairs else None)
    if status == 204:
        ctx.eq(label + " HTTP status", r.get_status_code() if r else None, 204)
        ctx.true(label + " has no object", r is not None and r.get_object() is None, "got an object")
        return None
    w = ctx.expect(label + " is a ResponseWrapper", r, UA.ResponseWrapper, 200)
    ctx.eq(label + ": info count", w.get_info().get_count(), len(w.get_users_unavailability()))
    return [(p.get_id(), p.get_from(), p.get_to(), p.get_comments(), p.get_user().get_id())
            for p in w.get_users_unavailability()]


def users_unavailability(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    ops = UA.UsersUnavailabilityOperations()
    amy = int(fx.user("amy@zylker.example")["id"])
    admin = int(fx.primary["id"])
    get_periods(ctx, "no periods yet", status=204)

    start = datetime(2021, 2, 18, 19, 0, tzinfo=IST)
    end = start + timedelta(hours=1)
    r = ctx.call("create_users_unavailability", ops.create_users_unavailability,
                 periods_body(period(start, end, "Dentist", amy), period(start, end + timedelta(hours=1))))
    w = ctx.expect("create_users_unavailability answers an ActionWrapper", r, UA.ActionWrapper, 201)
    items = w.get_users_unavailability()
    ctx.eq("two results", [i.get_code().get_value() for i in items], ["SUCCESS", "SUCCESS"])
    ctx.eq("create message", items[0].get_message().get_value(), "Unavailability created successfully.")
    amys, mine = (new_id(i) for i in items)

    rows = get_periods(ctx, "get_users_unavailability")
    ctx.eq("both periods, by creation", rows, [(amys, start, end, "Dentist", amy),
                                              (mine, start, end + timedelta(hours=1), None, admin)])
    r = ctx.call("get_user_unavailability", ops.get_user_unavailability, str(amys),
                 params((UA.GetUserUnavailabilityParam.include_inner_details, "user.zuid")))
    one = ctx.expect("get_user_unavailability is a ResponseWrapper", r, UA.ResponseWrapper, 200)
    p = one.get_users_unavailability()[0]
    ctx.eq("amy's user with zuid", (p.get_user().get_name(), p.get_user().get_zuid()),
           ("%s %s" % (fx.user("amy@zylker.example")["first_name"], fx.user("amy@zylker.example")["last_name"]),
            fx.user("amy@zylker.example")["zuid"]))

    P_ = UA.GetUsersUnavailabilityParam
    north = next(t["id"] for t in fx.doc["territories"] if t["name"] == "North")
    ctx.eq("territory_ids: North holds amy", [x[0] for x in get_periods(ctx, "by territory",
                                                                        (P_.territory_ids, north))], [amys])
    get_periods(ctx, "nobody of role Manager", (P_.role_ids, fx.role_id("Manager")), status=204)
    crit = json.dumps({"field": {"api_name": "from"}, "comparator": "equal", "value": start.isoformat()})
    ctx.eq("filters on from", len(get_periods(ctx, "filters from = start", (P_.filters, crit)) or []), 2)
    bad = ctx.call("get with a bad filter", ops.get_users_unavailability,
                   params((P_.filters, json.dumps({"field": {"api_name": "comments"}, "comparator": "equal",
                                                   "value": "x"}))))
    ctx.expect_api_exception("a filter on comments", bad, UA.APIException, "INVALID_DATA", 400,
                             {"param_name": "filters"})

    r = ctx.call("update_user_unavailability", ops.update_user_unavailability, str(amys),
                 periods_body(period(to=end + timedelta(minutes=30), comments="Dentist, longer")))
    w = ctx.expect("update_user_unavailability answers an ActionWrapper", r, UA.ActionWrapper, 200)
    ctx.eq("update message", w.get_users_unavailability()[0].get_message().get_value(),
           "Unavailability updated successfully.")
    r = ctx.call("update_users_unavailability", ops.update_users_unavailability,
                 periods_body(period(comments="Mine", pid=mine), period(frm=end + timedelta(days=1), pid=amys)))
    w = ctx.expect("update_users_unavailability answers an ActionWrapper", r, UA.ActionWrapper, 200)
    results = w.get_users_unavailability()
    ctx.eq("bulk update: one success, one refusal", [type(x).__name__ for x in results],
           ["SuccessResponse", "APIException"])
    if len(results) == 2 and isinstance(results[1], UA.APIException):
        ctx.eq("a period ending before it starts", (results[1].get_code().get_value(),
                                                    results[1].get_details().get("json_path")),
               ("INVALID_DATA", "$.users_unavailability[1].from"))
    ctx.eq("after the updates", get_periods(ctx, "after updates"),
           [(amys, start, end + timedelta(minutes=30), "Dentist, longer", amy),
            (mine, start, end + timedelta(hours=1), "Mine", admin)])

    refused = ctx.call("create without from", ops.create_users_unavailability, periods_body(period(to=end)))
    w = ctx.expect("create without from answers an ActionWrapper", refused, UA.ActionWrapper, 400)
    item = w.get_users_unavailability()[0]
    ctx.eq("missing from", (item.get_code().get_value(), item.get_details().get("api_name")),
           ("MANDATORY_NOT_FOUND", "from"))

    # Amy (Standard profile) sees and writes only her own.
    ctx.login(fx.org, email="amy@zylker.example")
    ctx.eq("amy's view", [x[0] for x in get_periods(ctx, "as amy")], [amys])
    r = ctx.call("amy reads the admin's period", ops.get_user_unavailability, str(mine))
    ctx.expect_api_exception("another user's period", r, UA.APIException, "INVALID_DATA", 400,
                             {"resource_path_index": 2})
    ctx.login(fx.org)

    r = ctx.call("delete_user_unavailability", ops.delete_user_unavailability, str(amys))
    w = ctx.expect("delete_user_unavailability answers an ActionWrapper", r, UA.ActionWrapper, 200)
    ctx.eq("delete message", w.get_users_unavailability()[0].get_message().get_value(),
           "Unavailability deleted Successfully")
    ctx.eq("after delete", [x[0] for x in get_periods(ctx, "after delete")], [mine])


def users_transfer_and_delete(ctx):
    """Transfer what a user holds, delete the user, and read the job, with the SDK's own calls."""
    from zohocrmsdk.src.com.zoho.crm.api import users_transfer_delete as TD

    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    ops = TD.UsersTransferDeleteOperations()
    amy, ben, cara = (int(fx.user(e + "@zylker.example")["id"]) for e in ("amy", "ben", "cara"))

    def body(user=None, to=None, subordinates=None, **flags):
        item = TD.TransferAndDelete()
        if user is not None:
            item.set_id(user)
        if to is not None:
            t = TD.Transfer()
            t.set_id(to)
            for name, value in flags.items():
                getattr(t, "set_" + name)(value)
            item.set_transfer(t)
        if subordinates is not None:
            m = TD.MoveSubordinate()
            m.set_id(subordinates)
            item.set_move_subordinate(m)
        b = TD.BodyWrapper()
        b.set_transfer_and_delete([item])
        return b

    def accepted(label, r, user):
        w = ctx.expect(label + " answers an ActionWrapper", r, TD.ActionWrapper, 200)
        ok = w.get_transfer_and_delete()[0]
        ctx.eq(label + ": success", (type(ok).__name__, ok.get_code().get_value(), ok.get_status().get_value(),
                                     ok.get_message().get_value()),
               ("SuccessResponse", "SUCCESS", "success", "user is deleted successfully"))
        details = ok.get_details() or {}
        ctx.eq(label + ": details.id names the user", int(details.get("id", 0)), user)
        job = details.get("jobId")
        ctx.true(label + ": a jobId", job is not None and str(job).isdigit(), "jobId %r" % job)
        return int(job or 0)

    def status(label, job):
        r = ctx.call(label, ops.get_status, params((TD.GetStatusParam.job_id, job)))
        w = ctx.expect(label + " is a ResponseWrapper", r, TD.ResponseWrapper, 200)
        return [s.get_status() for s in w.get_transfer_and_delete()]

    r = ctx.call("transfer amy to herself", ops.user_transfer_and_delete, amy, body(to=amy))
    w = ctx.expect("a refusal answers an ActionWrapper", r, TD.ActionWrapper, 400)
    item = w.get_transfer_and_delete()[0]
    ctx.eq("refused at transfer.id", (type(item).__name__, item.get_code().get_value(),
                                      (item.get_details() or {}).get("json_path")),
           ("APIException", "INVALID_DATA", "$.transfer_and_delete[0].transfer.id"))

    # Amy and Ben are both user sources of Support and Tier1: Ben stays, once.
    job = accepted("user_transfer_and_delete", ctx.call(
        "user_transfer_and_delete", ops.user_transfer_and_delete, amy,
        body(to=ben, records=True, assignment=True, criteria=True)), amy)
    ctx.eq("the job completed", status("get_status", job), ["completed"])
    ctx.eq("amy is deleted", get_user(ctx, amy, "amy after the transfer").get_status(), "deleted")
    g = get_group(ctx, int(SUPPORT_GROUP), "Support after the transfer")
    ctx.eq("Support's user sources: ben, once", [s.get_source().get_id() for s in g.get_sources()
                                                 if s.get_type().get_value() == "users"], [ben])

    # The bulk form, with move_subordinate alone.
    second = accepted("users_transfer_and_delete", ctx.call(
        "users_transfer_and_delete", ops.users_transfer_and_delete, body(user=cara, subordinates=ben)), cara)
    ctx.true("a second job", second != job, "the same job id twice")
    ctx.eq("the second job completed", status("get_status (bulk)", second), ["completed"])
    r = ctx.call("get_status of no job", ops.get_status, params((TD.GetStatusParam.job_id, 1)))
    ctx.expect_api_exception("no such job", r, TD.APIException, "INVALID_DATA", 400, {"param_name": "job_id"})


# ---------------------------------------------------------------------------
# (g) errors


class NoToken(Token):
    """A Token (the SDK's own interface) that adds no Authorization header."""

    def authenticate(self, url_connection):
        pass

    def generate_token(self):
        pass

    def remove(self):
        return True


def errors(ctx):
    fx = ctx.fresh("user-groups")
    ctx.login(fx.org)
    ops = G.UserGroupsOperations()
    for bad in (3652397000099999999, 1):
        r = ctx.call("sources count of %s" % bad, ops.get_sources_count, bad)
        ctx.expect_api_exception("sources count of group %s" % bad, r, G.APIException, "INVALID_DATA", 400,
                                 {"resource_path_index": 2})

    scope_cases = [
        ("ZohoCRM.settings.ALL", "users_count", lambda: U.UsersOperations().users_count(), U.APIException),
        ("ZohoCRM.users.READ", "get_sources_count",
         lambda: G.UserGroupsOperations().get_sources_count(int(SUPPORT_GROUP)), G.APIException),
        ("ZohoCRM.users.READ", "group associated users count",
         lambda: G.UserGroupsOperations().get_associated_users_count(), G.APIException),
        ("ZohoCRM.settings.territories.READ", "territory count without users.READ",
         lambda: T.TerritoriesOperations().get_associated_user_count(), T.APIException),
        ("ZohoCRM.users.ALL,ZohoCRM.settings.ALL", "user licences without features.READ",
         lambda: F.FeaturesOperations().get_user_licences_count(), F.APIException),
    ]
    for scopes, label, fn, exc in scope_cases:
        ctx.login(fx.org, scopes=scopes)
        r = ctx.call(label, fn)
        ctx.expect_api_exception("%s with %s" % (label, scopes), r, exc, "OAUTH_SCOPE_MISMATCH", 401)
    # the narrowest scopes that suffice
    ctx.login(fx.org, scopes="ZohoCRM.settings.territories.READ,ZohoCRM.users.READ")
    r = ctx.call("territory count with both scopes", T.TerritoriesOperations().get_associated_user_count)
    ctx.expect("territory count with both scopes", r, T.AssociatedUsersCountWrapper, 200)

    # a user with a Standard profile may read but not write
    ctx.login(fx.org, email="amy@zylker.example")
    ctx.eq("Standard user reads the count", users_count(ctx, "CurrentUser"), 1)
    r = ctx.call("Standard user creates a user", U.UsersOperations().create_users,
                 users_body(make_user(fx, "sdk.nope@zylker.example")))
    ctx.expect_api_exception("Standard user creates a user", r, U.APIException, "NO_PERMISSION", 403)

    # a token of a user deactivated after login
    amy_token = ctx.login(fx.org, email="amy@zylker.example")
    ctx.login(fx.org)
    upd = U.Users()
    upd.set_status("inactive")
    r = ctx.call("deactivate amy", U.UsersOperations().update_user, int(fx.user("amy@zylker.example")["id"]),
                 users_body(upd))
    action_item(ctx, "deactivate amy", r, U.ActionWrapper, "get_users", 200)
    initialize(ctx, amy_token)
    r = ctx.call("count with a deactivated user's token", U.UsersOperations().users_count)
    ctx.expect_api_exception("deactivated user's token", r, U.APIException, "INACTIVE_USER", 403)

    # no Authorization header at all
    initialize(ctx, NoToken())
    r = ctx.call("users_count without a token", U.UsersOperations().users_count)
    ctx.expect_api_exception("no Authorization header", r, U.APIException, "AUTHENTICATION_FAILURE", 401)
    r = ctx.call("sources count without a token", G.UserGroupsOperations().get_sources_count, int(SUPPORT_GROUP))
    ctx.expect_api_exception("no Authorization header (groups)", r, G.APIException, "AUTHENTICATION_FAILURE", 401)

    # a token orgdir never issued
    initialize(ctx, OAuthToken(access_token="1000.00000000000000000000000000000000.0000000000000000000000000000000",
                               find_user=False))
    r = ctx.call("users_count with an unknown token", U.UsersOperations().users_count)
    ctx.expect_api_exception("unknown access token", r, U.APIException, "INVALID_TOKEN", 401)
    r = ctx.call("licences with an unknown token", F.FeaturesOperations().get_user_licences_count)
    ctx.expect_api_exception("unknown access token (features)", r, F.APIException, "INVALID_TOKEN", 401)


# ---------------------------------------------------------------------------
# (h) find_user=True: the SDK looks up the current user and the org


def find_user(ctx):
    fx = ctx.fresh("user-groups")
    mark = ctx.wire.mark()
    token = ctx.login(fx.org, find_user=True)
    calls = [(e.method, e.path(), dict(_query(e.url)), e.status) for e in ctx.wire.since(mark)
             if e.path().startswith("/crm/")]
    ctx.eq("the SDK asked for the current user and the org",
           [(m, p, q) for m, p, q, _ in calls],
           [("GET", "/crm/v8/users", {"type": "CurrentUser"}), ("GET", "/crm/v8/org", {})])
    ctx.eq("both answered 200", [s for *_, s in calls], [200, 200])
    sig = token.get_user_signature()
    ctx.true("the SDK set a user signature", sig is not None,
             "no user signature; SDK log: %s" % [l for l in ctx.sdklog.since(0) if "ERROR" in l][-3:])
    if sig is not None:
        ctx.eq("user signature = email:zgid", sig.get_name(), "%s:%s" % (fx.primary["email"], fx.org))
    with open(os.path.join(ctx.workdir, "sdk-tokens-%s.csv" % ctx.pass_name)) as f:
        names = [row[1] for row in csv.reader(f)]
    ctx.true("the token store keeps the user name", "%s:%s" % (fx.primary["email"], fx.org) in names,
             "user names in the store: %r" % names)
    r = ctx.call("get_organization", O.OrgOperations().get_organization)
    w = ctx.expect("get_organization is an org ResponseWrapper", r, O.ResponseWrapper, 200)
    org = w.get_org()[0]
    ctx.eq("org id, zgid", (org.get_id(), org.get_zgid()), (fx.org, fx.org))
    ctx.eq("org time zone", org.get_time_zone(), fx.doc["org"]["time_zone"])
    ctx.eq("a count after find_user", users_count(ctx, "AllUsers"), fx.users_count("AllUsers"))


def _query(url):
    import urllib.parse

    return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)


# ---------------------------------------------------------------------------
# (i) emulator controls: API limits and the org's clock (SPEC 9, 11; issue 14)
#
# The SDK keeps its own time: it refreshes an access token when fewer than
# 5 s remain of the expiry it stored (its local clock) and never on a 401.
# When a scenario moves an org's clock, it moves Python's clock along with
# it (time-machine, as a context manager, so the travel ends with the block).

CREDITS_HEADER = "X-API-CREDITS-REMAINING"
DAY = 24 * 3600


def org_limits(server, org, method="GET", body=None):
    return server.admin(method, "/_orgdir/orgs/%s/limits" % org, body)


def advance_org_clock(server, org, seconds):
    return server.admin("POST", "/_orgdir/orgs/%s/clock" % org, {"advance_seconds": seconds})


def journal(server, org):
    """The org's request journal, oldest first."""
    return list(reversed(server.admin("GET", "/_orgdir/orgs/%s/requests" % org)["requests"]))


def client_clock(seconds):
    """Python's clock `seconds` ahead of now, ticking, for a `with` block."""
    import time_machine

    return time_machine.travel(time.time() + seconds, tick=True)


def token_requests(exchanges):
    """The grant types of the POSTs to /oauth/v2/token among `exchanges`."""
    import urllib.parse

    return [dict(urllib.parse.parse_qsl(e.request_body or "")).get("grant_type")
            for e in exchanges if e.path() == "/oauth/v2/token"]


def counted_day(ctx, fx, label):
    """Five users counts (one credit each) and a sixth that the limit of 5
    refuses; checks the values, the credits header the SDK hands back, and
    that each call went over the wire once (the SDK does not retry a 429)."""
    kinds = ["AllUsers", "ActiveUsers", "AdminUsers", "CurrentUser", "DeletedUsers"]
    headers = []
    mark = ctx.wire.mark()
    for n, kind in enumerate(kinds, 1):
        what = "%s: call %d, users_count(%s)" % (label, n, kind)
        r = ctx.call(what, U.UsersOperations().users_count, params((U.UsersCountParam.type, kind)))
        ctx.eq(what, ctx.expect(what + " is a CountWrapper", r, U.CountWrapper, 200).get_count(),
               fx.users_count(kind))
        headers.append(r.get_headers().get(CREDITS_HEADER))
    what = "%s: call 6, users_count(AllUsers)" % label
    r = ctx.call(what, U.UsersOperations().users_count, params((U.UsersCountParam.type, "AllUsers")))
    ctx.expect_api_exception(what + " is refused", r, U.APIException, "TOO_MANY_REQUESTS", 429)
    headers.append(r.get_headers().get(CREDITS_HEADER))
    # X-API-CREDITS-REMAINING from the third call on (half of 5 used), down to 0
    ctx.eq(label + ": " + CREDITS_HEADER + " of the six answers", headers, [None, None, "2", "1", "0", "0"])
    api = [e for e in ctx.wire.since(mark) if e.path().startswith("/crm/")]
    ctx.eq(label + ": six HTTP requests, one per call", [(e.path(), e.status) for e in api],
           [("/crm/v8/users/actions/count", 200)] * 5 + [("/crm/v8/users/actions/count", 429)])
    return mark


def api_credits_per_day(ctx):
    """credits_per_day 5: the SDK's sixth call is refused with
    TOO_MANY_REQUESTS; a day later on the org's clock, calls succeed again."""
    fx = ctx.fresh("seed-004")
    server = ctx.server
    try:
        got = org_limits(server, fx.org, "PUT", {"credits_per_day": 5, "concurrency": None})
        ctx.eq("PUT limits", (got["credits_per_day"], got["concurrency"], got["credits_used"],
                              got["credits_remaining"]), (5, None, 0, 5))
        # the OAuth pass's login (a code exchange, then the SDK's refresh grant) costs no credit
        ctx.login(fx.org)
        ctx.eq("credits used after login", org_limits(server, fx.org)["credits_used"], 0)

        counted_day(ctx, fx, "day 1")
        what = "call 7, territories associated users count (another endpoint)"
        r = ctx.call(what, T.TerritoriesOperations().get_associated_user_count)
        ctx.expect_api_exception(what + " is refused", r, T.APIException, "TOO_MANY_REQUESTS", 429)
        got = org_limits(server, fx.org)
        ctx.eq("limits after the refusals: used 5, remaining 0 (a refused call costs nothing)",
               (got["credits_used"], got["credits_remaining"]), (5, 0))
        ctx.true("limits tell when the oldest credit comes back", got["oldest_credit_returns_at"] is not None,
                 "got %r" % got)
        # what the server saw: the SDK made exactly these API calls (OAuth grants aside)
        seen = [(e["method"], e["path"], e["status"], e["code"]) for e in journal(server, fx.org)
                if not e["path"].startswith("/oauth/")]
        count = ("GET", "/crm/v8/users/actions/count")
        ctx.eq("the journal: five counts answered, the sixth and seventh calls refused", seen,
               [count + (200, None)] * 5 + [count + (429, "TOO_MANY_REQUESTS"),
                                            ("GET", "/crm/v8/settings/territories/actions/associated_users_count",
                                             429, "TOO_MANY_REQUESTS")])

        clock = advance_org_clock(server, fx.org, DAY)
        ctx.eq("the org's clock moved a day", clock.get("offset_seconds"), DAY)
        got = org_limits(server, fx.org)
        ctx.eq("a day later every credit is back", (got["credits_used"], got["credits_remaining"],
                                                    got["oldest_credit_returns_at"]), (0, 5, None))
        before = time.time()
        with client_clock(DAY):
            mark = counted_day(ctx, fx, "day 2")
            # the access token of the OAuth pass (it lives less than a day) expired on
            # both clocks: the SDK refreshed it by itself before its first call
            want = ["refresh_token"] if ctx.pass_name == "oauth" else []
            ctx.eq("day 2: token requests the SDK made", token_requests(ctx.wire.since(mark)), want)
        ctx.true("Python's clock is back after the block", time.time() - before < 600,
                 "%.0f s ahead" % (time.time() - before))
        got = org_limits(server, fx.org)
        ctx.eq("day 2: used 5, remaining 0", (got["credits_used"], got["credits_remaining"]), (5, 0))
    finally:
        # nothing of this scenario (limits, clock offset) outlives it
        server.admin("POST", "/_orgdir/orgs/%s/reset" % fx.org)


# ---------------------------------------------------------------------------
# OAuth pass only: the SDK's own token handling


def oauth_grant_token(ctx):
    """The SDK exchanges a grant token (authorization code) itself."""
    fx = ctx.fresh("seed-003")
    client, code = ctx.auth.grant_code(fx.org)
    token = OAuthToken(client_id=client["client_id"], client_secret=client["client_secret"], grant_token=code,
                       redirect_url=REDIRECT_URI, find_user=False)
    mark = ctx.wire.mark()
    try:
        initialize(ctx, token)
    except SDKException as e:
        ctx.true("the SDK exchanges the grant token", False, "initialize raised %s" % mask(str(e)))
        return
    posts = [e for e in ctx.wire.since(mark) if e.path() == "/oauth/v2/token"]
    ctx.eq("one token request", len(posts), 1)
    ctx.true("it is an authorization_code grant", posts and "grant_type=authorization_code" in (posts[0].request_body or ""),
             "body %s" % (posts and mask(posts[0].request_body or "")))
    ctx.true("the SDK holds a refresh token", bool(token.get_refresh_token()), "no refresh token")
    ctx.true("the SDK holds an access token", bool(token.get_access_token()), "no access token")
    rows, _ = territory_counts(ctx, "territory count with the exchanged token")
    ctx.eq("territory counts", [r[2] for r in rows], ["1", "2", "1", "1", "1", "1", "1"])
    r = requests.post(ctx.server.base + "/oauth/v2/token", data={
        "grant_type": "authorization_code", "client_id": client["client_id"],
        "client_secret": client["client_secret"], "redirect_uri": REDIRECT_URI, "code": code})
    ctx.eq("a code works once", (r.status_code, r.json().get("error")), (400, "invalid_code"))


def oauth_refresh_on_expiry(ctx):
    """On a server of its own whose access tokens live 8 s, the SDK refreshes
    by itself (it does so when fewer than 5 s are left)."""
    ttl = 8
    server = Server(ctx.binary, ctx.workdir, access_token_ttl=ttl).start()
    try:
        orgs = Orgs(server)
        auth = OAuthAuth(server, orgs)
        fx = orgs.fresh("seed-004")
        client, refresh = auth.refresh_token(fx.org)
        token = OAuthToken(client_id=client["client_id"], client_secret=client["client_secret"],
                           refresh_token=refresh, redirect_url=REDIRECT_URI, find_user=False)
        initialize(ctx, token, server)
        first = token.get_access_token()
        ctx.eq("count with the first access token", users_count(ctx, "ActiveUsers"), fx.users_count("ActiveUsers"))
        time.sleep(ttl - 5 + 0.5)
        mark = ctx.wire.mark()
        ctx.eq("count in the refresh window", users_count(ctx, "ActiveUsers"), fx.users_count("ActiveUsers"))
        posts = [e for e in ctx.wire.since(mark) if e.path() == "/oauth/v2/token"]
        ctx.true("the SDK refreshed", len(posts) == 1 and "grant_type=refresh_token" in (posts[0].request_body or ""),
                 "token requests: %r" % [mask(p.request_body or "") for p in posts])
        # the SDK keeps the refreshed token in its store (not in our object):
        # the call after the refresh must carry the access token it got
        calls = [e for e in ctx.wire.since(mark) if e.path().startswith("/crm/")]
        fresh = posts[0].response_body and __import__("json").loads(posts[0].response_body).get("access_token")
        used = calls and calls[0].request_headers.get("Authorization")
        ctx.true("the next call uses the new access token", bool(fresh) and used == "Zoho-oauthtoken " + fresh
                 and fresh != first, "first %s, refreshed %s, used %s" % (mask(first), mask(str(fresh)),
                                                                           mask(str(used))))
        time.sleep(5)  # the first access token has now expired on the server
        ctx.eq("licences after the first token expired", licences(ctx), fx.licences())
        r = requests.get(server.base + "/crm/v8/users/actions/count",
                         headers={"Authorization": "Zoho-oauthtoken " + first})
        ctx.eq("the first access token is expired", (r.status_code, r.json().get("code")), (401, "INVALID_TOKEN"))
    finally:
        server.stop()


def oauth_bad_credentials(ctx):
    """Bad refresh token, bad secret and a revoked refresh token: the SDK raises."""
    fx = ctx.fresh("user-groups")
    client, refresh = ctx.auth.refresh_token(fx.org)
    cases = [
        # Zoho answers invalid_code for a bad refresh token (docs/API-DESIGN.md)
        ("an unknown refresh token", dict(refresh_token="1000.ffffffffffffffffffffffffffffffff.ffff"), "invalid_code"),
        ("a wrong client secret", dict(refresh_token=refresh, client_secret="wrong"), "invalid_client"),
    ]
    for label, override, error in cases:
        kw = dict(client_id=client["client_id"], client_secret=client["client_secret"], redirect_url=REDIRECT_URI,
                  find_user=False)
        kw.update(override)
        try:
            initialize(ctx, OAuthToken(**kw))
            ctx.true(label + " makes the SDK raise", False, "initialize did not raise")
        except SDKException as e:
            ctx.eq(label + ": SDKException code", e.code, "INVALID TOKEN ERROR")
            ctx.eq(label + ": error from the server", e.error_message, error)
    # the SDK's own revoke call, then the revoked refresh token is refused
    revoked = OAuthToken.revoke_refresh_token(refresh, ctx.server.base + "/oauth/v2/token" + "/revoke")
    ctx.eq("OAuthToken.revoke_refresh_token", revoked, True)
    try:
        initialize(ctx, OAuthToken(client_id=client["client_id"], client_secret=client["client_secret"],
                                   refresh_token=refresh, redirect_url=REDIRECT_URI, find_user=False))
        ctx.true("a revoked refresh token makes the SDK raise", False, "initialize did not raise")
    except SDKException as e:
        ctx.eq("revoked refresh token: error from the server", e.error_message, "invalid_code")


def oauth_client_credentials(ctx):
    """The v8 SDK has no client-credentials grant; a token obtained with it
    (over plain HTTP) is handed to the SDK as an access token."""
    fx = ctx.fresh("seed-003")
    client = ctx.auth.client(fx.org)
    r = requests.post(ctx.server.base + "/oauth/v2/token", data={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        "scope": "ZohoCRM.settings.territories.READ,ZohoCRM.users.READ", "soid": "ZohoCRM." + fx.org})
    body = r.json()
    if not ctx.true("client_credentials grant", "access_token" in body, "got %s %s" % (r.status_code, r.text[:300])):
        return
    initialize(ctx, OAuthToken(access_token=body["access_token"], find_user=False))
    rows, _ = territory_counts(ctx, "territory count with a client-credentials token")
    ctx.eq("territory counts", [x[2] for x in rows], ["1", "2", "1", "1", "1", "1", "1"])
    r = ctx.call("licences with a client-credentials token", F.FeaturesOperations().get_user_licences_count)
    ctx.expect_api_exception("scopes of a client-credentials token", r, F.APIException, "OAUTH_SCOPE_MISMATCH", 401)


def oauth_refresh_after_org_clock(ctx):
    """On a server of its own whose access tokens live 3600 s: after the
    org's clock moves 3601 s, the SDK's cached token is refused with
    INVALID_TOKEN (its own clock says the token is good, so it does not
    refresh); once Python's clock has moved too, the SDK refreshes by itself
    and the call succeeds. A control-plane token minted for 3600 s expires on
    the org's clock as well, and the SDK cannot recover from that one."""
    ttl = 3600
    server = Server(ctx.binary, ctx.workdir, access_token_ttl=ttl).start()
    try:
        orgs = Orgs(server)
        auth = OAuthAuth(server, orgs)
        fx = orgs.fresh("seed-004")
        client, refresh = auth.refresh_token(fx.org)
        token = OAuthToken(client_id=client["client_id"], client_secret=client["client_secret"],
                           refresh_token=refresh, redirect_url=REDIRECT_URI, find_user=False)
        mark = ctx.wire.mark()
        initialize(ctx, token, server)
        posts = [e for e in ctx.wire.since(mark) if e.path() == "/oauth/v2/token"]
        ctx.eq("the SDK got its access token with a refresh grant", token_requests(posts), ["refresh_token"])
        ctx.eq("its lifetime is 3600 s", json.loads(posts[0].response_body).get("expires_in"), ttl)
        first = token.get_access_token()
        ctx.eq("count with the first access token", users_count(ctx, "ActiveUsers"), fx.users_count("ActiveUsers"))
        minted = server.mint(fx.org, expires_in=ttl)

        clock = advance_org_clock(server, fx.org, ttl + 1)
        ctx.eq("the org's clock moved 3601 s", clock.get("offset_seconds"), ttl + 1)
        mark = ctx.wire.mark()
        r = ctx.call("count with the cached token", U.UsersOperations().users_count)
        ctx.expect_api_exception("the cached access token, 3601 s later on the org's clock", r, U.APIException,
                                 "INVALID_TOKEN", 401)
        ctx.eq("the SDK sent the call once and did not refresh (its clock has not moved)",
               [(e.method, e.path(), e.status) for e in ctx.wire.since(mark)],
               [("GET", "/crm/v8/users/actions/count", 401)])

        before = time.time()
        with client_clock(ttl + 1):
            mark = ctx.wire.mark()
            ctx.eq("count once Python's clock moved 3601 s too", users_count(ctx, "ActiveUsers"),
                   fx.users_count("ActiveUsers"))
            seen = ctx.wire.since(mark)
            ctx.eq("the SDK refreshed, then called", [(e.method, e.path(), e.status) for e in seen],
                   [("POST", "/oauth/v2/token", 200), ("GET", "/crm/v8/users/actions/count", 200)])
            ctx.eq("with a refresh grant", token_requests(seen), ["refresh_token"])
            fresh = json.loads(seen[0].response_body) if seen and seen[0].path() == "/oauth/v2/token" else {}
            ctx.eq("the refreshed token lives 3600 s", fresh.get("expires_in"), ttl)
            used = seen[-1].request_headers.get("Authorization") if seen else None
            ctx.true("the call carries the new access token",
                     bool(fresh.get("access_token")) and fresh.get("access_token") != first
                     and used == "Zoho-oauthtoken " + fresh["access_token"],
                     "first %s, refreshed %s, used %s" % (mask(first), mask(str(fresh.get("access_token"))),
                                                          mask(str(used))))
            mark = ctx.wire.mark()
            ctx.eq("licences with the refreshed token", licences(ctx), fx.licences())
            ctx.eq("no second refresh", token_requests(ctx.wire.since(mark)), [])
        ctx.true("Python's clock is back after the block", time.time() - before < 600,
                 "%.0f s ahead" % (time.time() - before))

        # the server's view: the refresh grant is a call of the org's client
        grants = [e for e in journal(server, fx.org) if e["path"] == "/oauth/v2/token"]
        ctx.eq("the journal holds the code exchange and the SDK's two refresh grants",
               [(e["body"] or {}).get("grant_type") for e in grants],
               ["authorization_code", "refresh_token", "refresh_token"])
        ctx.true("the grants name the client", all(e["client_id"] == client["client_id"] for e in grants),
                 "client ids %r" % [e["client_id"] for e in grants])

        # a token minted by the control plane for 3600 s follows the org's clock too
        initialize(ctx, OAuthToken(access_token=minted, find_user=False), server)
        r = ctx.call("count with the minted token", U.UsersOperations().users_count)
        ctx.expect_api_exception("a token minted for 3600 s, 3601 s later", r, U.APIException, "INVALID_TOKEN", 401)
    finally:
        server.stop()


# ---------------------------------------------------------------------------

COMMON = [
    ("users count, every type", users_count_every_type),
    ("sources count", sources_count),
    ("associated users count of groups", group_associated_users_count),
    ("associated users count of territories", territory_associated_users_count),
    ("user licences", user_licences),
    ("users management", users_management),
    ("users and the licence limit", users_licence_limit),
    ("roles", roles),
    ("profiles", profiles),
    ("org photo", org_photo),
    ("territories management", territories_management),
    ("territories: transfer, filters, include", territories_transfer_and_filters),
    ("user groups management", user_groups_management),
    ("users' unavailability", users_unavailability),
    ("transfer and delete users", users_transfer_and_delete),
    ("errors", errors),
    ("find_user=True", find_user),
    ("API limits: 5 credits a day, and a day later", api_credits_per_day),
]

OAUTH_ONLY = [
    ("SDK exchanges a grant token", oauth_grant_token),
    ("SDK refreshes an expiring token", oauth_refresh_on_expiry),
    ("SDK with bad or revoked credentials", oauth_bad_credentials),
    ("client-credentials token in the SDK", oauth_client_credentials),
    ("SDK refreshes after the org clock passes expiry", oauth_refresh_after_org_clock),
]
