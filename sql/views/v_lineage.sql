-- Every emission figure with the chain behind it: activity row, raw file and line, unit route, factor and list.
-- emissions_kg_co2e = quantity (unit) -> list_quantity (list_unit) along unit_route, x the factor.
-- A file a pull connector fetched names the source, the request and when (pulled_files; the first
-- time; the first source and request by name when the same content came twice); a file dropped into the
-- inbox by hand has them empty.
CREATE OR REPLACE VIEW v_lineage AS
SELECT
    e.period,
    e.ladder_scope,
    e.ghg_scope,
    e.ghg_category,
    e.site_id,
    e.source,
    e.subject,
    e.activity_table,
    e.activity_id,
    r.file_name,
    e.source_row,
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
    r.source_sheet,
    e.list_quantity,
    e.list_unit,
    e.unit_route,
    e.fallback_note,
    f.mj_per_unit                AS factor_mj_per_unit,
    p.pulled_by,
    p.pull_request,
    p.pulled_at
FROM emissions e
JOIN raw_files r ON r.file_sha256 = e.file_sha256
LEFT JOIN factors f ON f.factor_id = e.factor_id
LEFT JOIN (
    SELECT file_sha256, MIN(source) AS pulled_by, MIN(request) AS pull_request, MIN(fetched_at) AS pulled_at
    FROM pulled_files
    WHERE file_sha256 <> ''
    GROUP BY file_sha256
) p ON p.file_sha256 = e.file_sha256;
