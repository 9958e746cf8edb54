-- Transfer-and-delete jobs (issue 13, API-DESIGN 155): one row per
-- accepted request to transfer what a user holds and delete the user, with
-- an id from the org's sequence. orgdir runs a job inside the request, so
-- its status is final: 'completed', or 'failed' (with a reason) when it
-- stopped after its checks and nothing was kept. A reset empties the table.
CREATE TABLE transfer_jobs (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    transfer_to BIGINT,
    subordinates_to BIGINT,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
