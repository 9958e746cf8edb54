-- Role trees are walked by parent when a group's role sources are expanded in SQL.
CREATE INDEX roles_by_parent ON roles (org_id, reporting_to);
