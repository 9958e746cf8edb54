-- Group members split into active and inactive (`grouped_counts`, issue
-- 13), kept like the member count itself: the active users of each role,
-- the active ones among each cross count, and each group's active members.
-- Every org's model is then rebuilt at start-up (`membership_rebuilds`,
-- as migration 0009 did), so the new columns hold exact numbers before the
-- server answers.
ALTER TABLE roles ADD COLUMN active_users BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_cross ADD COLUMN active BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_groups ADD COLUMN active_member_count BIGINT NOT NULL DEFAULT 0;
INSERT INTO membership_rebuilds (org_id)
    SELECT id FROM orgs WHERE id NOT IN (SELECT org_id FROM membership_rebuilds);
