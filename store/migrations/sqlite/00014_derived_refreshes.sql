-- The daily job recomputes every household's derived values only when they can have
-- changed without a write: when the year changes (ages are counted by the year, P9, and
-- the dibao standards are set per year) or when the rules' configuration changes. The
-- one row of derived_refreshes records the year and the configuration of the last full
-- refresh.

-- +goose Up
CREATE TABLE IF NOT EXISTS `derived_refreshes` (`id` integer,`year` integer NOT NULL,`rules` text NOT NULL,`refreshed_at` datetime NOT NULL,PRIMARY KEY (`id`));

-- +goose Down
DROP TABLE IF EXISTS `derived_refreshes`;
