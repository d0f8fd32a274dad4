-- Every emission figure with the chain behind it: activity row, raw file and line, factor and list.
CREATE OR REPLACE VIEW v_lineage AS
WITH activities AS (
    SELECT 'fuel_transactions' AS activity_table, activity_id, source_row, plate AS subject
    FROM fuel_transactions
    UNION ALL
    SELECT 'meter_usage', activity_id, source_row, ean FROM meter_usage
    UNION ALL
    SELECT 'supplier_activity', activity_id, source_row, supplier FROM supplier_activity
)
SELECT
    e.period,
    e.ladder_scope,
    e.ghg_scope,
    e.ghg_category,
    e.site_id,
    e.source,
    a.subject,
    e.activity_table,
    e.activity_id,
    r.file_name,
    a.source_row,
    r.file_sha256,
    r.source_format,
    r.stored_path,
    e.quantity,
    e.unit,
    e.factor_id,
    f.name                       AS factor_name,
    f.list_year                  AS factor_list_year,
    f.version                    AS factor_list_version,
    e.factor_kg_co2e_per_unit,
    e.emissions_kg_co2e,
    e.location_emissions_kg_co2e,
    e.data_quality,
    r.source_sheet
FROM emissions e
JOIN activities a ON a.activity_table = e.activity_table AND a.activity_id = e.activity_id
JOIN raw_files r ON r.file_sha256 = e.file_sha256
LEFT JOIN factors f ON f.factor_id = e.factor_id;
