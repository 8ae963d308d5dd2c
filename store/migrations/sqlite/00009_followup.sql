-- Dynamic management (P24): discovery cases with their visits, and the periodic
-- re-certification (review) of grants.

-- +goose Up
CREATE TABLE IF NOT EXISTS `discovery_cases` (`id` text,`area_code` text NOT NULL,`household_id` text NOT NULL,`open_key` text,`reasons` text NOT NULL,`status` text NOT NULL,`assignee_id` text,`outcome` text,`application_id` text,`stale` numeric NOT NULL DEFAULT false,`opened_by` text NOT NULL,`followed_at` datetime,`closed_at` datetime,`closed_by` text,`close_note` text,`version` integer NOT NULL DEFAULT 1,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_discovery_cases_application_id` ON `discovery_cases`(`application_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_discovery_cases_open_key` ON `discovery_cases`(`open_key`);
CREATE INDEX IF NOT EXISTS `idx_discovery_cases_household_id` ON `discovery_cases`(`household_id`);
CREATE INDEX IF NOT EXISTS `idx_discovery_cases_area_id` ON `discovery_cases`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `discovery_visits` (`id` text,`area_code` text NOT NULL,`case_id` text NOT NULL,`visited_on` date NOT NULL,`note` text NOT NULL,`actor` text NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_discovery_visits_case_id` ON `discovery_visits`(`case_id`);
CREATE INDEX IF NOT EXISTS `idx_discovery_visits_area_id` ON `discovery_visits`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `reviews` (`id` text,`area_code` text NOT NULL,`township` text NOT NULL,`grant_id` text NOT NULL,`household_id` text NOT NULL,`program_code` text NOT NULL,`category_code` text NOT NULL,`open_key` text,`due_on` date NOT NULL,`status` text NOT NULL,`overdue` numeric NOT NULL DEFAULT false,`outcome` text,`amount_before` integer NOT NULL,`amount_after` integer,`note` text,`closed_by` text,`closed_on` date,`version` integer NOT NULL DEFAULT 1,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_reviews_open_key` ON `reviews`(`open_key`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_reviews_grant_due` ON `reviews`(`grant_id`,`due_on`);
CREATE INDEX IF NOT EXISTS `idx_reviews_area_due` ON `reviews`(`area_code`,`status`,`due_on`);
CREATE INDEX IF NOT EXISTS `idx_reviews_area_id` ON `reviews`(`area_code`,`id`);

-- +goose Down
DROP TABLE `reviews`;
DROP TABLE `discovery_visits`;
DROP TABLE `discovery_cases`;
