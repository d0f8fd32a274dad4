"""P1mon database export (e_historie.db as a workbook): the monthly meter readings of one smart meter.

    sheet e_history_maand
    TIMESTAMP           VERBR_KWH_181 VERBR_KWH_182 GELVR_KWH_281 GELVR_KWH_282 VERBR_KWH_X GELVR_KWH_X VERBR_GAS_2421
    2019-05-01 00:00:00 1111.964      934.669       0.005         0             67.15       0           220.054
    2019-06-01 00:00:00 1206.622      1001.754      0.005         0             161.743     0           231.925
    (and VERBR_GAS_X: 4.932, 11.871)

The workbook holds the SAME meter five times, one sheet per granularity: e_history_min (minutes),
_uur (hours), _dag (days), _maand (months), _jaar (years). Reading more than one would count the same
energy up to five times, so exactly one is read, by this rule: the MONTHLY sheet. footprint reports
per month; of the sheets whose rows fit inside a month (min, uur, dag, maand; a year row cannot be put
in one month), the monthly one reaches back furthest (P1mon keeps minutes and hours for a limited
time: in the sample the minutes cover 31 days, the hours 3 years, the days 3 months, the months
May 2019 to March 2024), and a month's usage per tariff is exactly its readings' difference, so the
finer sheets add nothing footprint uses. A note names the sheets left out and where each starts.
`sniff` only recognises the monthly sheet, so lineage names the sheet that was read.

Columns (DSMR P1 registers; tariff words through the vocabulary's t1/t2, direction from the OBIS
code: 1.8.x is energy delivered to the connection, 2.8.x energy it delivered back):
- VERBR_KWH_181, VERBR_KWH_182: cumulative consumption on 1.8.1 (tariff 1, Dutch low/dal) and 1.8.2
  (tariff 2, normal/high), kWh. Evidence that 181 is the low tariff: in e_history_min, rows with
  TARIEFCODE D (dal) move 181 and rows with P (piek) move 182.
- GELVR_KWH_281, GELVR_KWH_282: cumulative feed-in on 2.8.1 (low) and 2.8.2 (high), kWh.
- VERBR_GAS_2421: cumulative gas (OBIS 24.2.1, the M-bus gas meter), m3.
- VERBR_KWH_X, GELVR_KWH_X, VERBR_GAS_X: P1mon's own usage of the row's period (sum of the tariffs).
  Not read as usage, only compared (below). TARIEFCODE (finer sheets only) is not read.

A row's readings are those at the END of its period (the last P1mon saw in it): the difference
between a row's readings and the row before equals the row's own *_X (June 2019: 1206.622 + 1001.754
- 1111.964 - 934.669 = 161.743 = VERBR_KWH_X of the June row), and the newest row holds the newest
reading of the whole workbook. So a row's reading is the meter's state at the first instant of the
next month, and the usage of a month is its row's readings minus the previous row's
(meter_readings.readings_to_usage with each reading dated the first of the next month). The oldest row gives
no usage. The newest month may still have been running at the export: its usage is that so far.

Where the readings and P1mon's *_X disagree beyond 1 % (and 1 kWh or m3) a `usage_mismatch` note
gives both; the meter's registers are used (P1mon's sums miss what it did not see: June 2021).
A reading lower than the one before is a counter reset or meter exchange (January 2020): that
interval's quantity is left empty, with a note. A missing month (December 2019, December 2022)
makes one interval over two months: its usage cannot be put in one month, so it is left empty too
(a `spans_months` note), never guessed.

Gas: P1mon writes 0.0 in VERBR_GAS_2421 when the telegram carries no gas reading. In the sample the
register goes from 289.516 m3 (October 2019) to 0.0 from November 2019 on, while P1mon's own
VERBR_GAS_X still counts 0.278 m3 that November: a zero is not the meter's state. Zero gas readings
are therefore no reading (no usage, no negative usage, one note); a gas register without any other
value gives no gas rows and needs no gas EAN. Electricity registers keep their zeros (a feed-in
register at 0.000 before solar panels is a real reading).

The export names no meter: the user gives the EAN (`--ean`), two for electricity and gas.

Source of the layout: P1mon/e_historie.db.xlsx, published in the MIT-licensed repository
patrickvorgers/Home-Assistant-Import-Energy-Data (commit 3d2ee18); copy in
tests/sources/real_samples/P1mon/.

Why this is code, not a profile: a row's readings are the meter's state at the end of the row's month
(the first instant of the next month), while its TIMESTAMP is the month's first day; a profile takes a
cumulative reading at its row's own time. The sheet is chosen among five copies of the same meter by
what they cover (and the choice is noted and named in lineage), the newest month is marked as possibly
still running (`partial_period`), and P1mon's own usage columns (*_X) are compared per month with a
relative tolerance (1 % and 1 kWh or m3). None of these is a key of the profile language.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import absent_cells, constant
from footprint.sources.cell_times import instant, month_start
from footprint.sources.meter_eans import ELECTRICITY, GAS, EanOption, eans_by_carrier
from footprint.sources.meter_readings import Register, readings_to_usage
from footprint.sources.notes import Note, capped, rows_only
from footprint.sources.text_head import first_positions
from footprint.sources.vocabulary import CARRIER_UNITS, DIRECTIONS, TARIFFS

NAME: Final = "p1mon_xlsx"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # years of months: rows reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name
CONTAINER: Final = "sheet"

TIMESTAMP: Final = "TIMESTAMP"
# column -> (carrier, direction, tariff), by the DSMR OBIS code in the column name
REGISTERS: Final = {
    "VERBR_KWH_181": (ELECTRICITY, DIRECTIONS["consumption"], TARIFFS["t1"]),
    "VERBR_KWH_182": (ELECTRICITY, DIRECTIONS["consumption"], TARIFFS["t2"]),
    "GELVR_KWH_281": (ELECTRICITY, DIRECTIONS["feed_in"], TARIFFS["t1"]),
    "GELVR_KWH_282": (ELECTRICITY, DIRECTIONS["feed_in"], TARIFFS["t2"]),
    "VERBR_GAS_2421": (GAS, DIRECTIONS["consumption"], TARIFFS["single"]),
}
# P1mon's usage of the row's period, per carrier and direction: compared, never read as usage.
PERIOD_USAGE: Final = {
    (ELECTRICITY, DIRECTIONS["consumption"]): "VERBR_KWH_X",
    (ELECTRICITY, DIRECTIONS["feed_in"]): "GELVR_KWH_X",
    (GAS, DIRECTIONS["consumption"]): "VERBR_GAS_X",
}
HEADER: Final = (TIMESTAMP, *REGISTERS, *PERIOD_USAGE.values())
SIGNATURE: Final = (TIMESTAMP, "VERBR_KWH_181", "VERBR_KWH_182")
MISMATCH_SHARE: Final = 0.01
MISMATCH_MINIMUM: Final = 1.0
_MONTH_START: Final = re.compile(r"^\d{4}-(\d\d)-01 00:00(:00)?$")


def _columns(cells: list[str]) -> dict[str, int]:
    return first_positions(cells, HEADER)


def _is_header(cells: list[str]) -> bool:
    return all(name in _columns(cells) for name in SIGNATURE)


def sniff(head: str) -> bool:
    """A P1mon history sheet whose rows are months: every timestamp the first of a month at midnight, and
    not all in January (rows all on 1 January are the yearly sheet, or a month sheet with nothing to
    difference yet)."""
    rows = sheets.head_rows(head)
    header = sheets.find_row(rows, _is_header)
    if header is None:
        return False
    column = _columns(rows[header])[TIMESTAMP]
    stamps = [row[column] for row in rows[header + 1 :] if column < len(row) and row[column].strip()]
    months = [_MONTH_START.match(stamp.strip()) for stamp in stamps]
    if not months or not all(months):
        return False
    return any(match.group(1) != "01" for match in months if match)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    sheet = sheets.read_sheet(path, NAME, sniff)
    header = sheets.find_row(sheet.header_rows(), _is_header)
    if header is None or not sniff(sheets.SHEET_HEAD_MARKER + "\n" + _head_text(sheet)):
        raise InputFileError(
            path, f"no sheet of monthly P1mon readings ({', '.join(SIGNATURE)}, one row per month): not a {NAME} file"
        )
    columns = _columns(sheet.header_rows()[header])
    body, source_row = sheet.body(header + 1)
    notes = [_sheet_note(path)]
    month = instant(sheets.texts(body[columns[TIMESTAMP]]))
    first_of_month = month_start(month)
    on_month_start = month.dt.tz_localize(None).to_numpy(dtype="datetime64[s]") == first_of_month
    # A row's readings are the state at the end of its month: the first instant of the next month.
    next_month = (first_of_month.astype("datetime64[M]") + 1).astype("datetime64[s]")
    read_at = pd.Series(np.where(on_month_start, next_month, np.datetime64("NaT")))
    readings = {
        name: sheets.numbers(body[columns[name]], decimal) for name in REGISTERS if name in columns
    }
    pieces: list[pd.DataFrame] = []
    for carrier in (ELECTRICITY, GAS):
        names = [name for name in readings if REGISTERS[name][0] == carrier]
        rows = np.ones(len(body), dtype=bool)
        if carrier == GAS and names:
            rows, gas_notes = _gas_rows(readings[names[0]], body[columns[names[0]]], source_row, month)
            notes += gas_notes
        if not names or not rows.any():
            continue
        at = np.flatnonzero(rows)
        usage, usage_notes = readings_to_usage(
            [Register(name, REGISTERS[name][1], REGISTERS[name][2], readings[name][at]) for name in names],
            day=read_at.iloc[at].reset_index(drop=True),
            source_row=source_row[at],
            ean=constant(carrier, len(at), "string"),
            unit=constant(CARRIER_UNITS[carrier], len(at), "string"),
        )
        notes += usage_notes
        pieces.append(usage.assign(carrier=carrier))
    usage = pd.concat(pieces, ignore_index=True) if pieces else _no_usage()
    usage = usage.sort_values("source_row", kind="stable").reset_index(drop=True)
    usage, month_notes = _refuse_month_crossings(usage)
    notes += month_notes
    notes += _mismatch_notes(usage, body, columns, source_row)
    codes, carrier_notes = eans_by_carrier(ean, list(dict.fromkeys(usage["carrier"])), path)
    notes = carrier_notes + notes
    if len(source_row):
        notes.append(
            Note(
                "partial_period",
                f"the newest month (row {int(source_row[-1])}) may still have been running when the database was "
                "exported: P1mon updates it with every reading, so its usage runs to the export",
                row=int(source_row[-1]),
            )
        )
    frame = schemas.conform(usage.assign(ean=usage["carrier"].map(codes).astype("string")), DATASET)
    return frame, capped(notes)


def _head_text(sheet: sheets.Sheet) -> str:
    return "\n".join(sheets.CELL_SEPARATOR.join(cells) for cells in sheet.header_rows())


def _sheet_note(path: Path) -> Note:
    """Which sheet was read and which were left out, with where each of them starts."""
    names = sheets.open_workbook(path).sheet_names
    heads = sheets.sheet_heads(path)
    chosen = next(index for index, head in enumerate(heads) if sniff(head))
    left_out = []
    for index, head in enumerate(heads):
        if index == chosen:
            continue
        rows = sheets.head_rows(head)
        header = sheets.find_row(rows, _is_header)
        column = _columns(rows[header]).get(TIMESTAMP) if header is not None else None
        first = rows[header + 1][column] if column is not None and len(rows) > header + 1 else "?"
        left_out.append(f"{names[index]} (from {first})")
    return Note(
        "sheet_choice",
        f"read sheet {names[chosen]}, one row per month; not read: {', '.join(left_out) or 'none'}: the same "
        "meter's readings at other granularities, which would count the same energy again",
    )


def _gas_rows(
    reading: np.ndarray, cells: pd.Series, source_row: np.ndarray, month: pd.Series
) -> tuple[np.ndarray, list[Note]]:
    """The rows whose gas cell is a reading: not empty and not P1mon's 0 for "no gas value"."""
    written = ~absent_cells(sheets.texts(cells).to_pandas())
    zero = written & (reading == 0)
    rows = written & ~zero
    notes: list[Note] = []
    if zero.any():
        first = int(np.flatnonzero(zero)[0])
        earlier = np.flatnonzero(rows[:first])
        after = f" after {reading[earlier[-1]]:g} on row {int(source_row[earlier[-1]])}" if len(earlier) else ""
        notes.append(
            Note(
                "no_readings",
                f"VERBR_GAS_2421 is 0 on {int(zero.sum())} rows (first on row {int(source_row[first])}, "
                f"{_month_text(month.iloc[first])}{after}): P1mon's value when the telegram has no gas reading "
                "(no gas meter on the P1 port), not the meter's state; those rows give no gas usage",
                row=int(source_row[first]),
            )
        )
    if not rows.any():
        notes.append(Note("no_readings", "no gas readings in this sheet: no gas rows"))
    return rows, notes


