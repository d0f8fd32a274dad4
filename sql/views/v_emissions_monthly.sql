-- Emissions per month, scope, site and source: the view BI dashboards start from.
CREATE OR REPLACE VIEW v_emissions_monthly AS
WITH emission_rows AS (
    SELECT * FROM emissions
),
monthly AS (
    SELECT
        period,
        CAST(EXTRACT(YEAR FROM period) AS INTEGER)   AS year,
        CAST(EXTRACT(MONTH FROM period) AS INTEGER)  AS month,
        ladder_scope,
        ghg_scope,
        ghg_category,
        site_id,
        source,
        unit,
        sum(quantity)                   AS quantity,
        sum(emissions_kg_co2e)          AS emissions_kg_co2e,
        sum(location_emissions_kg_co2e) AS location_emissions_kg_co2e,
        count(*)                        AS activity_rows,
        sum(CASE WHEN data_quality = 'primary' THEN emissions_kg_co2e ELSE 0 END) AS primary_kg_co2e
    FROM emission_rows
    GROUP BY period, ladder_scope, ghg_scope, ghg_category, site_id, source, unit
)
SELECT * FROM monthly;
