-- Energy and fuel use per month, site and carrier, in the units the data came in.
CREATE OR REPLACE VIEW v_energy_monthly AS
WITH meters AS (
    SELECT period, site_id, carrier, direction, unit, quantity, estimated, ean AS subject
    FROM meter_usage
),
fuels AS (
    SELECT period, site_id, fuel AS carrier, 'consumption' AS direction, unit, quantity, FALSE AS estimated,
           plate AS subject
    FROM fuel_transactions
    WHERE excluded_reason IS NULL
),
combined AS (
    SELECT * FROM meters
    UNION ALL
    SELECT * FROM fuels
)
SELECT
    period,
    CAST(EXTRACT(YEAR FROM period) AS INTEGER) AS year,
    CAST(EXTRACT(MONTH FROM period) AS INTEGER) AS month,
    site_id,
    carrier,
    direction,
    unit,
    sum(quantity)                                           AS quantity,
    sum(CASE WHEN estimated THEN quantity ELSE 0 END)       AS estimated_quantity,
    count(DISTINCT subject)                                 AS meters_or_vehicles,
    count(*)                                                AS activity_rows
FROM combined
GROUP BY period, site_id, carrier, direction, unit;
