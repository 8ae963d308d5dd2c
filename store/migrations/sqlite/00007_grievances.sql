-- Grievances (投诉/申诉, P25): tickets against an application, a grant or a decision,
-- with their comments.

-- +goose Up
CREATE TABLE IF NOT EXISTS `grievances` (`id` text,`area_code` text NOT NULL,`household_id` text NOT NULL,`member_id` text,`grant_id` text NOT NULL,`event_id` text,`subject` text NOT NULL,`category` text NOT NULL,`channel` text NOT NULL,`appeal` numeric NOT NULL DEFAULT false,`decider` text,`status` text NOT NULL,`summary` text NOT NULL,`assigned_area` text NOT NULL,`opened_by` text NOT NULL,`opened_at` datetime NOT NULL,`due_at` datetime NOT NULL,`answer` text,`reopened` numeric NOT NULL DEFAULT false,`answered_by` text,`answered_at` datetime,`closed_by` text,`closed_at` datetime,`due_notice_id` text,`version` integer NOT NULL DEFAULT 1,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_grievances_area_id` ON `grievances`(`area_code`,`id`);
CREATE INDEX IF NOT EXISTS `idx_grievances_grant_id` ON `grievances`(`grant_id`);
CREATE INDEX IF NOT EXISTS `idx_grievances_open` ON `grievances`(`status`,`area_code`,`due_at`);

CREATE TABLE IF NOT EXISTS `grievance_comments` (`id` text,`area_code` text NOT NULL,`grievance_id` text NOT NULL,`author` text NOT NULL,`text` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_grievance_comments_area_id` ON `grievance_comments`(`area_code`,`id`);
CREATE INDEX IF NOT EXISTS `idx_grievance_comments_grievance_id` ON `grievance_comments`(`grievance_id`);

-- +goose Down
DROP TABLE `grievance_comments`;
DROP TABLE `grievances`;
