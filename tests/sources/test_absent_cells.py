"""Issue 14, absent is not bad: in a wide layout an empty (or `-`) cell is no reading and gives no row.

Rows and missing quantities are counted here straight from the cells with openpyxl, independently of
the readers (which use python-calamine): every non-empty register cell is one row, and only a
non-empty cell that is not a number gives a missing quantity. The modified copies of the real samples
are the case that gave 21,199 quarantined rows: a meter without feed-in whose export leaves the
feed-in cells empty.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from footprint.sources.meter_profile import builtin_format

energy_overview_xlsx = builtin_format("energy_overview_xlsx")
greenchoice_csv = builtin_format("greenchoice_csv")
liander_csv = builtin_format("liander_csv")
slimmemeterportal_xlsx = builtin_format("slimmemeterportal_xlsx")

SAMPLES = Path(__file__).parent / "real_samples"
SMP_ELECTRICITY = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
SMP_GAS = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"
ENECO = SAMPLES / "Eneco" / "Verbruik_01-01-2020-31-12-2020.xlsx"
OXXIO = SAMPLES / "Oxxio" / "Oxxio.Verbruik_05-06-2023-22-01-2024.xlsx"
GREENCHOICE = SAMPLES / "GreenChoice" / "meterstanden_stroom_2023.csv"
LIANDER = SAMPLES / "Liander" / "csv_bijlage.csv"
HOUSE_ELECTRICITY = "871687120061402458"
HOUSE_GAS = "871687140013926764"
SMP_REGISTERS = ("levering_normaal", "levering_laag", "teruglevering_normaal", "teruglevering_laag", "levering")


def _sheet(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() not in ("", "-")


def _unreadable(cell: object) -> bool:
    try:
        float(str(cell).replace(".", "").replace(",", ".") if isinstance(cell, str) else cell)  # type: ignore[arg-type]
    except ValueError:
        return True
    return False


def _expected(rows: list[tuple], columns: list[int]) -> tuple[int, int]:
    """(rows, missing quantities) the cells call for: one row per filled cell, missing where unreadable."""
    cells = [row[c] for row in rows for c in columns if c < len(row)]
    filled = [cell for cell in cells if _filled(cell)]
    return len(filled), sum(_unreadable(cell) for cell in filled)


def _smp_expected(path: Path) -> tuple[int, int]:
    rows = _sheet(path)
    header = list(rows[0])
    return _expected(rows[1:], [header.index(name) for name in SMP_REGISTERS if name in header])


def _overview_expected(path: Path) -> tuple[int, int]:
    rows = _sheet(path)
    names = [str(n or "") for n in rows[1]]
    return _expected(rows[2:], [i for i, n in enumerate(names) if n.startswith(("Verbruik", "Teruglevering"))])


@pytest.mark.parametrize(
    ("path", "ean", "expected"),
    [
        pytest.param(SMP_ELECTRICITY, "871687120058657526", _smp_expected, id="smp-electricity"),
        pytest.param(SMP_GAS, "871687140002948685", _smp_expected, id="smp-gas"),
        pytest.param(ENECO, HOUSE_ELECTRICITY, _overview_expected, id="eneco"),
        pytest.param(OXXIO, [HOUSE_ELECTRICITY, HOUSE_GAS], _overview_expected, id="oxxio"),
    ],
)
def test_real_samples_have_a_row_per_filled_cell_and_no_missing_quantity_from_empty_cells(
    path: Path, ean: object, expected: object
) -> None:
    rows, unreadable = expected(path)  # type: ignore[operator]
    reader = slimmemeterportal_xlsx if "SlimmeMeterPortal" in str(path) else energy_overview_xlsx
    frame = reader.read(path, ean=ean)
    assert len(frame) == rows
    assert int(frame["quantity"].isna().sum()) == unreadable == 0


@pytest.fixture(scope="module")
def smp_without_feed_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The electricity sample as a meter without feed-in exports it, with an hour lost and one bad cell.

    Feed-in cells emptied on every row; both consumption cells of spreadsheet rows 100-103 emptied (their
    timestamps mark the ends of the quarter hours of 2 January 00:30-01:30); row 200's consumption cell
    replaced by "abc".
    """
    rows = _sheet(SMP_ELECTRICITY)
    header = list(rows[0])
    feed_in = [header.index("teruglevering_normaal"), header.index("teruglevering_laag")]
    consumption = [header.index("levering_normaal"), header.index("levering_laag")]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Data for 2023")
    sheet.append(header)
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row)
        for column in feed_in:
            cells[column] = ""
        if 100 <= number <= 103:
            for column in consumption:
                cells[column] = ""
        if number == 200:
            filled = next(c for c in consumption if _filled(cells[c]))
            cells[filled] = "abc"
        sheet.append(cells)
    path = tmp_path_factory.mktemp("smp") / "data_2023_no_feed_in.xlsx"
    workbook.save(path)
    return path


