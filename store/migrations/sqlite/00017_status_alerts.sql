-- The daily job warns of sweeps and guesses on the public status page (P25): one
-- address failing many lookups or trying many references, one reference failing from
-- many addresses. status_lookup_alerts keeps each alert (a digest, its counts and the
-- window they were counted over), so that a digest is warned of once per window;
-- job_marks keeps, per step of the daily job, the end of what its last run looked at.

-- +goose Up
CREATE TABLE IF NOT EXISTS `status_lookup_alerts` (`id` text,`counted_by` text NOT NULL,`digest` text NOT NULL,`area_code` text NOT NULL,`window_from` datetime NOT NULL,`window_to` datetime NOT NULL,`failed` integer NOT NULL,`spread` integer NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_status_lookup_alerts_window` ON `status_lookup_alerts`(`counted_by`,`digest`,`window_from`);
CREATE INDEX IF NOT EXISTS `idx_status_lookup_alerts_area` ON `status_lookup_alerts`(`area_code`);
CREATE TABLE IF NOT EXISTS `job_marks` (`job` text,`mark` datetime NOT NULL,PRIMARY KEY (`job`));

-- +goose Down
DROP TABLE IF EXISTS `job_marks`;
DROP TABLE IF EXISTS `status_lookup_alerts`;
