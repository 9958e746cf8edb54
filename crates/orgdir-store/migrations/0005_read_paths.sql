-- Role trees are walked by parent when a group's role sources are expanded in SQL.
CREATE INDEX roles_by_parent ON roles (org_id, reporting_to);
-- Territory listings run root first, then by creation: an index in exactly
-- that order lets a page stop after its rows instead of sorting them all.
DROP INDEX territories_order;
CREATE INDEX territories_order ON territories (org_id, is_root DESC, created_at, id);
