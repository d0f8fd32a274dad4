-- footprint warehouse schema, version 7: meter_usage becomes a view over meter_readings and
-- meter_series (version 6), with the columns and rows of version 1's table; activity_id is derived
-- as before: the first 16 hex digits of the file's SHA-256, a dash and the line.

-- Views reading meter_usage; all are recreated after every migration.
DROP VIEW IF EXISTS v_lineage;
DROP VIEW IF EXISTS v_energy_monthly;
DROP VIEW IF EXISTS v_emissions_monthly;
DROP VIEW IF EXISTS emissions;
DROP TABLE meter_usage;

CREATE VIEW meter_usage AS
SELECT left(s.file_sha256, 16) || '-' || CAST(r.source_row AS VARCHAR) AS activity_id,
       s.file_sha256, r.source_row, r.period, s.ean, s.site_id, s.carrier, s.contract,
       r.interval_start, r.interval_end, r.quantity, s.unit, s.direction, s.tariff, r.estimated, s.activity_key
FROM meter_readings r
JOIN meter_series s ON s.series_id = r.series_id;
