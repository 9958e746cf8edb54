-- Every read made for an API caller returns its org's auth_version in the
-- same statement; anything that changes what a token may do bumps it, so a
-- cached session is checked again before its next use. Writes lock the org
-- row with SELECT … FOR UPDATE (PostgreSQL) or the database lock (SQLite),
-- so lock_version, bumped by every write to take the row lock, is gone.
ALTER TABLE orgs ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orgs DROP COLUMN lock_version;
