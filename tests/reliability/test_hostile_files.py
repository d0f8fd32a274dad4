"""Hostile raw files and profiles (issue 15, points 5, 6, 9 and 10) beyond what the corpus can express.

- Point 5: a workbook built like the issue's (a few hundred KB unpacking to 1.84 million rows) is
  refused before it is read, measured as peak memory in a fresh process (Linux's /proc): the refusal costs a few MB
  where a spreadsheet reader needs hundreds; each limit (compression, unpacked size, rows) is shown
  on the same file by raising the others, and a long CSV is refused without being read whole.
- Point 6: the error for a profile that is a copy of /etc/shadow names no line or key of it, neither
  in the command's output nor in what Prefect stores about the run (state messages and logs).
- Point 9: a month or date of 0001, 9999 or beyond pandas' nanosecond range (1677, 2263) in any
  column of the tiny company's formats, or in a workbook's date cell, never raises: the row is
  quarantined and the others pass.
- Point 10: numbers are read as written, an overflow as infinity, so the bounds quarantine them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from company_files import ALL_FILES, PERIOD, write_company
from typer.testing import CliRunner

from footprint import schemas
from footprint.errors import ConfigError, InputFileError
from footprint.resources import close_warehouses
from footprint.sources import sheets
from footprint.sources.cell_numbers import decimal, point_decimal
from footprint.sources.cell_times import local_date
from footprint.sources.fuelcard_profile import load_profile
from footprint.sources.registry import detect_format
from footprint.sources.supplier_template_writer import write_supplier_template
from footprint.validation.context import ValidationContext
from footprint.validation.gate import validate
from footprint_cli import app

ROW = b'<row><c t="inlineStr"><is><t>Diesel</t></is></c><c><v>50</v></c><c><v>1.859</v></c></row>'
BOMB_ROWS = 1_840_000
SECRET = "secrethash"
SHADOW = f"root:$6${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"

# Run in a fresh interpreter: the peak resident memory an action adds to what importing footprint took.
# The kernel's high-water mark of this process (VmHWM), not getrusage's ru_maxrss, which a child keeps
# from the process it was forked from (pytest, hundreds of MB after a few flows).
_MEASURE = """
import json, sys
from pathlib import Path
from footprint.errors import InputFileError
from footprint.sources.registry import detect_format
from python_calamine import CalamineWorkbook

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

path, action = Path(sys.argv[1]), sys.argv[2]
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the high-water mark starts again from here (Linux 4.0+), whatever came before
before = peak_kb()
message = None
try:
    if action == "calamine":
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    else:
        detect_format(path).read(path)
except InputFileError as exc:
    message = str(exc)
