-- footprint warehouse schema, version 2: corrected files and new factor lists restate periods.

-- A corrected file replaces the file of the same name delivered for the same month; the old one
-- stays in the raw store and in raw_files, marked with the checksum of its successor.
ALTER TABLE raw_files ADD COLUMN superseded_by VARCHAR;

-- One row per restated period and cause (key: restatement_id).
CREATE TABLE IF NOT EXISTS restatements (
    restatement_id       VARCHAR NOT NULL,
    kind                 VARCHAR NOT NULL,
    period               DATE NOT NULL,
    file_name            VARCHAR,
    old_file_sha256      VARCHAR,
    new_file_sha256      VARCHAR,
    old_factor_lists     VARCHAR,
    new_factor_lists     VARCHAR,
    old_kg_co2e          DOUBLE PRECISION NOT NULL,
    new_kg_co2e          DOUBLE PRECISION,
    restated_at          TIMESTAMP WITH TIME ZONE NOT NULL
);
