-- Grievances (投诉/申诉, P25): tickets against an application, a grant or a decision,
-- with their comments. Row-level security is put on both by Migrate (rlsTables).

-- +goose Up
CREATE TABLE IF NOT EXISTS grievances (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    household_id character varying(36) NOT NULL,
    member_id character varying(36),
    grant_id character varying(36) NOT NULL,
    event_id character varying(36),
    subject character varying(12) NOT NULL,
    category character varying(24) NOT NULL,
    channel character varying(12) NOT NULL,
    appeal boolean DEFAULT false NOT NULL,
    decider character varying(128),
    status character varying(12) NOT NULL,
    summary character varying(500) NOT NULL,
    assigned_area character varying(12) NOT NULL,
    opened_by character varying(128) NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    due_at timestamp with time zone NOT NULL,
    answer character varying(2000),
    reopened boolean DEFAULT false NOT NULL,
    answered_by character varying(128),
    answered_at timestamp with time zone,
    closed_by character varying(128),
    closed_at timestamp with time zone,
    due_notice_id character varying(36),
    version bigint DEFAULT 1 NOT NULL,
    CONSTRAINT grievances_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_grievances_area_id ON grievances USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_grievances_grant_id ON grievances USING btree (grant_id);
CREATE INDEX IF NOT EXISTS idx_grievances_open ON grievances USING btree (status, area_code, due_at);

CREATE TABLE IF NOT EXISTS grievance_comments (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    grievance_id character varying(36) NOT NULL,
    author character varying(128) NOT NULL,
    text character varying(2000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT grievance_comments_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_grievance_comments_area_id ON grievance_comments USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_grievance_comments_grievance_id ON grievance_comments USING btree (grievance_id);

-- +goose Down
DROP TABLE grievance_comments;
DROP TABLE grievances;
