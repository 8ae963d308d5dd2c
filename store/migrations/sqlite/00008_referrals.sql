-- The catalogue through the API and referrals to departments (一门受理、协同办理): the
-- settings of each program (name, deciding department, referral working days, closing
-- day) per city or county from a day, and the applications referred to a department.

-- +goose Up
CREATE TABLE IF NOT EXISTS `program_settings` (`id` text,`program_code` text NOT NULL,`area_code` text NOT NULL,`effective_from` date NOT NULL,`name` text NOT NULL,`department` text NOT NULL,`referral_days` integer NOT NULL,`closed_from` date,`reason` text NOT NULL DEFAULT "",`set_by` text NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_program_settings_program_area_from` ON `program_settings`(`program_code`,`area_code`,`effective_from`);
CREATE TABLE IF NOT EXISTS `referrals` (`id` text,`grant_id` text NOT NULL,`area_code` text NOT NULL,`department` text NOT NULL,`program_code` text NOT NULL,`category_code` text NOT NULL,`status` text NOT NULL,`due_at` datetime NOT NULL,`reason` text NOT NULL DEFAULT "",`referred_by` text NOT NULL,`handled_by` text,`notice_sent` text NOT NULL DEFAULT "",`version` integer NOT NULL DEFAULT 1,`created_at` datetime,`updated_at` datetime,`closed_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_referrals_grant_id` ON `referrals`(`grant_id`);
CREATE INDEX IF NOT EXISTS `idx_referrals_area_department` ON `referrals`(`area_code`,`department`);
CREATE INDEX IF NOT EXISTS `idx_referrals_due_at` ON `referrals`(`due_at`);

-- +goose Down
DROP TABLE `referrals`;
DROP TABLE `program_settings`;
