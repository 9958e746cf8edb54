-- Users' unavailability (issue 13): periods a user is unavailable, per org,
-- with ids from the org's sequence. from/to are Unix seconds (starts_at <
-- ends_at, checked by the service); a user's periods go with the user when
-- the user is deleted.
CREATE TABLE users_unavailability (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    all_day BOOLEAN NOT NULL,
    comments TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX users_unavailability_by_user ON users_unavailability (org_id, user_id, id);
