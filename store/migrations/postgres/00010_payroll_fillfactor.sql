-- Payroll lines are written once and settled once (status, reason, settled_at, none of
-- them indexed): pages kept 30 % free let the settlement update each line in its own page
-- (a heap-only update), without a new entry in each of the table's six indexes. Pages
-- written before this version keep their space as it is.

-- +goose Up
ALTER TABLE payroll_lines SET (fillfactor = 70);

-- +goose Down
ALTER TABLE payroll_lines RESET (fillfactor);
