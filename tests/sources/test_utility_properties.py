"""Property tests: the utility adapters fed mangled versions of the real exports.

Whatever they get (truncated files, shuffled columns, garbage cells, rows dropped or repeated,
random bytes, the wrong encoding, a CSV where a workbook belongs and the other way round), detection
and reading either raise InputFileError or return a table in the canonical meter_usage columns.
Any other exception is a bug.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.meter_eans import EanOption
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import detect_format

energy_overview_xlsx = builtin_format("energy_overview_xlsx")
engie_csv = builtin_format("engie_csv")
greenchoice_csv = builtin_format("greenchoice_csv")
liander_csv = builtin_format("liander_csv")
slimmemeterportal_xlsx = builtin_format("slimmemeterportal_xlsx")

SAMPLES = Path(__file__).parent / "real_samples"
ELECTRICITY = "871687120061402458"
GAS = "871687140013926764"
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _text_rows(path: Path, separator: str, head: int = 25, tail: int = 15) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=separator))
    return rows[: head + 1] + rows[-tail:]


def _sheet_rows(path: Path, head: int = 30) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [list(row) for row, _ in zip(sheet.iter_rows(values_only=True), range(head), strict=False)]


TEXT_BASES = {
    "engie": (_text_rows(SAMPLES / "Engie" / "Export.verbruiken.ENGIE.csv", ","), ","),
    "greenchoice": (_text_rows(SAMPLES / "GreenChoice" / "meterstanden_stroom_2023.csv", ";"), ";"),
    "liander": (_text_rows(SAMPLES / "Liander" / "csv_bijlage.csv", ","), ","),
}
SHEET_BASES = {
    "slimmemeterportal": _sheet_rows(SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"),
    "slimmemeterportal_gas": _sheet_rows(SAMPLES / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"),
    "eneco": _sheet_rows(SAMPLES / "Eneco" / "Verbruik_01-01-2020-31-12-2020.xlsx"),
    "oxxio": _sheet_rows(SAMPLES / "Oxxio" / "Oxxio.Verbruik_05-06-2023-22-01-2024.xlsx"),
}

# Text without the control characters a workbook cannot hold.
cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=25)
garbage_text = st.one_of(
    cell_text,
    st.sampled_from(
        ["-", "", " ", "0,5", "1.250,5", "1.250", "abc", "31-02-2023", "2023-13-01", "NaN", "1e308", ";", '"', ",,"]
    ),
    st.from_regex(r"\d{1,2}-\d{1,2}-\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}", fullmatch=True),
    st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", fullmatch=True),
    st.from_regex(r"-?\d{0,6}[.,]?\d{0,4}", fullmatch=True),
)
garbage_cell = st.one_of(
    garbage_text,
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(dt.date(1901, 1, 1), dt.date(2500, 12, 31)),
    st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2500, 12, 31)),
)
OPERATIONS = ["shuffle_columns", "garbage", "drop_rows", "repeat_rows", "reverse_rows", "drop_columns", "blank_rows"]
# Rarer: what also breaks the header, which mostly ends in InputFileError before any cell is read.
HEADER_OPERATIONS = ["garbage_in_header", "drop_header"]


@st.composite
def mangled(draw: st.DrawFn, rows: list[list[Any]], cells: st.SearchStrategy[Any], header_rows: int) -> list[list[Any]]:
    """The rows after a few random operations; most leave the header rows alone."""
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    head, body = rows[:header_rows], rows[header_rows:]
    operations = st.sampled_from(OPERATIONS * 5 + HEADER_OPERATIONS)
    for operation in draw(st.lists(operations, min_size=1, max_size=4)):
        if operation == "shuffle_columns":
            order = draw(st.permutations(range(width)))
            head = [[r[i] for i in order] for r in head]
            body = [[r[i] for i in order] for r in body]
        elif operation == "garbage" and body:
            for _ in range(draw(st.integers(1, 25))):
                i = draw(st.integers(0, len(body) - 1))
                body[i][draw(st.integers(0, width - 1))] = draw(cells)
        elif operation == "garbage_in_header" and head:
            head[draw(st.integers(0, len(head) - 1))][draw(st.integers(0, width - 1))] = draw(cells)
        elif operation == "drop_header" and head:
            head.pop(draw(st.integers(0, len(head) - 1)))
        elif operation == "drop_rows" and body:
            keep = draw(st.lists(st.booleans(), min_size=len(body), max_size=len(body)))
            body = [r for r, k in zip(body, keep, strict=True) if k]
        elif operation == "repeat_rows" and body:
            i = draw(st.integers(0, len(body) - 1))
            body = body[: i + 1] + [list(body[i]) for _ in range(draw(st.integers(1, 3)))] + body[i + 1 :]
        elif operation == "reverse_rows":
            body = body[::-1]
        elif operation == "drop_columns" and width > 1:
            drop = draw(st.integers(0, width - 1))
            head = [r[:drop] + r[drop + 1 :] for r in head]
            body = [r[:drop] + r[drop + 1 :] for r in body]
            width -= 1
        elif operation == "blank_rows":
            i = draw(st.integers(0, len(body)))
            body = body[:i] + [[None] * width for _ in range(draw(st.integers(1, 3)))] + body[i:]
    return head + body


def _csv_bytes(rows: list[list[Any]], separator: str, quoting: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, quoting=quoting, lineterminator="\n")
    writer.writerows([["" if c is None else str(c) for c in r] for r in rows])
    return out.getvalue()


@st.composite
def mangled_text_file(draw: st.DrawFn, base: str) -> bytes:
    rows, separator = TEXT_BASES[base]
    kind = draw(st.sampled_from(["table", "table", "table", "random_bytes", "truncated"]))
    if kind == "random_bytes":
        return draw(st.binary(max_size=2000))
    table = draw(mangled(rows, garbage_text, header_rows=1)) if kind == "table" else rows
    text = _csv_bytes(table, separator, draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-32"]))
    data = text.encode(encoding, errors="replace")
    if kind == "truncated" or draw(st.integers(0, 7)) == 7:
        data = data[: len(data) * draw(st.integers(1, 999)) // 1000]
    return data


@st.composite
def mangled_workbook(draw: st.DrawFn, base: str) -> bytes:
    kind = draw(st.sampled_from(["sheet", "sheet", "sheet", "truncated", "random_zip", "text"]))
    if kind == "random_zip":
        return b"PK\x03\x04" + draw(st.binary(max_size=2000))
    if kind == "text":
        return _csv_bytes(SHEET_BASES[base], ";", csv.QUOTE_MINIMAL).encode("utf-8")
    header_rows = 2 if base in ("eneco", "oxxio") else 1
    rows = draw(mangled(SHEET_BASES[base], garbage_cell, header_rows)) if kind == "sheet" else SHEET_BASES[base]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(draw(st.integers(0, 2))):
        sheet.append([None])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if kind == "truncated":  # the saved size varies (openpyxl stamps the time): cut at a fraction
        data = data[: len(data) * draw(st.integers(1, 999)) // 1000]
    return data


def _is_canonical(frame: pd.DataFrame) -> bool:
    return frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]


def check(data: bytes, read: Callable[..., tuple[pd.DataFrame, list[Any]]], ean: EanOption) -> None:
    """Detection and reading give a table or InputFileError, nothing else."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export"
        path.write_bytes(data)
        try:
            detect_format(path)
        except InputFileError:
            pass
        try:
            frame, notes = read(path, ean=ean)
        except InputFileError as error:
            assert error.file == str(path)
            return
        assert _is_canonical(frame)
        assert (frame["source_row"] >= 1).all()
        # A note says something, stands for at least one event and points at a line of the file, if any.
        assert all(note.message.strip() and note.count >= 1 and (note.row is None or note.row >= 1) for note in notes)
        # Every interval whose ends could be read runs forward in time: usage is never given a negative span.
        timed = frame.dropna(subset=["interval_start", "interval_end"])
        assert (timed["interval_end"] > timed["interval_start"]).all()