def _month_text(moment: pd.Timestamp) -> str:
    return "month unreadable" if pd.isna(moment) else moment.strftime("%m-%Y")


def _no_usage() -> pd.DataFrame:
    frame = schemas.empty_frame(DATASET).drop(columns=["ean"])
    return frame.assign(carrier=pd.Series(dtype="string"))


def _refuse_month_crossings(usage: pd.DataFrame) -> tuple[pd.DataFrame, list[Note]]:
    """An interval over more than one month (a month's row missing) cannot be put in one month: left empty."""
    last = usage["interval_end"] - pd.Timedelta(microseconds=1)
    crossing = month_start(usage["interval_start"]) != month_start(last)
    firsts = usage[crossing].drop_duplicates(["source_row", "carrier"])
    notes = [
        Note(
            "spans_months",
            f"{carrier}: no reading between {start:%m-%Y} and {end:%m-%Y} (a month's row is missing): the usage from "
            f"{start:%d-%m-%Y} to {end:%d-%m-%Y} crosses months and cannot be put in one; left empty",
            row=int(row),
        )
        for row, carrier, start, end in firsts[["source_row", "carrier", "interval_start", "interval_end"]].itertuples(
            index=False
        )
    ]
    return usage.assign(quantity=usage["quantity"].mask(crossing)), notes


