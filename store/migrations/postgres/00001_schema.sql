-- The schema of jiuzhu as it stood when versioned migrations began: every table, index
-- and the append-only guard of the audit trail. Each statement leaves an existing object
-- alone (IF NOT EXISTS, OR REPLACE), so that a database created before versioning, by the
-- former "jiuzhu migrate" that derived the schema from the models, is adopted without
-- losing a row: what it lacks is added, what it has is kept.
--
-- Tables from older releases that nothing reads any more (application_counters, the
-- city-wide application numbers) are left where they are.

-- +goose Up
CREATE TABLE IF NOT EXISTS area_program_tallies (
    area_code character varying(12) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    program_households bigint NOT NULL,
    program_persons bigint NOT NULL,
    category_households bigint NOT NULL,
    category_persons bigint NOT NULL,
    committed_monthly bigint NOT NULL,
    PRIMARY KEY (area_code, program_code, category_code)
);

CREATE TABLE IF NOT EXISTS area_tallies (
    area_code character varying(12) NOT NULL,
    households bigint NOT NULL,
    low_income bigint NOT NULL,
    members bigint NOT NULL,
    active bigint NOT NULL,
    active_persons bigint NOT NULL,
    grace bigint NOT NULL,
    committed_monthly bigint NOT NULL,
    PRIMARY KEY (area_code)
);

