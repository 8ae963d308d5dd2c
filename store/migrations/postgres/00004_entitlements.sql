-- Entitlements by rule (P18–P21): the parameters of each county and year, and the
-- calculation behind every approved amount, overrides included.

-- +goose Up
CREATE TABLE entitlement_parameters (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    year bigint NOT NULL,
    effective_from date NOT NULL,
    dibao_min_per_person bigint NOT NULL,
    tekun_multiple_milli bigint NOT NULL,
    care_full bigint NOT NULL,
    care_partial bigint NOT NULL,
    care_none bigint NOT NULL,
    temporary_multiple_milli bigint NOT NULL,
    urgent_days bigint NOT NULL,
    programs text NOT NULL,
    set_by character varying(128) NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    CONSTRAINT entitlement_parameters_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_entitlement_parameters_area_from ON entitlement_parameters USING btree (area_code, effective_from);

CREATE TABLE entitlement_calculations (
    id character varying(36) NOT NULL,
    area_code character varying(12) NOT NULL,
    grant_id character varying(36) NOT NULL,
    program_code character varying(40) NOT NULL,
    category_code character varying(32) NOT NULL,
    method character varying(16) NOT NULL,
    clause character varying(16) DEFAULT ''::character varying NOT NULL,
    formula character varying(500) DEFAULT ''::character varying NOT NULL,
    inputs text NOT NULL,
    computed bigint NOT NULL,
    amount bigint NOT NULL,
    overridden boolean DEFAULT false NOT NULL,
    override_reason character varying(500) DEFAULT ''::character varying NOT NULL,
    parameters_id character varying(36),
    actor character varying(128) NOT NULL,
    created_at timestamp with time zone,
    CONSTRAINT entitlement_calculations_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_entitlement_calculations_area_id ON entitlement_calculations USING btree (area_code, id);
CREATE UNIQUE INDEX idx_entitlement_calculations_grant_id ON entitlement_calculations USING btree (grant_id);
CREATE INDEX idx_entitlement_calculations_overridden ON entitlement_calculations USING btree (overridden);

-- +goose Down
DROP TABLE entitlement_calculations;
DROP TABLE entitlement_parameters;
