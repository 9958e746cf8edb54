-- Deleted territories orgdir remembers (issue 13, API-DESIGN 163): a
-- territory deleted while its previous forecasts were kept is still named by
-- them, so `GET /settings/territories/actions/deleted_associated_territories`
-- answers its name, when and by whom it was deleted. `position` is the
-- order of deletion (1, 2, … in its org). A reset or an import clears them.
CREATE TABLE deleted_territories (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    deleted_at BIGINT NOT NULL,
    deleted_by BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX deleted_territories_by_position ON deleted_territories (org_id, position);
