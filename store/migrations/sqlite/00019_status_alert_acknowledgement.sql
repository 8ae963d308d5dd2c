-- An admin of an alert's area acknowledges the alert of the status page (P25) once: when,
-- who (the subject of the admin) and a note of what was found or done.

-- +goose Up
ALTER TABLE `status_lookup_alerts` ADD COLUMN `acknowledged_at` datetime;
ALTER TABLE `status_lookup_alerts` ADD COLUMN `acknowledged_by` text;
ALTER TABLE `status_lookup_alerts` ADD COLUMN `acknowledgement_note` text;

-- +goose Down
ALTER TABLE `status_lookup_alerts` DROP COLUMN `acknowledgement_note`;
ALTER TABLE `status_lookup_alerts` DROP COLUMN `acknowledged_by`;
ALTER TABLE `status_lookup_alerts` DROP COLUMN `acknowledged_at`;
