-- footprint warehouse schema, version 5: emission figures are derived, not stored per row.
-- A month's computation records which factor applies to each activity key of each activity table
-- (a few dozen rows); `emissions` is a view that multiplies every activity row by its factor. It has
-- the columns and rows the table of version 1 had, so readers do not change, but a year of 15-minute
-- rows no longer writes a second table of ten million rows.

-- The factors a month's emissions were computed with (key: period, activity_table, activity_key).
-- ghg_category is the factor's category; when it is NULL a supplier row's own category applies.
CREATE TABLE IF NOT EXISTS applied_factors (
    period                            DATE NOT NULL,
    activity_table                    VARCHAR NOT NULL,
    activity_key                      VARCHAR NOT NULL,
    source                            VARCHAR NOT NULL,
    ladder_scope                      INTEGER NOT NULL,
    ghg_scope                         INTEGER NOT NULL,
    ghg_category                      INTEGER,
    factor_id                         VARCHAR,
    factor_kg_co2e_per_unit           DOUBLE PRECISION,
    location_factor_id                VARCHAR,
    location_factor_kg_co2e_per_unit  DOUBLE PRECISION
);

-- What earlier versions computed, per month, table and key. A key whose rows carry one category
-- had that category from its factor or from rows that all agree: either way the view gives it back.
-- The location-based factor's value comes from its list, or from the figures if the list is gone.
INSERT INTO applied_factors
SELECT e.period, e.activity_table, a.activity_key, min(e.source), min(e.ladder_scope), min(e.ghg_scope),
       CASE WHEN count(DISTINCT e.ghg_category) = 1 THEN min(e.ghg_category) END,
       min(e.factor_id), min(e.factor_kg_co2e_per_unit), min(e.location_factor_id),
       CASE WHEN min(e.location_factor_id) IS NOT NULL THEN coalesce(
           min(lf.value_kg_co2e_per_unit),
           max(CASE WHEN e.quantity <> 0 THEN e.location_emissions_kg_co2e / e.quantity END)) END
FROM emissions e
JOIN (
    SELECT 'fuel_transactions' AS activity_table, activity_id, activity_key FROM fuel_transactions
    UNION ALL
    SELECT 'meter_usage', activity_id, activity_key FROM meter_usage
    UNION ALL
    SELECT 'supplier_activity', activity_id, activity_key FROM supplier_activity
) a ON a.activity_table = e.activity_table AND a.activity_id = e.activity_id
LEFT JOIN factors lf ON lf.factor_id = e.location_factor_id
WHERE a.activity_key IS NOT NULL
GROUP BY e.period, e.activity_table, a.activity_key;

-- The BI views read emissions; they are recreated after every migration, with the view emissions.
DROP VIEW IF EXISTS v_lineage;
DROP VIEW IF EXISTS v_emissions_monthly;
DROP TABLE emissions;
-- The view that replaces it is sql/views/emissions.sql, recreated with the BI views.
