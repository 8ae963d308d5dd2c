-- Back to the applicant: the outbox of notifications, the audit of the public status
-- page's lookups, and the supporting documents attached to records.

-- +goose Up
CREATE TABLE IF NOT EXISTS `notifications` (`id` text,`kind` text NOT NULL,`area_code` text NOT NULL,`household_id` text NOT NULL,`member_id` text,`reference` text,`params` text NOT NULL DEFAULT "{}",`created_at` datetime NOT NULL,`due_at` datetime NOT NULL,`lease_until` datetime,`attempts` integer NOT NULL DEFAULT 0,`delivered_at` datetime,`last_error` text NOT NULL DEFAULT "",PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_notifications_area_code` ON `notifications`(`area_code`);
CREATE INDEX IF NOT EXISTS `idx_notifications_due` ON `notifications`(`delivered_at`,`due_at`);

CREATE TABLE IF NOT EXISTS `documents` (`id` text,`area_code` text NOT NULL,`record` text NOT NULL,`record_id` text NOT NULL,`kind` text NOT NULL,`sha256` text NOT NULL,`size` integer NOT NULL,`content_type` text NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_documents_area_id` ON `documents`(`area_code`,`id`);
CREATE INDEX IF NOT EXISTS `idx_documents_record` ON `documents`(`record`,`record_id`);

CREATE TABLE IF NOT EXISTS `status_lookups` (`id` text,`area_code` text NOT NULL,`reference_digest` text NOT NULL,`address_digest` text NOT NULL,`outcome` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_status_lookups_address_digest` ON `status_lookups`(`address_digest`);
CREATE INDEX IF NOT EXISTS `idx_status_lookups_area_code` ON `status_lookups`(`area_code`);
CREATE INDEX IF NOT EXISTS `idx_status_lookups_created_at` ON `status_lookups`(`created_at`);
CREATE INDEX IF NOT EXISTS `idx_status_lookups_reference_digest` ON `status_lookups`(`reference_digest`);

-- +goose Down
DROP TABLE `status_lookups`;
DROP TABLE `documents`;
DROP TABLE `notifications`;