@PROPERTY_SETTINGS
@given(mangled_text_file("engie"))
def test_engie_mangled(data: bytes) -> None:
    check(data, engie_csv.read_with_report, None)


@PROPERTY_SETTINGS
@given(mangled_text_file("greenchoice"))
def test_greenchoice_mangled(data: bytes) -> None:
    check(data, greenchoice_csv.read_with_report, ELECTRICITY)


@PROPERTY_SETTINGS
@given(mangled_text_file("liander"))
def test_liander_mangled(data: bytes) -> None:
    check(data, liander_csv.read_with_report, None)


@PROPERTY_SETTINGS
@given(mangled_workbook("slimmemeterportal"))
def test_slimmemeterportal_mangled(data: bytes) -> None:
    check(data, slimmemeterportal_xlsx.read_with_report, "871687120058657526")


@PROPERTY_SETTINGS
@given(mangled_workbook("slimmemeterportal_gas"))
def test_slimmemeterportal_gas_mangled(data: bytes) -> None:
    check(data, slimmemeterportal_xlsx.read_with_report, "871687140002948685")


@PROPERTY_SETTINGS
@given(mangled_workbook("eneco"))
def test_eneco_mangled(data: bytes) -> None:
    check(data, energy_overview_xlsx.read_with_report, ELECTRICITY)


@PROPERTY_SETTINGS
@given(mangled_workbook("oxxio"))
def test_oxxio_mangled(data: bytes) -> None:
    check(data, energy_overview_xlsx.read_with_report, [ELECTRICITY, GAS])


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000), st.sampled_from([None, ELECTRICITY, [ELECTRICITY, GAS]]))
def test_random_bytes_for_every_utility_adapter(data: bytes, ean: EanOption) -> None:
    for read in (
        engie_csv.read_with_report,
        greenchoice_csv.read_with_report,
        liander_csv.read_with_report,
        slimmemeterportal_xlsx.read_with_report,
        energy_overview_xlsx.read_with_report,
    ):
        check(data, read, ean)
