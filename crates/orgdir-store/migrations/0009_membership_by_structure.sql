-- Group membership kept as data about the structure instead of one row per
-- (group, member): what each group reaches through nesting, what it covers
-- (roles, territories, named users, each with its number of covering
-- paths), the live users of each role, and per (group, role) the live users
-- of that role the group reaches through territories or named users (the
-- cross count). A group's member count is the live users of the roles it
-- covers plus the cross counts of the roles it does not. A role or
-- territory move then costs the groups covering it, not users x groups.
CREATE TABLE group_reach (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    member_group_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, member_group_id)
);
CREATE INDEX group_reach_by_member ON group_reach (org_id, member_group_id, group_id);

CREATE TABLE group_role_cover (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    role_id BIGINT NOT NULL,
    paths BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, role_id)
);
CREATE INDEX group_role_cover_by_role ON group_role_cover (org_id, role_id, group_id);

CREATE TABLE group_territory_cover (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    territory_id BIGINT NOT NULL,
    paths BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, territory_id)
);
CREATE INDEX group_territory_cover_by_territory ON group_territory_cover (org_id, territory_id, group_id);

CREATE TABLE group_user_cover (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    paths BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, user_id)
);
CREATE INDEX group_user_cover_by_user ON group_user_cover (org_id, user_id, group_id);

CREATE TABLE group_cross (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    role_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, role_id)
);
-- No index by role: every cross count write would maintain it (a
-- territory move writes groups x roles of them), and only a role's
-- deletion reads a role's cross counts across all groups.

ALTER TABLE roles ADD COLUMN live_users BIGINT NOT NULL DEFAULT 0;

DROP TABLE group_members;

-- Orgs whose model is still to be built: the server builds it at start-up,
-- one org per transaction, with the same statements as every rebuild
-- (src/membership.rs), so that the model has one definition.
CREATE TABLE membership_rebuilds (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE
);
INSERT INTO membership_rebuilds (org_id) SELECT id FROM orgs;

-- Users by role, with status and id: the live users of each role are
-- counted, and `orgdir check` reads every user's role and status, from
-- the index alone.
DROP INDEX users_by_role;
CREATE INDEX users_by_role ON users (org_id, role_id, status, id);
