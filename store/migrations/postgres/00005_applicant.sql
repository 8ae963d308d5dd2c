-- Back to the applicant: the outbox of notifications, the audit of the public status
-- page's lookups, and the supporting documents attached to records.

-- +goose Up
CREATE TABLE IF NOT EXISTS notifications (
    id character varying(36) NOT NULL,
    kind character varying(40) NOT NULL,
    area_code character varying(12) NOT NULL,
    household_id character varying(36) NOT NULL,
    member_id character varying(36),
    reference character varying(24),
    params character varying(1000) DEFAULT '{}'::character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    due_at timestamp with time zone NOT NULL,
    lease_until timestamp with time zone,
    attempts bigint DEFAULT 0 NOT NULL,
    delivered_at timestamp with time zone,
    last_error character varying(200) DEFAULT ''::character varying NOT NULL,
    CONSTRAINT notifications_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_notifications_area_code ON notifications USING btree (area_code);
CREATE INDEX IF NOT EXISTS idx_notifications_due ON notifications USING btree (delivered_at, due_at);

CREATE TABLE IF NOT EXISTS documents (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    record character varying(16) NOT NULL,
    record_id character varying(36) NOT NULL,
    kind character varying(16) NOT NULL,
    sha256 character varying(64) NOT NULL,
    size bigint NOT NULL,
    content_type character varying(40) NOT NULL,
    created_by character varying(128) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT documents_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_documents_area_id ON documents USING btree (area_code, id);
CREATE INDEX IF NOT EXISTS idx_documents_record ON documents USING btree (record, record_id);

CREATE TABLE IF NOT EXISTS status_lookups (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    reference_digest character varying(64) NOT NULL,
    address_digest character varying(64) NOT NULL,
    outcome character varying(12) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT status_lookups_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_status_lookups_address_digest ON status_lookups USING btree (address_digest);
CREATE INDEX IF NOT EXISTS idx_status_lookups_area_code ON status_lookups USING btree (area_code);
CREATE INDEX IF NOT EXISTS idx_status_lookups_created_at ON status_lookups USING btree (created_at);
CREATE INDEX IF NOT EXISTS idx_status_lookups_reference_digest ON status_lookups USING btree (reference_digest);

-- +goose Down
DROP TABLE status_lookups;
DROP TABLE documents;
DROP TABLE notifications;