after = peak_kb()
print(json.dumps({"grown_mb": (after - before) / 1024, "message": message, "peak_mb": after / 1024}))
"""


def _measure(path: Path, action: str = "footprint", **env: str) -> tuple[float, str | None]:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), action],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=600, check=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{path.name} ({action}): peak {found['peak_mb']:.0f} MB, {found['grown_mb']:.0f} MB above the imports")
    return found["grown_mb"], found["message"]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's workbook rebuilt: 1.84 million identical rows, 164 MB of sheet packed into about 560 KB."""
    path = tmp_path_factory.mktemp("bomb") / "tankpas.xlsx"
    book = openpyxl.Workbook()
    raw = io.BytesIO()
    book.save(raw)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename != "xl/worksheets/sheet1.xml":
                out.writestr(part.filename, data)
                continue
            head = data.split(b"<sheetData")[0]
            with out.open(part.filename, "w") as sheet:
                sheet.write(head + b"<sheetData>")
                for _ in range(BOMB_ROWS // 10_000):
                    sheet.write(ROW * 10_000)
                sheet.write(b"</sheetData></worksheet>")
    return path


def test_the_bomb_is_what_the_issue_describes(bomb: Path) -> None:
    assert bomb.stat().st_size < 1_000_000
    assert sheet_size(bomb) > 160_000_000


def test_a_zip_bomb_is_refused_before_it_is_read(bomb: Path) -> None:
    reader_mb, _ = _measure(bomb, "calamine")  # what reading its sheet alone costs
    grown_mb, message = _measure(bomb)
    ratio = sheet_size(bomb) / packed_size(bomb)
    assert message == (
        f"{bomb}: part xl/worksheets/sheet1.xml unpacks to {ratio:,.0f} times its packed size, beyond the limit of 100 "
        "(FOOTPRINT_MAX_XLSX_COMPRESSION_RATIO raises it): a zip bomb; not read"
    )
    assert reader_mb > 250
    assert grown_mb < 20


def test_the_unpacked_size_limit_refuses_it_when_the_ratio_is_allowed(bomb: Path) -> None:
    grown_mb, message = _measure(
        bomb, FOOTPRINT_MAX_XLSX_COMPRESSION_RATIO="1000", FOOTPRINT_MAX_XLSX_UNCOMPRESSED_MB="100"
    )
    assert message == (
        f"{bomb}: a workbook that unpacks to {total_size(bomb) / 1e6:,.0f} MB, beyond the limit of 100 MB "
        "(FOOTPRINT_MAX_XLSX_UNCOMPRESSED_MB raises it); not read"
    )
    assert grown_mb < 20


def test_the_row_limit_refuses_it_when_size_and_ratio_are_allowed(bomb: Path) -> None:
    grown_mb, message = _measure(
        bomb, FOOTPRINT_MAX_XLSX_COMPRESSION_RATIO="1000", FOOTPRINT_MAX_ROWS_PER_FILE="1000000"
    )
    assert message == (
        f"{bomb}: its sheets hold 1,840,000 rows, beyond the limit of 1,000,000 rows per file "
        "(FOOTPRINT_MAX_ROWS_PER_FILE raises it); not read"
    )
    assert grown_mb < 80  # the sheet streamed through in chunks of 4 MB, with their tag masks: 434 MB read whole


def test_a_csv_beyond_the_row_limit_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "vluchten.csv"
    line = b"10-03-2025;AMS;LHR;371;Economy;2\n"
    with path.open("wb") as handle:
        handle.write(b"Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers\n")
        for _ in range(20):
            handle.write(line * 150_000)  # 3 million lines, 100 MB
    grown_mb, message = _measure(path, FOOTPRINT_MAX_ROWS_PER_FILE="2000000")
    assert message == (
        f"{path}: more than 2,000,000 lines, beyond the limit of 2,000,000 rows per file "
        "(FOOTPRINT_MAX_ROWS_PER_FILE raises it); not read"
    )
    assert grown_mb < 20


def test_a_limit_that_is_not_a_number_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.xlsx"
    openpyxl.Workbook().save(path)
    monkeypatch.setenv("FOOTPRINT_MAX_ROWS_PER_FILE", "many")
    with pytest.raises(ConfigError) as caught:
        sheets.sheet_head(path)
    assert (str(caught.value), caught.value.exit_code) == ("FOOTPRINT_MAX_ROWS_PER_FILE='many': not a whole number", 2)


def test_an_ods_whose_repeated_rows_expand_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    """ODS repeats a row or cell by attribute: 200,000 rows of 100 cells in one kilobyte."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<?xml version="1.0"?><office:document-content xmlns:office="{office}" xmlns:table="{table}">'
        "<office:body><office:spreadsheet><table:table table:name=\"S\">"
        '<table:table-row table:number-rows-repeated="200000"><table:table-cell table:number-columns-repeated="100" '
        'office:value-type="float" office:value="1"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "repeats.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    with pytest.raises(InputFileError) as caught:
        detect_format(path)
    assert str(caught.value) == (
        f"{path}: content.xml reaches row 200,000 and column 100: 20,000,000 cells to lay out, more than the "
        "12,500,000 a workbook of 200 MB can hold (FOOTPRINT_MAX_XLSX_UNCOMPRESSED_MB raises it); not read"
    )


def sheet_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("xl/worksheets/sheet1.xml").file_size


def packed_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("xl/worksheets/sheet1.xml").compress_size


def total_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(part.file_size for part in archive.infolist())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(SHADOW, "<a key of 36 characters>: Extra inputs are not permitted; "
                     "<a key of 26 characters>: Extra inputs are not permitted", id="keys"),
        pytest.param(
            SHADOW + "bin: *:19000:0:99999:7:::\n", "not a YAML fuel-card profile (line 3, column", id="syntax"
        ),
        pytest.param(f"name: [unclosed {SECRET}", "not a YAML fuel-card profile (line 2, column 1:", id="unclosed"),
        pytest.param(f"{SECRET}: !{SECRET} x\n", "could not determine a constructor for the tag '...'", id="tag"),
        pytest.param(f"a: *{SECRET}\n", "not a YAML fuel-card profile (line 1, column 4: found undefined alias)",
                     id="alias"),
        pytest.param(SHADOW + SHADOW, "not a YAML fuel-card profile (line 3: a key is written twice in the same "
                     "mapping (first on line 1))", id="twice"),
        pytest.param("tankpas: 1\ntankpas: 2\n", "(line 2: key 'tankpas' is written twice in the same mapping "
                     "(first on line 1))", id="named-twice"),
    ],
)
def test_a_profile_error_names_no_content_of_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{path}: not a ")
    assert SECRET not in str(caught.value) and "19000" not in str(caught.value)


def test_a_profile_that_is_shadow_stays_out_of_output_and_prefect(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    shadow = tmp_path / "shadow.yaml"
    shadow.write_text(SHADOW, encoding="utf-8")
    config = write_company(tmp_path / "co", ALL_FILES, fuel_cards={"profiles": [str(shadow)]})
    started = dt.datetime.now(dt.timezone.utc)
    try:
        result = CliRunner().invoke(app, ["ingest", "--period", PERIOD, "-c", str(config)])
    finally:
        close_warehouses()
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, output
    assert f"{shadow}: not a valid fuel-card profile: name: Field required" in output
    assert SECRET not in output and "$6$" not in output and "daemon" not in output
    with get_client(sync_client=True) as client:
        runs = [run for run in client.read_flow_runs() if run.created and run.created >= started]
        stored = [run.state.message or "" for run in runs if run.state] + [log.message for log in client.read_logs()]
    assert any("not a valid fuel-card profile" in text for text in stored)
    assert [text for text in stored if SECRET in text or "$6$" in text] == []


YEARS = ("0001", "9999", "1677", "2263")


def _context() -> ValidationContext:
    return ValidationContext(
        period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 4, 1), products=["Diesel", "Euro 95", "Wasstraat"],
        eans=["871687120000000004", "871687140000000002"], plates=["VGH42K"],
    )


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("name", sorted(ALL_FILES))
def test_an_extreme_year_in_any_date_is_quarantined_not_raised(tmp_path: Path, name: str, year: str) -> None:
    lines = ALL_FILES[name].splitlines()
    path = tmp_path / name
    path.write_text("\n".join([lines[0], lines[1].replace("2025", year), *lines[2:]]) + "\n", encoding="utf-8")
    fmt = detect_format(path)
    frame = schemas.conform(fmt.read(path), fmt.DATASET)
    frame = frame.assign(source_row=np.arange(2, 2 + len(frame), dtype=np.int64))
    outcome = validate(fmt.DATASET, frame, _context())
    assert 2 in set(outcome.quarantine["source_row"])
    assert 2 not in set(outcome.good["source_row"])


@pytest.mark.parametrize(
    ("year", "reason"),
    [
        # Excel counts days from 1900: a cell of year 1 holds no date a reader can take.
        pytest.param(1, "month is missing: the row's period (YYYY-MM) or date is empty or not a valid date", id="1"),
        pytest.param(9999, "period 9999-12 lies outside 2025-01 to 2025-03, the months from the base year to now",
                     id="9999"),
    ],
)
def test_a_workbook_date_cell_of_year_1_or_9999_is_quarantined(tmp_path: Path, year: int, reason: str) -> None:
    template = {p.name: p for p in write_supplier_template(tmp_path / "templates")}
    book = openpyxl.load_workbook(template["footprint_template_supplier_statements.xlsx"])
    book.worksheets[0].append(["Oud B.V.", dt.date(year, 12, 1), 1, "Doeken", None, None, 12.5, None, "primair"])
    book.worksheets[0].append(["Nu B.V.", "2025-03", 1, "Doeken", None, None, 12.5, None, "primair"])
    path = tmp_path / "statements.xlsx"
    book.save(path)
    frame = schemas.conform(detect_format(path).read(path), schemas.SUPPLIER_ACTIVITY)
    outcome = validate(schemas.SUPPLIER_ACTIVITY, frame, _context())
    assert outcome.quarantine[["source_row", "column_name", "reason"]].values.tolist() == [[3, "period", reason]]
    assert outcome.good["source_row"].tolist() == [4]


def test_a_statement_month_keeps_its_year_for_the_reason() -> None:
    values = pa.array(["0001-01", "12-9999", "2025-03", "24-03", "2025-13", ""])
    months = local_date(values, ("%Y-%m", "%m-%Y"), any_year=True)
    assert [None if pd.isna(m) else str(m.date()) for m in months] == [
        "0001-01-01", "9999-12-01", "2025-03-01", "0024-03-01", None, None,
    ]
    # Elsewhere a year outside 1900..2199 is a misreading: no date.
    assert local_date(pa.array(["01-01-0001", "01-03-2025"])).isna().tolist() == [True, False]


def test_numbers_are_read_as_written_and_an_overflow_as_infinity() -> None:
    written = pa.array(["1e400", "-1e400", "inf", "-Infinity", "1e23", "1,5e3", "1.5E-3", "9" * 400, "12,5", "1.250,5",
                        "nan", "abc", "", "-"])
    assert decimal(written).tolist()[:10] == [
        np.inf, -np.inf, np.inf, -np.inf, 1e23, 1500.0, 0.0015, np.inf, 12.5, 1250.5,
    ]
    assert np.isnan(decimal(written)[10:]).all()  # nan, abc, empty and "-": missing
    assert point_decimal(pa.array(["1e400", "-inf", "1.5e3", "62.35", "nan"])).tolist()[:4] == [
        np.inf, -np.inf, 1500.0, 62.35,
    ]
    cells = pd.Series([1e23, "1e400", "12,5", None], dtype=object)
    assert sheets.numbers(cells, decimal).tolist()[:3] == [1e23, np.inf, 12.5]


def test_extreme_figures_are_quarantined_by_their_bounds(tmp_path: Path) -> None:
    """An overflow, an infinity and an absurd figure in each bounded column; the credit note's row stays good."""
    header = ALL_FILES["fuel.csv"].splitlines()[0]
    row = (
        "06-03-2025;{time};7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;{quantity};L;{price};{amount};"
        "EUR;{km}"
    )
    rows = [
        dict(time="09:00", quantity="1e400", price="1,859", amount="92,95", km="123500"),
        dict(time="09:10", quantity="40,00", price="Infinity", amount="74,36", km="123500"),
        dict(time="09:20", quantity="40,00", price="1,859", amount="-1e400", km="123500"),
        dict(time="09:30", quantity="40,00", price="1,859", amount="74,36", km="1e23"),
        dict(time="09:40", quantity="40,00", price="1,859", amount="74,36", km="-1"),
        dict(time="09:50", quantity="-40,00", price="1,859", amount="-74,36", km="-"),
    ]
    path = tmp_path / "fuel.csv"
    path.write_text("\n".join([header, *(row.format(**r) for r in rows)]) + "\n", encoding="utf-8")
    frame = schemas.conform(detect_format(path).read(path), schemas.FUEL_TRANSACTIONS)
    outcome = validate(schemas.FUEL_TRANSACTIONS, frame, _context())
    assert outcome.quarantine[["source_row", "column_name", "value"]].values.tolist() == [
        [2, "quantity", "inf"], [3, "unit_price_eur", "inf"], [4, "amount_eur", "-inf"],
        [5, "odometer_km", "1e+23"], [6, "odometer_km", "-1"],
    ]
    assert outcome.good["source_row"].tolist() == [7]


def test_a_workbook_numeric_cell_far_beyond_the_earth_is_quarantined(tmp_path: Path) -> None:
    template = {p.name: p for p in write_supplier_template(tmp_path / "templates")}
    book = openpyxl.load_workbook(template["footprint_template_flights.xlsx"])
    book.worksheets[0].append([dt.date(2025, 3, 18), "AMS", "LHR", 1e23, "Economy", 1, None])
    path = tmp_path / "flights.xlsx"
    book.save(path)
    frame = schemas.conform(detect_format(path).read(path), schemas.SUPPLIER_ACTIVITY)
    outcome = validate(schemas.SUPPLIER_ACTIVITY, frame, _context())
    assert outcome.quarantine[["column_name", "reason"]].values.tolist() == [
        ["quantity", "quantity 1e+23 is not below the plausible maximum of 100000000"],
        ["distance_km", "distance 1e+23 km is not a number from 0 to 20100: farther than half the earth's "
         "circumference (20037 km)"],
    ]

