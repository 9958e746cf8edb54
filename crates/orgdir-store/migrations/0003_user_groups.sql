-- (PostgreSQL) User groups, their sources, and their members. group_members holds, per
-- (group, user), how many of the group's sources bring the user in ("reasons");
-- member_count is the number of such rows, maintained with every write.
CREATE TABLE user_groups (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    description_key TEXT NOT NULL,
    member_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    created_by BIGINT,
    modified_by BIGINT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX user_groups_name ON user_groups (org_id, name_key);
CREATE INDEX user_groups_order ON user_groups (org_id, created_at, id);

CREATE TABLE group_sources (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    subordinates BOOLEAN NOT NULL,
    PRIMARY KEY (org_id, group_id, kind, source_id)
);
CREATE INDEX group_sources_by_source ON group_sources (org_id, kind, source_id);

CREATE TABLE group_members (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    reasons BIGINT NOT NULL,
    PRIMARY KEY (org_id, group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (org_id, user_id);