CREATE TABLE IF NOT EXISTS audit_events (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    actor character varying(128) NOT NULL,
    actor_role character varying(16) NOT NULL,
    actor_area character varying(12) NOT NULL,
    operation character varying(64) NOT NULL,
    record_ids character varying(2000) DEFAULT '' NOT NULL,
    before character varying(64) DEFAULT '' NOT NULL,
    after character varying(64) DEFAULT '' NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_audit_events_actor ON audit_events (actor);
CREATE INDEX IF NOT EXISTS idx_audit_events_area_id ON audit_events (area_code, id);
CREATE INDEX IF NOT EXISTS idx_audit_events_created_at ON audit_events (created_at);
CREATE INDEX IF NOT EXISTS idx_audit_events_operation ON audit_events (operation);

CREATE TABLE IF NOT EXISTS audit_keys (
    id bigint NOT NULL,
    key character varying(64) NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS categories (
    code character varying(32) NOT NULL,
    name character varying(64) NOT NULL,
    sort_order bigint DEFAULT 0 NOT NULL,
    PRIMARY KEY (code)
);

CREATE TABLE IF NOT EXISTS change_log (
    seq bigint NOT NULL,
    area_code character varying(12) NOT NULL,
    entity character varying(12) NOT NULL,
    entity_id character varying(36) NOT NULL,
    category_code character varying(32),
    kind character varying(8) NOT NULL,
    at timestamp with time zone NOT NULL,
    PRIMARY KEY (seq)
);
CREATE INDEX IF NOT EXISTS idx_change_log_area_seq ON change_log (area_code, seq);

CREATE TABLE IF NOT EXISTS change_seq (
    id bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS charity_aids (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    household_id character varying(36) NOT NULL,
    organisation character varying(128) NOT NULL,
    date date NOT NULL,
    kind character varying(8) NOT NULL,
    amount bigint NOT NULL,
    filed_in_advance boolean NOT NULL,
    note character varying(500) DEFAULT '' NOT NULL,
    created_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_charity_aids_area_id ON charity_aids (area_code, id);
CREATE INDEX IF NOT EXISTS idx_charity_aids_household_id ON charity_aids (household_id);

CREATE TABLE IF NOT EXISTS county_application_counters (
    county character varying(6) NOT NULL,
    year bigint NOT NULL,
    last bigint DEFAULT 0 NOT NULL,
    PRIMARY KEY (county, year)
);

CREATE TABLE IF NOT EXISTS dibao_standards (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    year bigint NOT NULL,
    urban bigint NOT NULL,
    rural bigint NOT NULL,
    set_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_dibao_standards_area_year ON dibao_standards (area_code, year);

CREATE TABLE IF NOT EXISTS grant_events (
    id character varying(36) NOT NULL,
    grant_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    actor character varying(128) NOT NULL,
    actor_role character varying(16) NOT NULL,
    actor_area character varying(12) NOT NULL,
    from_status character varying(12),
    to_status character varying(12) NOT NULL,
    reason character varying(500) DEFAULT '' NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_grant_events_area_id ON grant_events (area_code, id);
CREATE INDEX IF NOT EXISTS idx_grant_events_grant_id ON grant_events (grant_id);

CREATE TABLE IF NOT EXISTS grants (
    id character varying(36) NOT NULL,
    household_id character varying(36) NOT NULL,
    member_id character varying(36),
    area_code character varying(12) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    status character varying(12) NOT NULL,
    amount bigint NOT NULL,
    start_date date NOT NULL,
    end_date date,
    version bigint DEFAULT 1 NOT NULL,
    created_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    grace_until date,
    review_flag boolean DEFAULT false NOT NULL,
    review_reason character varying(500),
    reference character varying(24),
    channel character varying(12),
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_grants_area_id ON grants (area_code, id);
CREATE INDEX IF NOT EXISTS idx_grants_household_id ON grants (household_id);
CREATE INDEX IF NOT EXISTS idx_grants_member_id ON grants (member_id);
CREATE INDEX IF NOT EXISTS idx_grants_program_code ON grants (program_code);
CREATE UNIQUE INDEX IF NOT EXISTS idx_grants_reference ON grants (reference);

CREATE TABLE IF NOT EXISTS household_programs (
    household_id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    area_code character varying(12) NOT NULL,
    first_of_program boolean NOT NULL,
    first_of_category boolean NOT NULL,
    member_count bigint NOT NULL,
    in_grace boolean NOT NULL,
    committed_monthly bigint NOT NULL,
    PRIMARY KEY (household_id, program_code, category_code)
);
CREATE INDEX IF NOT EXISTS idx_household_programs_area_code ON household_programs (area_code);

CREATE TABLE IF NOT EXISTS households (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    address character varying(200) NOT NULL,
    poverty_registered boolean NOT NULL,
    external_ref character varying(64),
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    per_capita_income bigint,
    standard_amount bigint,
    below_standard boolean DEFAULT false NOT NULL,
    low_income boolean DEFAULT false NOT NULL,
    grade character varying(1),
    expenditure_poverty boolean DEFAULT false NOT NULL,
    severe_disability boolean DEFAULT false NOT NULL,
    care_eligible boolean DEFAULT false NOT NULL,
    need bigint DEFAULT '-1000000000000000'::bigint NOT NULL,
    member_count bigint DEFAULT 0 NOT NULL,
    served boolean DEFAULT false NOT NULL,
    in_grace boolean DEFAULT false NOT NULL,
    committed_monthly bigint DEFAULT 0 NOT NULL,
    tallied_area character varying(12) DEFAULT '' NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_households_area_care ON households (area_code, care_eligible);
CREATE INDEX IF NOT EXISTS idx_households_area_expenditure ON households (area_code, expenditure_poverty);
CREATE INDEX IF NOT EXISTS idx_households_area_grade ON households (area_code, grade);
CREATE INDEX IF NOT EXISTS idx_households_area_id ON households (area_code, id);
CREATE INDEX IF NOT EXISTS idx_households_area_low_income ON households (area_code, low_income);
CREATE UNIQUE INDEX IF NOT EXISTS idx_households_external_ref ON households (external_ref);

CREATE TABLE IF NOT EXISTS jurisdictions (
    code character varying(12) NOT NULL,
    name character varying(64) NOT NULL,
    level character varying(8) NOT NULL,
    parent_code character varying(12),
    population bigint,
    urban boolean,
    PRIMARY KEY (code)
);
CREATE INDEX IF NOT EXISTS idx_jurisdictions_level ON jurisdictions (level);
CREATE INDEX IF NOT EXISTS idx_jurisdictions_parent_code ON jurisdictions (parent_code);

CREATE TABLE IF NOT EXISTS medical_claims (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    grant_id character varying(36) NOT NULL,
    member_id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    year bigint NOT NULL,
    total_cost bigint NOT NULL,
    basic_insurance bigint NOT NULL,
    critical_illness_insurance bigint NOT NULL,
    ratio_basis_points bigint NOT NULL,
    ceiling bigint NOT NULL,
    paid_this_year bigint NOT NULL,
    payable bigint NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_medical_claims_area_id ON medical_claims (area_code, id);
CREATE UNIQUE INDEX IF NOT EXISTS idx_medical_claims_grant_id ON medical_claims (grant_id);
CREATE INDEX IF NOT EXISTS idx_medical_claims_member_year ON medical_claims (member_id, program_code, year);

CREATE TABLE IF NOT EXISTS members (
    id character varying(36) NOT NULL,
    household_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    name character varying(64) NOT NULL,
    id_number character varying(18) NOT NULL,
    sex character varying(6) NOT NULL,
    birth_date date NOT NULL,
    relation character varying(16) NOT NULL,
    disability_level bigint,
    labour_capacity character varying(8) NOT NULL,
    monthly_income bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    care_flags character varying(120) DEFAULT '' NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_members_area_id ON members (area_code, id);
CREATE INDEX IF NOT EXISTS idx_members_household_id ON members (household_id);
CREATE UNIQUE INDEX IF NOT EXISTS idx_members_id_number ON members (id_number);

CREATE TABLE IF NOT EXISTS programs (
    code character varying(40) NOT NULL,
    name character varying(64) NOT NULL,
    category_code character varying(32) NOT NULL,
    active boolean NOT NULL,
    sort_order bigint DEFAULT 0 NOT NULL,
    PRIMARY KEY (code)
);
CREATE INDEX IF NOT EXISTS idx_programs_category_code ON programs (category_code);

CREATE TABLE IF NOT EXISTS reserve_entries (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    kind character varying(8) NOT NULL,
    amount bigint NOT NULL,
    balance_after bigint NOT NULL,
    grant_id character varying(36),
    note character varying(200) DEFAULT '' NOT NULL,
    actor character varying(128) NOT NULL,
    actor_role character varying(16) NOT NULL,
    actor_area character varying(12) NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_reserve_entries_area_id ON reserve_entries (area_code, id);
CREATE INDEX IF NOT EXISTS idx_reserve_entries_grant_id ON reserve_entries (grant_id);

CREATE TABLE IF NOT EXISTS reserve_funds (
    area_code character varying(12) NOT NULL,
    balance bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone,
    PRIMARY KEY (area_code)
);

CREATE TABLE IF NOT EXISTS staff_members (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    name character varying(64) NOT NULL,
    post character varying(24) NOT NULL,
    phone character varying(20),
    from_date date NOT NULL,
    until_date date,
    version bigint DEFAULT 1 NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_staff_members_area_id ON staff_members (area_code, id);

CREATE TABLE IF NOT EXISTS verification_members (
    id character varying(36) NOT NULL,
    verification_id character varying(36) NOT NULL,
    member_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    monthly_income bigint NOT NULL,
    self_care_lost boolean NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_verification_members_area_id ON verification_members (area_code, id);
CREATE INDEX IF NOT EXISTS idx_verification_members_member_id ON verification_members (member_id);
CREATE INDEX IF NOT EXISTS idx_verification_members_verification_id ON verification_members (verification_id);

CREATE TABLE IF NOT EXISTS verifications (
    id character varying(36) NOT NULL,
    household_id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    source_department character varying(64) NOT NULL,
    check_date date NOT NULL,
    total_income bigint NOT NULL,
    member_count bigint NOT NULL,
    per_capita_income bigint NOT NULL,
    owns_vehicle boolean NOT NULL,
    second_property boolean NOT NULL,
    business boolean NOT NULL,
    deposits_over_limit boolean NOT NULL,
    medical_expenditure bigint NOT NULL,
    education_expenditure bigint NOT NULL,
    recorded_by character varying(128) NOT NULL,
    latest boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_verifications_area_id ON verifications (area_code, id);
CREATE INDEX IF NOT EXISTS idx_verifications_household ON verifications (household_id, check_date, latest);
-- The audit trail is append-only: a trigger raises on every UPDATE, DELETE and TRUNCATE,
-- and no role but the owner keeps the UPDATE, DELETE or TRUNCATE privilege on it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION jiuzhu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION jiuzhu_audit_append_only();
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION jiuzhu_audit_append_only();

-- +goose StatementBegin
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
      JOIN pg_tables t ON t.schemaname = g.table_schema AND t.tablename = g.table_name
      WHERE g.table_schema = current_schema() AND g.table_name = 'audit_events'
        AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND g.grantee <> t.tableowner
  LOOP
    IF r.grantee = 'PUBLIC' THEN
      EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC';
    ELSE
      EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM %I', r.grantee);
    END IF;
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- Taking the first version down would drop every record; jiuzhu refuses it (see
-- store.MigrateDown), and this raises should it be run by other means.
-- +goose StatementBegin
DO $$ BEGIN
  RAISE EXCEPTION 'the first version of the schema is not taken down: drop the schema by hand';
END $$;
-- +goose StatementEnd
