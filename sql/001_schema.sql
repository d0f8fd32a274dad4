-- footprint warehouse schema, version 1. Portable SQL for DuckDB and PostgreSQL alike.
-- Keys are named in comments and kept by the loader (one transaction per file); DuckDB's
-- indexes would slow the bulk loads of interval data and add nothing a test does not check.

-- Every raw file ever received, stored once by content (key: file_sha256).
CREATE TABLE IF NOT EXISTS raw_files (
    file_sha256        VARCHAR NOT NULL,
    file_name          VARCHAR NOT NULL,
    source_format      VARCHAR NOT NULL,
    dataset            VARCHAR NOT NULL,
    period             DATE NOT NULL,
    size_bytes         BIGINT NOT NULL,
    stored_path        VARCHAR NOT NULL,
    rows_read          BIGINT NOT NULL,
    rows_loaded        BIGINT NOT NULL,
    rows_quarantined   BIGINT NOT NULL,
    rows_excluded      BIGINT NOT NULL,
    loaded_at          TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Fuel-card transactions (key: activity_id = first 16 hex of file_sha256 || '-' || source_row).
CREATE TABLE IF NOT EXISTS fuel_transactions (
    activity_id        VARCHAR NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    source_row         BIGINT NOT NULL,
    period             DATE NOT NULL,
    transaction_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    card_id            VARCHAR,
    driver_id          VARCHAR,
    plate              VARCHAR NOT NULL,
    site_id            VARCHAR,
    station            VARCHAR,
    product            VARCHAR NOT NULL,
    fuel               VARCHAR,
    quantity           DOUBLE PRECISION NOT NULL,
    unit               VARCHAR NOT NULL,
    unit_price_eur     DOUBLE PRECISION,
    amount_eur         DOUBLE PRECISION,
    odometer_km        DOUBLE PRECISION,
    activity_key       VARCHAR,
    excluded_reason    VARCHAR
);

-- Utility usage per interval, month or invoice line (key: activity_id).
CREATE TABLE IF NOT EXISTS meter_usage (
    activity_id        VARCHAR NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    source_row         BIGINT NOT NULL,
    period             DATE NOT NULL,
    ean                VARCHAR NOT NULL,
    site_id            VARCHAR,
    carrier            VARCHAR NOT NULL,
    contract           VARCHAR,
    interval_start     TIMESTAMP WITH TIME ZONE NOT NULL,
    interval_end       TIMESTAMP WITH TIME ZONE NOT NULL,
    quantity           DOUBLE PRECISION NOT NULL,
    unit               VARCHAR NOT NULL,
    direction          VARCHAR NOT NULL,
    tariff             VARCHAR,
    estimated          BOOLEAN NOT NULL,
    activity_key       VARCHAR
);

-- Supplier statements, flights and mileage declarations (key: activity_id).
CREATE TABLE IF NOT EXISTS supplier_activity (
    activity_id        VARCHAR NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    source_row         BIGINT NOT NULL,
    period             DATE NOT NULL,
    activity_date      DATE,
    supplier           VARCHAR NOT NULL,
    activity_type      VARCHAR NOT NULL,
    description        VARCHAR,
    quantity           DOUBLE PRECISION NOT NULL,
    unit               VARCHAR NOT NULL,
    distance_km        DOUBLE PRECISION,
    ghg_category       INTEGER,
    reported_kg_co2e   DOUBLE PRECISION,
    method             VARCHAR,
    data_quality       VARCHAR NOT NULL,
    activity_key       VARCHAR
);

-- Rows held back by validation: which file, which line, which column, which rule
-- (key: file_sha256, source_row, column_name, expectation).
CREATE TABLE IF NOT EXISTS quarantine (
    file_sha256        VARCHAR NOT NULL,
    file_name          VARCHAR NOT NULL,
    dataset            VARCHAR NOT NULL,
    period             DATE NOT NULL,
    source_row         BIGINT NOT NULL,
    column_name        VARCHAR NOT NULL,
    value              VARCHAR,
    expectation        VARCHAR NOT NULL,
    reason             VARCHAR NOT NULL
);

-- Official factor lists as loaded (key: list_id; one list year can have several versions).
CREATE TABLE IF NOT EXISTS factor_lists (
    list_id            VARCHAR NOT NULL,
    list_year          INTEGER NOT NULL,
    version            DATE NOT NULL,
    valid_from         DATE NOT NULL,
    superseded_at      DATE,
    source             VARCHAR NOT NULL,
    source_file        VARCHAR NOT NULL,
    source_sha256      VARCHAR NOT NULL,
    factor_count       INTEGER NOT NULL
);

-- One factor of one list version (key: factor_id). value_kg_co2e_per_unit is what footprint
-- applies: WTW where the list gives it (the ladder's choice), else TTW, as value_basis says.
CREATE TABLE IF NOT EXISTS factors (
    factor_id              VARCHAR NOT NULL,
    list_id                VARCHAR NOT NULL,
    list_year              INTEGER NOT NULL,
    version                DATE NOT NULL,
    valid_from             DATE NOT NULL,
    superseded_at          DATE,
    section                VARCHAR NOT NULL,
    subsection             VARCHAR NOT NULL,
    name                   VARCHAR NOT NULL,
    unit                   VARCHAR NOT NULL,
    wtw_kg_co2e_per_unit   DOUBLE PRECISION,
    ttw_kg_co2e_per_unit   DOUBLE PRECISION,
    wtt_kg_co2e_per_unit   DOUBLE PRECISION,
    biogenic_kg_co2e_per_unit DOUBLE PRECISION,
    value_kg_co2e_per_unit DOUBLE PRECISION NOT NULL,
    value_basis            VARCHAR NOT NULL,
    source                 VARCHAR NOT NULL,
    source_row             INTEGER NOT NULL
);

-- One emission figure per activity row (key: activity_table, activity_id). Electricity carries
-- the market-based figure in emissions_kg_co2e and the grid-average one beside it; for every
-- other source both columns are equal.
CREATE TABLE IF NOT EXISTS emissions (
    period                     DATE NOT NULL,
    activity_table             VARCHAR NOT NULL,
    activity_id                VARCHAR NOT NULL,
    file_sha256                VARCHAR NOT NULL,
    site_id                    VARCHAR,
    source                     VARCHAR NOT NULL,
    ladder_scope               INTEGER NOT NULL,
    ghg_scope                  INTEGER NOT NULL,
    ghg_category               INTEGER,
    quantity                   DOUBLE PRECISION NOT NULL,
    unit                       VARCHAR NOT NULL,
    factor_id                  VARCHAR,
    factor_kg_co2e_per_unit    DOUBLE PRECISION,
    emissions_kg_co2e          DOUBLE PRECISION NOT NULL,
    location_factor_id         VARCHAR,
    location_emissions_kg_co2e DOUBLE PRECISION NOT NULL,
    data_quality               VARCHAR NOT NULL
);

-- The run log: one row per flow run and one per file it handled (key: run_id; run_id, file_sha256).
CREATE TABLE IF NOT EXISTS runs (
    run_id             VARCHAR NOT NULL,
    period             DATE NOT NULL,
    started_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at        TIMESTAMP WITH TIME ZONE,
    status             VARCHAR NOT NULL,
    files_seen         INTEGER NOT NULL,
    files_loaded       INTEGER NOT NULL,
    rows_read          BIGINT NOT NULL,
    rows_loaded        BIGINT NOT NULL,
    rows_quarantined   BIGINT NOT NULL,
    rows_excluded      BIGINT NOT NULL,
    duration_s         DOUBLE PRECISION,
    message            VARCHAR
);

CREATE TABLE IF NOT EXISTS run_files (
    run_id             VARCHAR NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    file_name          VARCHAR NOT NULL,
    dataset            VARCHAR,
    outcome            VARCHAR NOT NULL,
    rows_read          BIGINT NOT NULL,
    rows_loaded        BIGINT NOT NULL,
    rows_quarantined   BIGINT NOT NULL,
    rows_excluded      BIGINT NOT NULL,
    duration_s         DOUBLE PRECISION NOT NULL,
    message            VARCHAR
);