def test_a_meter_without_feed_in_gives_no_feed_in_rows_and_one_note(smp_without_feed_in: Path) -> None:
    rows, unreadable = _smp_expected(smp_without_feed_in)
    assert (rows, unreadable) == (35040 - 4, 1)  # every quarter hour but the 4 emptied ones; "abc"
    frame, notes = slimmemeterportal_xlsx.read_with_report(smp_without_feed_in, ean="871687120058657526")
    assert len(frame) == rows
    assert int(frame["quantity"].isna().sum()) == unreadable
    assert frame.loc[frame["quantity"].isna(), "source_row"].tolist() == [200]
    assert (frame["direction"] == "consumption").all()
    no_readings = [n for n in notes if n.kind == "no_readings"]
    assert len(no_readings) == 1
    # "values", not "readings": the cells are usage per quarter hour (the profile's values: usage)
    assert "no feed-in values in this file" in no_readings[0].message
    gaps = [n for n in notes if n.kind == "gap"]
    assert [(n.row, "(4 missing)" in n.message) for n in gaps] == [(104, True)]


def test_an_overview_without_feed_in_values_gives_no_feed_in_rows(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(OXXIO)
    sheet = workbook.worksheets[0]
    names = [str(c.value or "") for c in sheet[2]]
    emptied = [i + 1 for i, name in enumerate(names) if name.startswith("Teruglevering")]
    for row in range(3, sheet.max_row + 1):
        for column in emptied:
            sheet.cell(row=row, column=column).value = None
    path = tmp_path / "oxxio_no_feed_in.xlsx"
    workbook.save(path)
    rows, unreadable = _overview_expected(path)
    assert (rows, unreadable) == (232 * 3, 0)  # low and high consumption and gas, 232 days
    frame, notes = energy_overview_xlsx.read_with_report(path, ean=[HOUSE_ELECTRICITY, HOUSE_GAS])
    assert len(frame) == rows and not frame["quantity"].isna().any()
    assert "feed_in" not in set(frame["direction"])
    assert [n.kind for n in notes].count("no_readings") == 1


def test_readings_without_feed_in_give_no_feed_in_rows_and_one_note(tmp_path: Path) -> None:
    with GREENCHOICE.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    for row in rows[1:]:
        row[3] = row[4] = ""
    path = tmp_path / "greenchoice.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    frame, notes = greenchoice_csv.read_with_report(path, ean=HOUSE_ELECTRICITY)
    assert set(frame["direction"]) == {"consumption"}
    assert len(frame) == 2 * (len(rows) - 2)  # two registers, one row per pair of consecutive readings
    assert not frame["quantity"].isna().any()
    assert [n.kind for n in notes if n.kind == "no_readings"] == ["no_readings"]


def test_liander_without_feed_in_readings(tmp_path: Path) -> None:
    lines = LIANDER.read_text().splitlines()
    header = [name.strip() for name in lines[0].split(",")]
    emptied = [header.index(name) for name in ("reading3", "usage3", "reading4", "usage4")]
    rewritten = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        for column in emptied:
            cells[column] = ""
        rewritten.append(",".join(cells))
    path = tmp_path / "liander.csv"
    path.write_text("\n".join(rewritten) + "\n")
    frame, notes = liander_csv.read_with_report(path)
    electricity = frame[frame["unit"] == "kWh"]
    assert set(electricity["direction"]) == {"consumption"}
    assert not np.isnan(frame["quantity"].to_numpy()).any()
    assert [n.kind for n in notes].count("no_readings") == 1
    assert pd.Series([n.kind for n in notes]).ne("skipped_reading").all()
