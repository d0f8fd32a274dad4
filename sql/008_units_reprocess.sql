-- footprint warehouse schema, version 8: units dimensioned to the factor, partial factor lists,
-- reprocessing stored files, and quarantine entries and alerts that a restatement closes.

-- The calorific value the list states beside a factor ("Conversie MJ": MJ per unit of the factor),
-- the route from an energy quantity (natural gas in kWh) to the factor's unit (Nm3).
ALTER TABLE factors ADD COLUMN mj_per_unit DOUBLE PRECISION;

-- official: a co2emissiefactoren.nl spreadsheet; own: a user's list of some factors (footprint
-- factors template), whose missing factors fall back along the factor policy.
ALTER TABLE factor_lists ADD COLUMN kind VARCHAR;
UPDATE factor_lists SET kind = 'official';

-- A month's factors per activity key AND unit: a row's quantity is converted to the factor's unit
-- (list_unit) by unit_multiplier along unit_route (e.g. natural gas kWh x 3.6 / 31.65 MJ/Nm3);
-- fallback_note says why the factor comes from another list than the policy's (a partial list).
ALTER TABLE applied_factors ADD COLUMN unit VARCHAR;
ALTER TABLE applied_factors ADD COLUMN list_unit VARCHAR;
ALTER TABLE applied_factors ADD COLUMN unit_multiplier DOUBLE PRECISION;
ALTER TABLE applied_factors ADD COLUMN unit_route VARCHAR;
ALTER TABLE applied_factors ADD COLUMN fallback_note VARCHAR;

-- What version 7 computed stays as computed: one row per unit the month's rows carry, multiplier 1.
-- The next computation of the month replaces these with dimensioned rows.
INSERT INTO applied_factors
SELECT k.period, k.activity_table, k.activity_key, k.source, k.ladder_scope, k.ghg_scope, k.ghg_category,
       k.factor_id, k.factor_kg_co2e_per_unit, k.location_factor_id, k.location_factor_kg_co2e_per_unit,
       u.unit, (SELECT min(f.unit) FROM factors f WHERE f.factor_id = k.factor_id), 1.0,
       'as computed before schema version 8 (no unit conversion)', NULL
FROM applied_factors k
JOIN (
    SELECT DISTINCT period, 'fuel_transactions' AS activity_table, activity_key, unit FROM fuel_transactions
    UNION
    SELECT DISTINCT r.period, 'meter_usage', s.activity_key, s.unit
    FROM meter_readings r JOIN meter_series s ON s.series_id = r.series_id
    UNION
    SELECT DISTINCT period, 'supplier_activity', activity_key, unit FROM supplier_activity
) u ON u.period = k.period AND u.activity_table = k.activity_table AND u.activity_key = k.activity_key
WHERE k.unit IS NULL;
DELETE FROM applied_factors WHERE unit IS NULL;

-- Where the file lay below its month folder (a subfolder assigns meters, footprint.yaml meters[].files):
-- `footprint reprocess` reads the stored file again as if it lay there.
ALTER TABLE raw_files ADD COLUMN inbox_path VARCHAR;
-- Of rows_quarantined, those held only because another row already counts them (the same fuelling
-- twice, an interval another file covers): not wrong data, so no part of a file's failure rate.
ALTER TABLE raw_files ADD COLUMN rows_already_counted BIGINT;

-- A quarantine entry stays as evidence; closed_at and closed_reason say when a reprocess or a
-- corrected file resolved it (footprint reprocess). Open entries have closed_at NULL.
ALTER TABLE quarantine ADD COLUMN closed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE quarantine ADD COLUMN closed_reason VARCHAR;

-- The span of a meter series' intervals, so a new file's rows are checked for overlap only against
-- series whose span meets theirs (see footprint.pipeline: nothing counted twice).
ALTER TABLE meter_series ADD COLUMN first_start TIMESTAMP WITH TIME ZONE;
ALTER TABLE meter_series ADD COLUMN last_end TIMESTAMP WITH TIME ZONE;
UPDATE meter_series SET
    first_start = (SELECT min(r.interval_start) FROM meter_readings r WHERE r.series_id = meter_series.series_id),
    last_end = (SELECT max(r.interval_end) FROM meter_readings r WHERE r.series_id = meter_series.series_id);

-- Views reading applied_factors are recreated after every migration (sql/views/).
DROP VIEW IF EXISTS v_lineage;
DROP VIEW IF EXISTS v_emissions_monthly;
