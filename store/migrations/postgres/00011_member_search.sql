-- Members carry an optional contact phone, and households are found by a member's name
-- (exact or prefix), full ID number or phone. The ID number already has its unique index;
-- the name's index uses text_pattern_ops so that a prefix search (name LIKE '张%') is an
-- index range scan whatever the database's collation, and it serves exact names too.

-- +goose Up
ALTER TABLE members ADD COLUMN phone character varying(20);
CREATE INDEX idx_members_phone ON members (phone);
CREATE INDEX idx_members_name ON members (name text_pattern_ops);

-- +goose Down
DROP INDEX IF EXISTS idx_members_name;
DROP INDEX IF EXISTS idx_members_phone;
ALTER TABLE members DROP COLUMN phone;
