-- The two listing counts read (id, name, member_count) pages in listing
-- order: indexes holding those columns answer a page from the index alone.
DROP INDEX user_groups_order;
CREATE INDEX user_groups_order ON user_groups (org_id, created_at, id, name, member_count);
DROP INDEX territories_order;
CREATE INDEX territories_order ON territories (org_id, is_root DESC, created_at, id, name, member_count);
