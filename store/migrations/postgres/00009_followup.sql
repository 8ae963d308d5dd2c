-- Dynamic management (P24): discovery cases with their visits, and the periodic
-- re-certification (review) of grants.

-- +goose Up
CREATE TABLE IF NOT EXISTS discovery_cases (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    household_id character varying(36) NOT NULL,
    open_key character varying(36),
    reasons character varying(200) NOT NULL,
    status character varying(10) NOT NULL,
    assignee_id character varying(36),
    outcome character varying(16),
    application_id character varying(36),
    stale boolean DEFAULT false NOT NULL,
    opened_by character varying(128) NOT NULL,
    followed_at timestamp with time zone,
    closed_at timestamp with time zone,
    closed_by character varying(128),
    close_note character varying(500),
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT discovery_cases_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_discovery_cases_area_id ON discovery_cases USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_discovery_cases_household_id ON discovery_cases USING btree (household_id);
CREATE INDEX IF NOT EXISTS idx_discovery_cases_application_id ON discovery_cases USING btree (application_id);
CREATE UNIQUE INDEX IF NOT EXISTS idx_discovery_cases_open_key ON discovery_cases USING btree (open_key);

CREATE TABLE IF NOT EXISTS discovery_visits (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    case_id character varying(36) NOT NULL,
    visited_on date NOT NULL,
    note character varying(500) NOT NULL,
    actor character varying(128) NOT NULL,
    created_at timestamp with time zone,
    CONSTRAINT discovery_visits_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_discovery_visits_area_id ON discovery_visits USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_discovery_visits_case_id ON discovery_visits USING btree (case_id);

CREATE TABLE IF NOT EXISTS reviews (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    township character varying(12) NOT NULL,
    grant_id character varying(36) NOT NULL,
    household_id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    open_key character varying(36),
    due_on date NOT NULL,
    status character varying(8) NOT NULL,
    overdue boolean DEFAULT false NOT NULL,
    outcome character varying(16),
    amount_before bigint NOT NULL,
    amount_after bigint,
    note character varying(500),
    closed_by character varying(128),
    closed_on date,
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT reviews_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_reviews_area_id ON reviews USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_reviews_area_due ON reviews USING btree (area_code, status, due_on);
CREATE UNIQUE INDEX IF NOT EXISTS idx_reviews_grant_due ON reviews USING btree (grant_id, due_on);
CREATE UNIQUE INDEX IF NOT EXISTS idx_reviews_open_key ON reviews USING btree (open_key);

-- +goose Down
DROP TABLE reviews;
DROP TABLE discovery_visits;
DROP TABLE discovery_cases;
