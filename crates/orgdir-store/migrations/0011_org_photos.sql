-- The org photo (`POST`/`GET`/`DELETE /org/photo`, issue 13): at most one
-- per org, kept in the database (an image of at most 1 MiB, API-DESIGN).
-- BYTEA is PostgreSQL's binary type; SQLite stores the BLOB as given.
CREATE TABLE org_photos (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
