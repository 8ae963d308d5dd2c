-- The payroll (P22): payees, the monthly payroll of each county and its lines.

-- +goose Up
CREATE TABLE IF NOT EXISTS `payees` (`household_id` text,`area_code` text NOT NULL,`bank` text NOT NULL,`account` text NOT NULL,`holder` text NOT NULL,`version` integer NOT NULL DEFAULT 1,`updated_by` text NOT NULL,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`household_id`));
CREATE TABLE IF NOT EXISTS `payroll_lines` (`id` text,`payroll_id` text NOT NULL,`seq` integer NOT NULL,`area_code` text NOT NULL,`reference` text NOT NULL,`household_id` text NOT NULL,`grant_id` text NOT NULL,`program_code` text NOT NULL,`category_code` text NOT NULL,`month` text NOT NULL,`attempt` integer NOT NULL,`kind` text NOT NULL,`reissue_of` text,`amount` integer NOT NULL,`bank` text NOT NULL DEFAULT "",`account` text NOT NULL DEFAULT "",`holder` text NOT NULL DEFAULT "",`status` text NOT NULL,`reason` text NOT NULL DEFAULT "",`settled_at` datetime,PRIMARY KEY (`id`));
CREATE TABLE IF NOT EXISTS `payrolls` (`id` text,`area_code` text NOT NULL,`month` text NOT NULL,`run` integer NOT NULL,`status` text NOT NULL,`line_count` integer NOT NULL,`total` integer NOT NULL,`generated_by` text NOT NULL,`approved_by` text,`approved_at` datetime,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_payees_area_code` ON `payees`(`area_code`);
CREATE INDEX IF NOT EXISTS `idx_payroll_lines_area_code` ON `payroll_lines`(`area_code`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_payroll_lines_grant_month` ON `payroll_lines`(`grant_id`,`month`,`attempt`);
CREATE INDEX IF NOT EXISTS `idx_payroll_lines_payroll_seq` ON `payroll_lines`(`payroll_id`,`seq`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_payroll_lines_reference` ON `payroll_lines`(`reference`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_payroll_lines_reissue_of` ON `payroll_lines`(`reissue_of`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_payrolls_county_month_run` ON `payrolls`(`area_code`,`month`,`run`);

-- +goose Down
DROP TABLE `payroll_lines`;
DROP TABLE `payrolls`;
DROP TABLE `payees`;
