-- Entitlements by rule (P18–P21): the parameters of each county and year, and the
-- calculation behind every approved amount, overrides included.

-- +goose Up
CREATE TABLE `entitlement_parameters` (`id` text,`area_code` text NOT NULL,`year` integer NOT NULL,`effective_from` date NOT NULL,`dibao_min_per_person` integer NOT NULL,`tekun_multiple_milli` integer NOT NULL,`care_full` integer NOT NULL,`care_partial` integer NOT NULL,`care_none` integer NOT NULL,`temporary_multiple_milli` integer NOT NULL,`urgent_days` integer NOT NULL,`programs` text NOT NULL,`set_by` text NOT NULL,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX `idx_entitlement_parameters_area_from` ON `entitlement_parameters`(`area_code`,`effective_from`);

CREATE TABLE `entitlement_calculations` (`id` text,`area_code` text NOT NULL,`grant_id` text NOT NULL,`program_code` text NOT NULL,`category_code` text NOT NULL,`method` text NOT NULL,`clause` text NOT NULL DEFAULT "",`formula` text NOT NULL DEFAULT "",`inputs` text NOT NULL,`computed` integer NOT NULL,`amount` integer NOT NULL,`overridden` numeric NOT NULL DEFAULT false,`override_reason` text NOT NULL DEFAULT "",`parameters_id` text,`actor` text NOT NULL,`created_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_entitlement_calculations_area_id` ON `entitlement_calculations`(`area_code`,`id`);
CREATE UNIQUE INDEX `idx_entitlement_calculations_grant_id` ON `entitlement_calculations`(`grant_id`);
CREATE INDEX `idx_entitlement_calculations_overridden` ON `entitlement_calculations`(`overridden`);

-- +goose Down
DROP TABLE `entitlement_calculations`;
DROP TABLE `entitlement_parameters`;
