-- The payroll (P22): payees, the monthly payroll of each county and its lines.

-- +goose Up
CREATE TABLE IF NOT EXISTS payees (
    household_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    bank character varying(64) NOT NULL,
    account character varying(19) NOT NULL,
    holder character varying(64) NOT NULL,
    version bigint DEFAULT 1 NOT NULL,
    updated_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT payees_pkey PRIMARY KEY (household_id)
);
CREATE INDEX IF NOT EXISTS idx_payees_area_code ON payees USING btree (area_code);

CREATE TABLE IF NOT EXISTS payrolls (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    month character varying(7) NOT NULL,
    run bigint NOT NULL,
    status character varying(10) NOT NULL,
    line_count bigint NOT NULL,
    total bigint NOT NULL,
    generated_by character varying(128) NOT NULL,
    approved_by character varying(128),
    approved_at timestamp with time zone,
    created_at timestamp with time zone,
    CONSTRAINT payrolls_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_payrolls_county_month_run ON payrolls USING btree (area_code, month, run);

CREATE TABLE IF NOT EXISTS payroll_lines (
    id character varying(36) NOT NULL,
    payroll_id character varying(36) NOT NULL,
    seq bigint NOT NULL,
    area_code character varying(12) NOT NULL,
    reference character varying(32) NOT NULL,
    household_id character varying(36) NOT NULL,
    grant_id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    month character varying(7) NOT NULL,
    attempt bigint NOT NULL,
    kind character varying(8) NOT NULL,
    reissue_of character varying(36),
    amount bigint NOT NULL,
    bank character varying(64) DEFAULT ''::character varying NOT NULL,
    account character varying(19) DEFAULT ''::character varying NOT NULL,
    holder character varying(64) DEFAULT ''::character varying NOT NULL,
    status character varying(10) NOT NULL,
    reason character varying(200) DEFAULT ''::character varying NOT NULL,
    settled_at timestamp with time zone,
    CONSTRAINT payroll_lines_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_payroll_lines_area_code ON payroll_lines USING btree (area_code);
CREATE UNIQUE INDEX IF NOT EXISTS idx_payroll_lines_grant_month ON payroll_lines USING btree (grant_id, month, attempt);
CREATE INDEX IF NOT EXISTS idx_payroll_lines_payroll_seq ON payroll_lines USING btree (payroll_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS idx_payroll_lines_reference ON payroll_lines USING btree (reference);
CREATE UNIQUE INDEX IF NOT EXISTS idx_payroll_lines_reissue_of ON payroll_lines USING btree (reissue_of);

-- +goose Down
DROP TABLE payroll_lines;
DROP TABLE payrolls;
DROP TABLE payees;
