-- Per month and file: rows read, loaded, quarantined and excluded, failed checks, whether a
-- corrected file has superseded it, and how many quarantined rows another file already counts.
CREATE OR REPLACE VIEW v_data_quality AS
WITH files AS (
    SELECT period, dataset, source_format, file_name, file_sha256,
           rows_read, rows_loaded, rows_quarantined, rows_excluded, superseded_by, rows_already_counted
    FROM raw_files
),
reasons AS (
    SELECT file_sha256, count(*) AS failed_checks, count(DISTINCT expectation) AS failed_rules
    FROM quarantine
    WHERE closed_at IS NULL  -- entries a corrected or reprocessed file resolved are history
    GROUP BY file_sha256
)
SELECT
    f.period,
    CAST(EXTRACT(YEAR FROM f.period) AS INTEGER) AS year,
    CAST(EXTRACT(MONTH FROM f.period) AS INTEGER) AS month,
    f.dataset,
    f.source_format,
    f.file_name,
    f.file_sha256,
    f.rows_read,
    f.rows_loaded,
    f.rows_quarantined,
    f.rows_excluded,
    CASE WHEN f.rows_read = 0 THEN 0.0 ELSE CAST(f.rows_quarantined AS DOUBLE PRECISION) / f.rows_read END
        AS quarantined_share,
    coalesce(r.failed_checks, 0) AS failed_checks,
    coalesce(r.failed_rules, 0)  AS failed_rules,
    f.superseded_by,
    coalesce(f.rows_already_counted, 0) AS rows_already_counted
FROM files f
LEFT JOIN reasons r ON r.file_sha256 = f.file_sha256;
