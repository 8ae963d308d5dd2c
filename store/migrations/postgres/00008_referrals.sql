-- The catalogue through the API and referrals to departments (一门受理、协同办理): the
-- settings of each program (name, deciding department, referral working days, closing
-- day) per city or county from a day, and the applications referred to a department.

-- +goose Up
CREATE TABLE IF NOT EXISTS program_settings (
    id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    area_code character varying(12) NOT NULL,
    effective_from date NOT NULL,
    name character varying(64) NOT NULL,
    department character varying(32) NOT NULL,
    referral_days bigint NOT NULL,
    closed_from date,
    reason character varying(500) DEFAULT ''::character varying NOT NULL,
    set_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    CONSTRAINT program_settings_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_program_settings_program_area_from ON program_settings USING btree (program_code, area_code, effective_from);

CREATE TABLE IF NOT EXISTS referrals (
    id character varying(36) NOT NULL,
    grant_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    department character varying(32) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    status character varying(12) NOT NULL,
    due_at timestamp with time zone NOT NULL,
    reason character varying(500) DEFAULT ''::character varying NOT NULL,
    referred_by character varying(128) NOT NULL,
    handled_by character varying(128),
    notice_sent character varying(8) DEFAULT ''::character varying NOT NULL,
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    closed_at timestamp with time zone,
    CONSTRAINT referrals_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_referrals_grant_id ON referrals USING btree (grant_id);
CREATE INDEX IF NOT EXISTS idx_referrals_area_department ON referrals USING btree (area_code, department);
CREATE INDEX IF NOT EXISTS idx_referrals_due_at ON referrals USING btree (due_at);

-- +goose Down
DROP TABLE referrals;
DROP TABLE program_settings;
