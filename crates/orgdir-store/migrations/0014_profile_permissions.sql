-- What a profile permits (issue 13): the names of the catalog permissions
-- it turned off, as a JSON array (NULL: none; orgdir-core's
-- profile_permissions holds the catalog, the same in every org).
ALTER TABLE profiles ADD COLUMN disabled_permissions TEXT;
