-- Listing positions: every group and territory has its place in its org's
-- listing (1, 2, …; territories root first, then by creation), kept
-- contiguous by every insert and delete, so that a page of a listing is an
-- index seek to `position > offset` instead of counting `offset` rows past.
ALTER TABLE user_groups ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
UPDATE user_groups SET position = r.position FROM (
    SELECT org_id, id, ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY created_at, id) AS position
    FROM user_groups) r
WHERE user_groups.org_id = r.org_id AND user_groups.id = r.id;
DROP INDEX user_groups_order;
CREATE INDEX user_groups_order ON user_groups (org_id, position, id, name, member_count);

ALTER TABLE territories ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
UPDATE territories SET position = r.position FROM (
    SELECT org_id, id,
        ROW_NUMBER() OVER (PARTITION BY org_id ORDER BY is_root DESC, created_at, id) AS position
    FROM territories) r
WHERE territories.org_id = r.org_id AND territories.id = r.id;
DROP INDEX territories_order;
CREATE INDEX territories_order ON territories (org_id, position, id, name, member_count);
