-- Sign-in on the consent page (issue 16): a user's optional password, as an
-- argon2id PHC string (never the password itself). Cleared by a reset.
CREATE TABLE user_passwords (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
