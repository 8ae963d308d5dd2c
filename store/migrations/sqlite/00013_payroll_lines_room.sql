-- PostgreSQL's version 13 keeps more free space in the pages of payroll_lines for the
-- settlement's updates; SQLite has no such setting, and the version is empty here so that
-- both databases count the same versions.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
