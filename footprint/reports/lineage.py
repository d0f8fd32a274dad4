"""What a half-year report's figures rest on: the emission lines report.xlsx lists and the input files the
archive's manifest names. Queried here so that the workbook and the archive only write what they are given.
"""

from __future__ import annotations

import pandas as pd

from footprint.config.workspace import Workspace
from footprint.periods import Half
from footprint.queries import INTERVAL_FILES_CTE, PERIOD_ROWS_CTE
from footprint.reports.frames import frame

# v_lineage for the period (queries.PERIOD_ROWS_CTE), the rows of interval files summed per meter, file,
# month and factor before the raw file and factor are joined: at 10 M rows that sums ten million rows,
# not joins them. An xlsx sheet holds 1,048,575 lines; the sheet says so (labels xl_lines_note_1..4).
_EMISSION_LINES_SQL = f"""
WITH {PERIOD_ROWS_CTE},
{INTERVAL_FILES_CTE},
lines AS (
    SELECT p.period, p.ladder_scope, p.ghg_scope, p.ghg_category, p.site_id, p.source, p.subject, p.activity_table,
           count(*) AS activity_rows,
           CASE WHEN count(*) = 1 THEN left(p.file_sha256, 16) || '-' || CAST(min(p.source_row) AS VARCHAR) END
               AS activity_id,
           p.file_sha256, min(p.source_row) AS source_row, max(p.source_row) AS last_source_row,
           sum(p.quantity) AS quantity, p.unit, p.factor_id, p.factor_kg_co2e_per_unit,
           sum(p.emissions_kg_co2e) AS emissions_kg_co2e,
           sum(p.location_emissions_kg_co2e) AS location_emissions_kg_co2e, p.data_quality
    FROM period_rows p LEFT JOIN interval_files i ON i.file_sha256 = p.file_sha256
    GROUP BY p.period, p.ladder_scope, p.ghg_scope, p.ghg_category, p.site_id, p.source, p.subject,
             p.activity_table, p.file_sha256, p.unit, p.factor_id, p.factor_kg_co2e_per_unit, p.data_quality,
             CASE WHEN i.file_sha256 IS NULL THEN p.source_row END  -- a file's line: its activity_id
)
SELECT l.period, l.ladder_scope, l.ghg_scope, l.ghg_category, l.site_id, l.source, l.subject, l.activity_table,
       l.activity_rows, l.activity_id, r.file_name, l.source_row, l.last_source_row, l.file_sha256,
       r.source_format, r.stored_path, l.quantity, l.unit, l.factor_id, f.name AS factor_name,
       f.list_year AS factor_list_year, f.version AS factor_list_version, l.factor_kg_co2e_per_unit,
       l.emissions_kg_co2e, l.location_emissions_kg_co2e, l.data_quality, r.source_sheet
FROM lines l
JOIN raw_files r ON r.file_sha256 = l.file_sha256
LEFT JOIN factors f ON f.factor_id = l.factor_id
ORDER BY l.period, l.ladder_scope, l.source, r.file_name, l.source_row, l.subject
"""

_INPUT_FILES_SQL = "SELECT DISTINCT file_sha256 FROM emissions WHERE period BETWEEN :first AND :last ORDER BY 1"


def emission_lines(ws: Workspace, half: Half) -> pd.DataFrame:
    """The period's emission rows as report.xlsx lists them, interval rows summed: a few thousand lines."""
    return frame(ws, _EMISSION_LINES_SQL, start=half.first_month, end=half.last_month)


def input_files(ws: Workspace, half: Half) -> list[str]:
    """SHA-256 of every raw file behind the period's emission rows, sorted."""
    found = frame(ws, _INPUT_FILES_SQL, first=half.first_month, last=half.last_month)
    return [str(sha) for sha in found["file_sha256"]]
