-- footprint's own view, not granted to BI roles: the emission rows, derived (schema versions 5 and 8).
-- One emission figure per activity row (key: activity_table, activity_id). Electricity carries the
-- market-based figure in emissions_kg_co2e and the grid-average one beside it; for every other
-- source both are equal. A supplier's own figure counts where no factor applies. source_row is the
-- line in the raw file, subject the vehicle (plate), meter (EAN) or supplier the row is about.
-- quantity and unit are the row's own; list_quantity is that quantity in the factor's unit
-- (list_unit), reached along unit_route (natural gas kWh x 3.6 / 31.65 MJ/Nm3, say): the figure is
-- quantity x unit_multiplier x factor. fallback_note says when the factor came from another list
-- than the factor policy's (a partial list).
CREATE OR REPLACE VIEW emissions AS
SELECT a.period, CAST('fuel_transactions' AS VARCHAR) AS activity_table, a.activity_id, a.file_sha256, a.site_id,
       k.source, k.ladder_scope, k.ghg_scope, k.ghg_category, a.quantity, a.unit,
       k.factor_id, k.factor_kg_co2e_per_unit,
       a.quantity * k.unit_multiplier * k.factor_kg_co2e_per_unit AS emissions_kg_co2e,
       k.location_factor_id, a.quantity * k.unit_multiplier * k.location_factor_kg_co2e_per_unit
           AS location_emissions_kg_co2e,
       CAST('primary' AS VARCHAR) AS data_quality, a.source_row, a.plate AS subject,
       a.quantity * k.unit_multiplier AS list_quantity, k.list_unit, k.unit_route, k.fallback_note
FROM fuel_transactions a
JOIN applied_factors k
  ON k.period = a.period AND k.activity_table = 'fuel_transactions' AND k.activity_key = a.activity_key
 AND k.unit = a.unit
UNION ALL
SELECT a.period, 'meter_usage', a.activity_id, a.file_sha256, a.site_id,
       k.source, k.ladder_scope, k.ghg_scope, k.ghg_category, a.quantity, a.unit,
       k.factor_id, k.factor_kg_co2e_per_unit, a.quantity * k.unit_multiplier * k.factor_kg_co2e_per_unit,
       k.location_factor_id, a.quantity * k.unit_multiplier * k.location_factor_kg_co2e_per_unit,
       CASE WHEN a.estimated THEN 'secondary' ELSE 'primary' END, a.source_row, a.ean,
       a.quantity * k.unit_multiplier, k.list_unit, k.unit_route, k.fallback_note
FROM meter_usage a
JOIN applied_factors k
  ON k.period = a.period AND k.activity_table = 'meter_usage' AND k.activity_key = a.activity_key AND k.unit = a.unit
UNION ALL
SELECT a.period, 'supplier_activity', a.activity_id, a.file_sha256, CAST(NULL AS VARCHAR),
       k.source, k.ladder_scope, k.ghg_scope, COALESCE(k.ghg_category, a.ghg_category), a.quantity, a.unit,
       k.factor_id, k.factor_kg_co2e_per_unit,
       CASE WHEN k.factor_id IS NULL THEN a.reported_kg_co2e
            ELSE a.quantity * k.unit_multiplier * k.factor_kg_co2e_per_unit END,
       k.location_factor_id,
       CASE WHEN k.location_factor_id IS NULL THEN a.reported_kg_co2e
            ELSE a.quantity * k.unit_multiplier * k.location_factor_kg_co2e_per_unit END,
       a.data_quality, a.source_row, a.supplier,
       a.quantity * k.unit_multiplier, k.list_unit, k.unit_route, k.fallback_note
FROM supplier_activity a
JOIN applied_factors k
  ON k.period = a.period AND k.activity_table = 'supplier_activity' AND k.activity_key = a.activity_key
 AND k.unit = a.unit;
