"""project.xlsx: one sheet per section of a project summary and the allocated emission rows behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from footprint.reports.sheets import key_value_sheet, table_sheet


def write_project_workbook(summary: dict[str, Any], emission_rows: pd.DataFrame, path: Path) -> Path:
    """Write project.xlsx, exact kg; emission_rows: footprint.reports.project.project_emission_rows of the summary."""
    book = openpyxl.Workbook(write_only=True)
    e = summary["emissions"]
    key_value_sheet(book, "Overview", {
        "organisation": summary["organisation"], "project": summary["project"], "period": summary["period"],
        "schema_version": summary["schema_version"], "allocation_rule": summary["allocation"]["rule"],
        "emissions": {k: v for k, v in e.items() if not isinstance(v, list)},
        "data_gaps": summary["data_gaps"]["count"],
    })
    table_sheet(book, "Allocation rules", summary["items"], "no allocation rules")
    table_sheet(book, "By ladder scope", e["by_ladder_scope"], "no emissions in the period")
    table_sheet(book, "By GHG scope", e["by_ghg_scope"], "no emissions in the period")
    table_sheet(book, "Activity lines", summary["lines"], "no emissions in the period")
    table_sheet(book, "Monthly", summary["monthly"], "no emissions in the period")
    table_sheet(book, "Energy", summary["energy"], "no energy in the period")
    table_sheet(book, "Factor lists", summary["factor_lists"], "no factor list used")
    table_sheet(book, "Factors", summary["factors"], "no factor used")
    table_sheet(book, "Data gaps", summary["data_gaps"]["items"], "no data gaps for the allocated items")
    table_sheet(book, "Emission rows",
                emission_rows.astype(object).where(emission_rows.notna(), None).to_dict("records"),
                "no emission rows in the period")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
