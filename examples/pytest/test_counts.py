"""The five counts of Zoho's organisation directory, read with Zoho's Python
SDK after writes made with it, on an org of each test's own.

Uses only the pytest-orgdir fixtures: `orgdir_org` (a fresh org: the
primary admin "Demo Admin", role CEO, profiles, a root territory named
after the org, 25 licences) and `zoho_sdk` (the SDK initialised for it).
"""

from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api import features as F
from zohocrmsdk.src.com.zoho.crm.api import profiles as P
from zohocrmsdk.src.com.zoho.crm.api import roles as R
from zohocrmsdk.src.com.zoho.crm.api import territories as T
from zohocrmsdk.src.com.zoho.crm.api import territory_users as TU
from zohocrmsdk.src.com.zoho.crm.api import user_groups as G
from zohocrmsdk.src.com.zoho.crm.api import users as U
from zohocrmsdk.src.com.zoho.crm.api.util import Choice


def ok(response, wrapper):
    """The object the SDK read from a successful answer."""
    obj = response.get_object()
    assert isinstance(obj, wrapper), "HTTP %s: %r" % (response.get_status_code(), obj)
    return obj


def created_id(response, wrapper, getter):
    """The id a write answered (one record, code SUCCESS)."""
    (item,) = getattr(ok(response, wrapper), getter)()
    assert item.get_code().get_value() == "SUCCESS", item.get_message()
    return int(item.get_details()["id"])


def users_count(kind):
    pm = ParameterMap()
    pm.add(U.UsersCountParam.type, kind)
    return ok(U.UsersOperations().users_count(pm), U.CountWrapper).get_count()


def add_user(email):
    """Adds a user with the CEO role and the Standard profile (one licence)."""
    roles = ok(R.RolesOperations().get_roles(), R.ResponseWrapper).get_roles()
    profiles = ok(P.ProfilesOperations().get_profiles(), P.ResponseWrapper).get_profiles()
    user = U.Users()
    user.set_last_name("Example")
    user.set_email(email)
    role, profile = U.Role(), U.Profile()
    role.set_id(next(r.get_id() for r in roles if r.get_name() == "CEO"))
    profile.set_id(next(p.get_id() for p in profiles if p.get_name() == "Standard"))
    user.set_role(role)
    user.set_profile(profile)
    body = U.BodyWrapper()
    body.set_users([user])
    return created_id(U.UsersOperations().create_users(body), U.ActionWrapper, "get_users")


def licences():
    (feature,) = ok(F.FeaturesOperations().get_user_licences_count(), F.ResponseWrapper).get_features()
    d = feature.get_details()
    return d.get_available_count().get_total(), d.get_used_count().get_total(), d.get_limits().get_total()


def test_users_count_and_licences_after_adding_a_user(zoho_sdk):
    assert (users_count("AllUsers"), users_count("ActiveUsers")) == (1, 1)
    assert licences() == (24, 1, 25)
    add_user("new.hire@example.com")
    assert (users_count("AllUsers"), users_count("ActiveUsers"), users_count("AdminUsers")) == (2, 2, 1)
    assert licences() == (23, 2, 25)


def test_territory_and_group_counts_after_writes(zoho_sdk, orgdir_org):
    user = add_user("west.rep@example.com")
    territories = T.TerritoriesOperations()

    # a territory under the root, with the new user in it
    (root,) = ok(territories.get_territories(), T.ResponseWrapper).get_territories()
    west = T.Territories()
    west.set_name("West")
    parent = T.ReportingTo()
    parent.set_id(root.get_id())
    west.set_reporting_to(parent)
    body = T.BodyWrapper()
    body.set_territories([west])
    west_id = created_id(territories.create_territories(body), T.ActionWrapper, "get_territories")
    member = U.Users()
    member.set_id(user)
    body = TU.BodyWrapper()
    body.set_users([member])
    ok(TU.TerritoryUsersOperations().update_territory_users(west_id, body), TU.ActionWrapper)

    rows = ok(territories.get_associated_user_count(), T.AssociatedUsersCountWrapper).get_associated_users_count()
    assert [(r.get_territory().get_name(), r.get_count()) for r in rows] == [
        (orgdir_org.info["name"], "0"), ("West", "1")]

    # a group whose sources are the territory and the primary admin
    groups = G.UserGroupsOperations()
    sources = []
    for kind, source_id in (("territories", west_id), ("users", int(orgdir_org.admin_user_id))):
        s, src = G.Sources(), G.Source()
        s.set_type(Choice(kind))
        src.set_id(source_id)
        s.set_source(src)
        sources.append(s)
    group = G.Groups()
    group.set_name("West team")
    group.set_sources(sources)
    body = G.BodyWrapper()
    body.set_user_groups([group])
    group_id = created_id(groups.create_groups(body), G.ActionWrapper, "get_user_groups")

    (counts,) = ok(groups.get_sources_count(group_id), G.SourcesCountWrapper).get_sources_count()
    assert (counts.get_territories(), counts.get_roles(), counts.get_groups(), counts.get_users().get_active()) == (
        1, 0, 0, 1)
    rows = ok(groups.get_associated_users_count(), G.AssociatedUserCount).get_associated_users_count()
    assert [(r.get_user_group().get_name(), r.get_count()) for r in rows] == [("West team", 2)]
