-- orgdir schema for PostgreSQL. Ids are Zoho-style 64-bit integers, times are Unix seconds.
CREATE TABLE orgs (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    edition TEXT NOT NULL,
    licenses BIGINT NOT NULL,
    next_seq BIGINT NOT NULL,
    lock_version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE profiles (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    display_label TEXT NOT NULL,
    description TEXT,
    is_default BOOLEAN NOT NULL,
    custom BOOLEAN NOT NULL,
    is_admin BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE roles (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    display_label TEXT NOT NULL,
    reporting_to BIGINT,
    share_with_peers BOOLEAN NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE users (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    email TEXT NOT NULL,
    -- lower-cased email: uniqueness is case-insensitive, the email is kept as given
    email_key TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT NOT NULL,
    status TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL,
    zuid TEXT,
    role_id BIGINT NOT NULL,
    profile_id BIGINT NOT NULL,
    is_admin BOOLEAN NOT NULL,
    is_primary BOOLEAN NOT NULL,
    bucket SMALLINT NOT NULL,
    extra TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    created_by BIGINT,
    modified_by BIGINT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX users_live_email ON users (org_id, email_key) WHERE status <> 'deleted';
CREATE INDEX users_by_bucket ON users (org_id, bucket, id);

-- One row per (org, bucket): the users count, maintained with every user write.
CREATE TABLE user_counts (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    bucket SMALLINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, bucket)
);

-- Tokens are stored only as SHA-256 hashes.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at BIGINT,
    parent TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_parent ON tokens (parent);