def _mismatch_notes(
    usage: pd.DataFrame, body: pd.DataFrame, columns: dict[str, int], source_row: np.ndarray
) -> list[Note]:
    """Months whose readings and P1mon's own *_X usage differ beyond rounding: the readings are used."""
    counted = usage.dropna(subset=["quantity"]).groupby(["source_row", "carrier", "direction"], sort=True)["quantity"]
    totals = counted.sum().reset_index()
    position = pd.Series(np.arange(len(source_row)), index=source_row)
    notes: list[Note] = []
    for (carrier, direction), name in PERIOD_USAGE.items():
        if name not in columns:
            continue
        own = sheets.numbers(body[columns[name]], decimal)
        part = totals[(totals["carrier"] == carrier) & (totals["direction"] == direction)]
        theirs = own[position[part["source_row"]].to_numpy()]
        ours = part["quantity"].to_numpy()
        off = np.abs(ours - theirs) > np.maximum(MISMATCH_MINIMUM, MISMATCH_SHARE * np.abs(theirs))
        unit = CARRIER_UNITS[carrier]
        notes += [
            Note(
                "usage_mismatch",
                f"{carrier} {direction}: the readings give {ours[i]:.3f} {unit}, P1mon's {name} says {theirs[i]:.3f}: "
                "the readings are used",
                row=int(row),
            )
            for i, row in enumerate(part["source_row"].to_numpy())
            if off[i]
        ]
    return sorted(notes, key=lambda note: note.row or 0)


read = rows_only(read_with_report)
