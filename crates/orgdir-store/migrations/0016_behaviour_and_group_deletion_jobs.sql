-- Emulator behaviour and user group deletion jobs (issue 13, API-DESIGN
-- 144 and 145). `org_behaviour` holds the controls set through
-- `PUT /_orgdir/orgs/{org}/behaviour`, one (name, value) row each; a control
-- without a row has its default. `group_deletion_jobs` records each group
-- deletion answered SCHEDULED, with an id from the org's sequence, in the
-- transaction that deleted the group. A reset empties both tables.
CREATE TABLE org_behaviour (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE group_deletion_jobs (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
