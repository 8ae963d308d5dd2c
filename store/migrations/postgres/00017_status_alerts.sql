-- The daily job warns of sweeps and guesses on the public status page (P25): one
-- address failing many lookups or trying many references, one reference failing from
-- many addresses. status_lookup_alerts keeps each alert (a digest, its counts and the
-- window they were counted over), so that a digest is warned of once per window;
-- job_marks keeps, per step of the daily job, the end of what its last run looked at.

-- +goose Up
CREATE TABLE IF NOT EXISTS status_lookup_alerts (
    id character varying(36) NOT NULL,
    counted_by character varying(12) NOT NULL,
    digest character varying(64) NOT NULL,
    area_code character varying(12) NOT NULL,
    window_from timestamp with time zone NOT NULL,
    window_to timestamp with time zone NOT NULL,
    failed bigint NOT NULL,
    spread bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_status_lookup_alerts_window ON status_lookup_alerts (counted_by, digest, window_from);
CREATE INDEX IF NOT EXISTS idx_status_lookup_alerts_area ON status_lookup_alerts (area_code);
CREATE TABLE IF NOT EXISTS job_marks (
    job character varying(64) NOT NULL,
    mark timestamp with time zone NOT NULL,
    PRIMARY KEY (job)
);

-- +goose Down
DROP TABLE IF EXISTS job_marks;
DROP TABLE IF EXISTS status_lookup_alerts;
