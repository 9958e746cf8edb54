-- (PostgreSQL) Territories: a tree under one root per org; member_count is maintained with
-- every association write (the territory associated users count reads it).
CREATE TABLE territories (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    api_name TEXT NOT NULL,
    description TEXT,
    manager_id BIGINT,
    reporting_to BIGINT,
    permission_type TEXT NOT NULL,
    is_root BOOLEAN NOT NULL,
    member_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    created_by BIGINT,
    modified_by BIGINT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX territories_name ON territories (org_id, name_key);
CREATE INDEX territories_by_parent ON territories (org_id, reporting_to);
CREATE INDEX territories_order ON territories (org_id, is_root, created_at, id);

CREATE TABLE territory_users (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    territory_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, territory_id, user_id)
);
CREATE INDEX territory_users_by_user ON territory_users (org_id, user_id);
CREATE INDEX users_by_role ON users (org_id, role_id);
