-- Members carry an optional contact phone, and households are found by a member's name
-- (exact or prefix), full ID number or phone; the name and the phone are indexed.

-- +goose Up
ALTER TABLE `members` ADD COLUMN `phone` text;
CREATE INDEX `idx_members_phone` ON `members`(`phone`);
CREATE INDEX `idx_members_name` ON `members`(`name`);

-- +goose Down
DROP INDEX IF EXISTS `idx_members_name`;
DROP INDEX IF EXISTS `idx_members_phone`;
ALTER TABLE `members` DROP COLUMN `phone`;
