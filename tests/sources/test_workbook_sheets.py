"""Workbooks with several sheets: the data sheet is found wherever it stands."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from footprint.sources import sheets
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import detect_format

energy_overview_xlsx = builtin_format("energy_overview_xlsx")

OXXIO = Path(__file__).parent / "real_samples" / "Oxxio" / "Oxxio.Verbruik_05-06-2023-22-01-2024.xlsx"
EAN = ["electricity=871687120061402458", "gas=871687140061402463"]


def test_a_cover_sheet_before_the_data_is_passed_over(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(OXXIO)
    cover = workbook.create_sheet("Voorblad", 0)
    cover.append(["Verbruiksoverzicht"])
    cover.append(["Klant", "Jansen"])
    cover.append(["Periode", "05-06-2023 t/m 22-01-2024"])
    covered = tmp_path / "with_cover.xlsx"
    workbook.save(covered)
    assert detect_format(covered).NAME == "energy_overview_xlsx"
    assert sheets.data_sheet_name(covered, energy_overview_xlsx.sniff) == "Sheet 1"
    assert energy_overview_xlsx.read(covered, ean=EAN).equals(energy_overview_xlsx.read(OXXIO, ean=EAN))
