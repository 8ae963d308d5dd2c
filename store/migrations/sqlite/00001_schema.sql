-- The schema of jiuzhu's SQLite database as it stood when versioned migrations began:
-- every table, index and the append-only guard of the audit trail, in the form gorm
-- writes them. Each statement leaves an existing object alone (IF NOT EXISTS), so that a
-- demo database created before versioning is adopted without losing a row.

-- +goose Up
CREATE TABLE IF NOT EXISTS `jurisdictions` (`code` text,`name` text NOT NULL,`level` text NOT NULL,`parent_code` text,`population` integer,`urban` numeric,PRIMARY KEY (`code`));
CREATE INDEX IF NOT EXISTS `idx_jurisdictions_parent_code` ON `jurisdictions`(`parent_code`);
CREATE INDEX IF NOT EXISTS `idx_jurisdictions_level` ON `jurisdictions`(`level`);
CREATE TABLE IF NOT EXISTS `categories` (`code` text,`name` text NOT NULL,`sort_order` integer NOT NULL DEFAULT 0,PRIMARY KEY (`code`));
CREATE TABLE IF NOT EXISTS `programs` (`code` text,`name` text NOT NULL,`category_code` text NOT NULL,`active` numeric NOT NULL,`sort_order` integer NOT NULL DEFAULT 0,PRIMARY KEY (`code`));
CREATE INDEX IF NOT EXISTS `idx_programs_category_code` ON `programs`(`category_code`);
CREATE TABLE IF NOT EXISTS `households` (`id` text,`area_code` text NOT NULL,`address` text NOT NULL,`poverty_registered` numeric NOT NULL,`external_ref` text,`version` integer NOT NULL DEFAULT 1,`created_at` datetime,`updated_at` datetime,`per_capita_income` integer,`standard_amount` integer,`below_standard` numeric NOT NULL DEFAULT false,`low_income` numeric NOT NULL DEFAULT false,`grade` text,`expenditure_poverty` numeric NOT NULL DEFAULT false,`severe_disability` numeric NOT NULL DEFAULT false,`care_eligible` numeric NOT NULL DEFAULT false,`need` integer NOT NULL DEFAULT -1000000000000000,`member_count` integer NOT NULL DEFAULT 0,`served` numeric NOT NULL DEFAULT false,`in_grace` numeric NOT NULL DEFAULT false,`committed_monthly` integer NOT NULL DEFAULT 0,`tallied_area` text NOT NULL DEFAULT "",PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_households_external_ref` ON `households`(`external_ref`);
CREATE INDEX IF NOT EXISTS `idx_households_area_care` ON `households`(`area_code`,`care_eligible`);
CREATE INDEX IF NOT EXISTS `idx_households_area_expenditure` ON `households`(`area_code`,`expenditure_poverty`);
CREATE INDEX IF NOT EXISTS `idx_households_area_grade` ON `households`(`area_code`,`grade`);
CREATE INDEX IF NOT EXISTS `idx_households_area_low_income` ON `households`(`area_code`,`low_income`);
CREATE INDEX IF NOT EXISTS `idx_households_area_id` ON `households`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `members` (`id` text,`household_id` text NOT NULL,`area_code` text NOT NULL,`name` text NOT NULL,`id_number` text NOT NULL,`sex` text NOT NULL,`birth_date` date NOT NULL,`relation` text NOT NULL,`disability_level` integer,`labour_capacity` text NOT NULL,`monthly_income` integer NOT NULL DEFAULT 0,`created_at` datetime,`updated_at` datetime,`care_flags` text NOT NULL DEFAULT "",PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_members_id_number` ON `members`(`id_number`);
CREATE INDEX IF NOT EXISTS `idx_members_household_id` ON `members`(`household_id`);
CREATE INDEX IF NOT EXISTS `idx_members_area_id` ON `members`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `grants` (`id` text,`household_id` text NOT NULL,`member_id` text,`area_code` text NOT NULL,`program_code` text NOT NULL,`category_code` text NOT NULL,`status` text NOT NULL,`amount` integer NOT NULL,`start_date` date NOT NULL,`end_date` date,`version` integer NOT NULL DEFAULT 1,`created_by` text NOT NULL,`created_at` datetime,`updated_at` datetime,`grace_until` date,`review_flag` numeric NOT NULL DEFAULT false,`review_reason` text,`reference` text,`channel` text,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_grants_reference` ON `grants`(`reference`);
CREATE INDEX IF NOT EXISTS `idx_grants_program_code` ON `grants`(`program_code`);
CREATE INDEX IF NOT EXISTS `idx_grants_member_id` ON `grants`(`member_id`);
CREATE INDEX IF NOT EXISTS `idx_grants_household_id` ON `grants`(`household_id`);
CREATE INDEX IF NOT EXISTS `idx_grants_area_id` ON `grants`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `grant_events` (`id` text,`grant_id` text NOT NULL,`area_code` text NOT NULL,`actor` text NOT NULL,`actor_role` text NOT NULL,`actor_area` text NOT NULL,`from_status` text,`to_status` text NOT NULL,`reason` text NOT NULL DEFAULT "",`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_grant_events_grant_id` ON `grant_events`(`grant_id`);
CREATE INDEX IF NOT EXISTS `idx_grant_events_area_id` ON `grant_events`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `audit_events` (`id` text,`area_code` text NOT NULL,`actor` text NOT NULL,`actor_role` text NOT NULL,`actor_area` text NOT NULL,`operation` text NOT NULL,`record_ids` text NOT NULL DEFAULT "",`before` text NOT NULL DEFAULT "",`after` text NOT NULL DEFAULT "",`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_audit_events_created_at` ON `audit_events`(`created_at`);
CREATE INDEX IF NOT EXISTS `idx_audit_events_operation` ON `audit_events`(`operation`);
CREATE INDEX IF NOT EXISTS `idx_audit_events_actor` ON `audit_events`(`actor`);
CREATE INDEX IF NOT EXISTS `idx_audit_events_area_id` ON `audit_events`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `dibao_standards` (`id` text,`area_code` text NOT NULL,`year` integer NOT NULL,`urban` integer NOT NULL,`rural` integer NOT NULL,`set_by` text NOT NULL,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX IF NOT EXISTS `idx_dibao_standards_area_year` ON `dibao_standards`(`area_code`,`year`);
CREATE TABLE IF NOT EXISTS `verifications` (`id` text,`household_id` text NOT NULL,`area_code` text NOT NULL,`source_department` text NOT NULL,`check_date` date NOT NULL,`total_income` integer NOT NULL,`member_count` integer NOT NULL,`per_capita_income` integer NOT NULL,`owns_vehicle` numeric NOT NULL,`second_property` numeric NOT NULL,`business` numeric NOT NULL,`deposits_over_limit` numeric NOT NULL,`medical_expenditure` integer NOT NULL,`education_expenditure` integer NOT NULL,`recorded_by` text NOT NULL,`latest` numeric NOT NULL DEFAULT false,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_verifications_household` ON `verifications`(`household_id`,`check_date`,`latest`);
CREATE INDEX IF NOT EXISTS `idx_verifications_area_id` ON `verifications`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `verification_members` (`id` text,`verification_id` text NOT NULL,`member_id` text NOT NULL,`area_code` text NOT NULL,`monthly_income` integer NOT NULL,`self_care_lost` numeric NOT NULL,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_verification_members_member_id` ON `verification_members`(`member_id`);
CREATE INDEX IF NOT EXISTS `idx_verification_members_verification_id` ON `verification_members`(`verification_id`);
CREATE INDEX IF NOT EXISTS `idx_verification_members_area_id` ON `verification_members`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `county_application_counters` (`county` text,`year` integer,`last` integer NOT NULL DEFAULT 0,PRIMARY KEY (`county`,`year`));
CREATE TABLE IF NOT EXISTS `medical_claims` (`id` text,`area_code` text NOT NULL,`grant_id` text NOT NULL,`member_id` text NOT NULL,`program_code` text NOT NULL,`year` integer NOT NULL,`total_cost` integer NOT NULL,`basic_insurance` integer NOT NULL,`critical_illness_insurance` integer NOT NULL,`ratio_basis_points` integer NOT NULL,`ceiling` integer NOT NULL,`paid_this_year` integer NOT NULL,`payable` integer NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_medical_claims_member_year` ON `medical_claims`(`member_id`,`program_code`,`year`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_medical_claims_grant_id` ON `medical_claims`(`grant_id`);
CREATE INDEX IF NOT EXISTS `idx_medical_claims_area_id` ON `medical_claims`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `reserve_funds` (`area_code` text,`balance` integer NOT NULL DEFAULT 0,`updated_at` datetime,PRIMARY KEY (`area_code`));
CREATE TABLE IF NOT EXISTS `reserve_entries` (`id` text,`area_code` text NOT NULL,`kind` text NOT NULL,`amount` integer NOT NULL,`balance_after` integer NOT NULL,`grant_id` text,`note` text NOT NULL DEFAULT "",`actor` text NOT NULL,`actor_role` text NOT NULL,`actor_area` text NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_reserve_entries_grant_id` ON `reserve_entries`(`grant_id`);
CREATE INDEX IF NOT EXISTS `idx_reserve_entries_area_id` ON `reserve_entries`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `charity_aids` (`id` text,`area_code` text NOT NULL,`household_id` text NOT NULL,`organisation` text NOT NULL,`date` date NOT NULL,`kind` text NOT NULL,`amount` integer NOT NULL,`filed_in_advance` numeric NOT NULL,`note` text NOT NULL DEFAULT "",`created_by` text NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_charity_aids_household_id` ON `charity_aids`(`household_id`);
CREATE INDEX IF NOT EXISTS `idx_charity_aids_area_id` ON `charity_aids`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `change_seq` (`id` integer,`n` integer NOT NULL,PRIMARY KEY (`id`));
CREATE TABLE IF NOT EXISTS `change_log` (`seq` integer,`area_code` text NOT NULL,`entity` text NOT NULL,`entity_id` text NOT NULL,`category_code` text,`kind` text NOT NULL,`at` datetime NOT NULL,PRIMARY KEY (`seq`));
CREATE INDEX IF NOT EXISTS `idx_change_log_area_seq` ON `change_log`(`area_code`,`seq`);
CREATE TABLE IF NOT EXISTS `staff_members` (`id` text,`area_code` text NOT NULL,`name` text NOT NULL,`post` text NOT NULL,`phone` text,`from_date` date NOT NULL,`until_date` date,`version` integer NOT NULL DEFAULT 1,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX IF NOT EXISTS `idx_staff_members_area_id` ON `staff_members`(`area_code`,`id`);
CREATE TABLE IF NOT EXISTS `household_programs` (`household_id` text,`program_code` text,`category_code` text,`area_code` text NOT NULL,`first_of_program` numeric NOT NULL,`first_of_category` numeric NOT NULL,`member_count` integer NOT NULL,`in_grace` numeric NOT NULL,`committed_monthly` integer NOT NULL,PRIMARY KEY (`household_id`,`program_code`,`category_code`));
CREATE INDEX IF NOT EXISTS `idx_household_programs_area_code` ON `household_programs`(`area_code`);
CREATE TABLE IF NOT EXISTS `area_tallies` (`area_code` text,`households` integer NOT NULL,`low_income` integer NOT NULL,`members` integer NOT NULL,`active` integer NOT NULL,`active_persons` integer NOT NULL,`grace` integer NOT NULL,`committed_monthly` integer NOT NULL,PRIMARY KEY (`area_code`));
CREATE TABLE IF NOT EXISTS `area_program_tallies` (`area_code` text,`program_code` text,`category_code` text,`program_households` integer NOT NULL,`program_persons` integer NOT NULL,`category_households` integer NOT NULL,`category_persons` integer NOT NULL,`committed_monthly` integer NOT NULL,PRIMARY KEY (`area_code`,`program_code`,`category_code`));
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END;
-- +goose StatementEnd
CREATE TABLE IF NOT EXISTS `audit_keys` (`id` integer,`key` text NOT NULL,PRIMARY KEY (`id`));

-- +goose Down
-- The first version is not taken down: jiuzhu refuses it (see store.MigrateDown), as it
-- would drop every record. Delete the SQLite file instead.
