-- footprint warehouse schema, version 6: meter rows stored narrow. A year of 15-minute data is ten
-- million rows; per row only what varies per row is stored (numbers, instants, a series id), and
-- what a file's rows share per meter, direction, tariff and unit is stored once per file in
-- meter_series. Version 7 turns meter_usage into a view that joins the two, with the same columns.

-- One row per file and series: a meter's direction, tariff and unit in one file (key: series_id,
-- the first 60 bits of SHA-256 of "file_sha256|ean|direction|tariff|unit", tariff '' when absent:
-- the same in Python and in SQL, so a file loads with the same ids on any warehouse and any run).
CREATE TABLE IF NOT EXISTS meter_series (
    series_id          BIGINT NOT NULL,
    file_sha256        VARCHAR NOT NULL,
    ean                VARCHAR NOT NULL,
    site_id            VARCHAR,
    carrier            VARCHAR NOT NULL,
    contract           VARCHAR,
    unit               VARCHAR NOT NULL,
    direction          VARCHAR NOT NULL,
    tariff             VARCHAR,
    activity_key       VARCHAR
);

-- One row per interval, month or invoice line (key: series_id, source_row).
CREATE TABLE IF NOT EXISTS meter_readings (
    series_id          BIGINT NOT NULL,
    source_row         BIGINT NOT NULL,
    period             DATE NOT NULL,
    interval_start     TIMESTAMP WITH TIME ZONE NOT NULL,
    interval_end       TIMESTAMP WITH TIME ZONE NOT NULL,
    quantity           DOUBLE PRECISION NOT NULL,
    estimated          BOOLEAN NOT NULL
);
