-- An admin of an alert's area acknowledges the alert of the status page (P25) once: when,
-- who (the subject of the admin) and a note of what was found or done.

-- +goose Up
ALTER TABLE status_lookup_alerts ADD COLUMN IF NOT EXISTS acknowledged_at timestamp with time zone;
ALTER TABLE status_lookup_alerts ADD COLUMN IF NOT EXISTS acknowledged_by character varying(128);
ALTER TABLE status_lookup_alerts ADD COLUMN IF NOT EXISTS acknowledgement_note character varying(500);

-- +goose Down
ALTER TABLE status_lookup_alerts DROP COLUMN IF EXISTS acknowledgement_note;
ALTER TABLE status_lookup_alerts DROP COLUMN IF EXISTS acknowledged_by;
ALTER TABLE status_lookup_alerts DROP COLUMN IF EXISTS acknowledged_at;
