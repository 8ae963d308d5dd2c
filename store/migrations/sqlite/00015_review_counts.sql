-- The open reviews of an area are counted, due and overdue apart, for the dashboard and
-- reviewCounts: with (area_code, status, overdue) indexed the count reads the index
-- alone.

-- +goose Up
CREATE INDEX IF NOT EXISTS `idx_reviews_area_overdue` ON `reviews`(`area_code`,`status`,`overdue`);

-- +goose Down
DROP INDEX IF EXISTS `idx_reviews_area_overdue`;
