-- (PostgreSQL) OAuth clients (secrets stored as SHA-256), single-use authorization codes
-- (hashed), the client a token was issued to, and each org's initial state
-- (an org document) for the control plane's reset.
CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    self_client BOOLEAN NOT NULL,
    scopes TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_clients_by_org ON oauth_clients (org_id);

CREATE TABLE oauth_codes (
    hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

ALTER TABLE tokens ADD COLUMN client_id TEXT;

CREATE TABLE org_baselines (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    document TEXT NOT NULL
);
