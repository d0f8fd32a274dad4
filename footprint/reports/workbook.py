"""report.xlsx: one sheet per section of the summary plus the emission rows behind the period (v_lineage).

Interval meter rows are summed per meter, file and month there (EMISSION_LINES_NOTE, written on the sheet):
10 M 15-minute rows become a few thousand lines; an xlsx sheet holds 1,048,575. Written in
openpyxl's write-only mode, which streams through lxml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import sqlalchemy as sa
from openpyxl.cell.cell import TYPE_STRING, WriteOnlyCell
from openpyxl.utils import get_column_letter

from footprint.config import Workspace
from footprint.pipeline import warehouse
from footprint.queries import INTERVAL_FILES_CTE, PERIOD_ROWS_CTE
from footprint.reports.summary import parse_half

_FORMULA_START = ("=", "+", "-", "@")


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, value)]


def _as_cell(sheet: Any, value: Any) -> Any:
    """A value as openpyxl writes it; formula-looking text stays text: a report never evaluates what a file said."""
    if isinstance(value, (list, dict)):
        value = str(value)
    elif isinstance(value, (dt.datetime, pd.Timestamp)) and getattr(value, "tzinfo", None) is not None:
        value = value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = TYPE_STRING
        return cell
    return value


def _column(sheet: Any, values: pd.Series) -> list[Any]:
    """One column's cells. Numbers pass as they are; only text that looks like a formula is wrapped,
    and only object columns (dates, lists, mixed values) need a look at every value."""
    if values.dtype == object:
        return [_as_cell(sheet, v) for v in values.where(values.notna(), None).tolist()]
    cells = values.astype(object).where(values.notna(), None).tolist()
    if pd.api.types.is_string_dtype(values):
        risky = values.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
        for i in risky.nonzero()[0]:
            cells[i] = _as_cell(sheet, cells[i])
    return cells


def _frame_sheet(book: openpyxl.Workbook, title: str, frame: pd.DataFrame, empty: str,
                 first_width: int | None = None, notes: tuple[str, ...] = ()) -> None:
    """A table on a sheet; `notes`, what the reader needs to read it, one line each above a blank row and the header."""
    sheet = book.create_sheet(title[:31])
    for note in notes:
        sheet.append([note])
    if notes:
        sheet.append([])
    if frame.empty:
        sheet.append([empty])
        return
    for c, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = max(12, min(40, len(str(name)) + 2))
    if first_width:
        sheet.column_dimensions["A"].width = first_width
    header_row = len(notes) + (1 if notes else 0) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([_as_cell(sheet, str(name)) for name in frame.columns])
    for row in zip(*(_column(sheet, frame[name]) for name in frame.columns)):
        sheet.append(row)


def _table_sheet(book: openpyxl.Workbook, title: str, rows: list[dict[str, Any]], empty: str) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    _frame_sheet(book, title, pd.DataFrame(rows, columns=columns, dtype=object), empty)


def _key_value_sheet(book: openpyxl.Workbook, title: str, data: dict[str, Any]) -> None:
    _frame_sheet(book, title, pd.DataFrame(_flatten(data), columns=["key", "value"], dtype=object), "", 60)


EMISSION_LINES_NOTE = (
    "One line per emission row, except interval meter rows (15-minute, hourly or daily readings): those are "
    "summed per meter (subject: the EAN), file, month, factor and data quality, as a year of them would not fit "
    "a sheet. Monthly meter readings, fuel-card and supplier rows are one line each.",
    "activity_rows: the rows a line sums; source_row to last_source_row: the first and last of their lines in the "
    "file, which the raw store keeps at stored_path under its file_sha256; activity_id is given for a line of one row.",
    "quantity, emissions_kg_co2e and location_emissions_kg_co2e are the sums of the rows'. Each row's kg CO2e is "
    "its quantity x factor_kg_co2e_per_unit (sheet Checks: rows_quantity_times_factor), so a line's kg is its "
    "quantity x factor, to rounding.",
    "The rows behind a meter line: footprint explain --period YYYY-MM --meter EAN --source SOURCE, or the "
    "warehouse view v_lineage with that file_sha256 and subject.",
)

# v_lineage for the period (queries.PERIOD_ROWS_CTE), the rows of interval files summed per meter, file,
# month and factor before the raw file and factor are joined: at 10 M rows that sums ten million rows,
# not joins them.
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


def emission_lines(ws: Workspace, half: str) -> pd.DataFrame:
    """The period's emission rows as the workbook lists them (see EMISSION_LINES_NOTE), a few thousand lines."""
    year, h = parse_half(half)
    with warehouse(ws).connect() as conn:
        result = conn.execute(
            sa.text(_EMISSION_LINES_SQL),
            {"start": dt.date(year, 1, 1), "end": dt.date(year, 6 if h == 1 else 12, 1)},
        )
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def write_workbook(ws: Workspace, summary: dict[str, Any], path: Path) -> Path:
    """Write report.xlsx; emissions are exact kg CO2e as in summary.json."""
    book = openpyxl.Workbook(write_only=True)  # streamed: a year of 15-minute rows in seconds
    e = summary["emissions"]
    _key_value_sheet(book, "1 Overview", {
        "organisation": summary["organisation"], "half": summary["half"], "period": summary["period"],
        "base_year": summary["base_year"], "schema_version": summary["schema_version"],
        "emissions": {k: v for k, v in e.items() if not isinstance(v, list)},
        "second_half_only": summary["second_half_only"] or "n/a (H1)",
    })
    _table_sheet(book, "1 By ladder scope", e["by_ladder_scope"], "no emissions in the period")
    _table_sheet(book, "1 By GHG scope", e["by_ghg_scope"], "no emissions in the period")
    _table_sheet(book, "1 By source", e["by_source"], "no emissions in the period")
    _table_sheet(book, "1 By site", e["by_site"], "no emissions in the period")
    _table_sheet(book, "1 Energy per carrier", summary["energy"]["by_carrier"], "no energy data in the period")
    _table_sheet(book, "1 Monthly emissions", summary["monthly_emissions"] + summary["base_year_monthly_emissions"],
                 "no emissions")
    _key_value_sheet(book, "2 Comparison", summary["comparison"])
    _table_sheet(book, "3 Targets", [{k: v for k, v in t.items() if k != "history"}
                                     for t in summary["targets"]["items"]], "no targets configured")
    _table_sheet(book, "4 Alerts", summary["alerts"], "no alerts recorded")
    dq = summary["data_quality"]
    _key_value_sheet(book, "5 Data quality", {k: v for k, v in dq.items() if not isinstance(v, list)})
    _table_sheet(book, "5 Files per month", dq["files_per_month"], "no files in the period")
    _table_sheet(book, "5 Missing", summary["missing"]["items"], "no months or sources missing")
    _table_sheet(book, "6 Factor lists", summary["factor_lists"], "no factor list used")
    _table_sheet(book, "6 Restatements", summary["restatements"], "no restatements in the period")
    _table_sheet(book, "7 Measures", summary["measures"], "no measures configured")
    _table_sheet(book, "Checks", summary["checks"], "no checks")
    _table_sheet(book, "8 Projects", summary["projects"], "no projects with a CO2 award advantage configured")
    _frame_sheet(book, "Emission rows", emission_lines(ws, summary["half"]), "no emission rows in the period",
                 notes=EMISSION_LINES_NOTE)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
