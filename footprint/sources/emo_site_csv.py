"""Energie Manager Online, website export (Rapportage -> Verbruik -> Tabel): usage per day (or hour) of a site.

    Vanaf;Tot;Verbruik laag tarief;Verbruik hoog tarief;Teruglevering laag tarief;Teruglevering hoog tarief;Totaal;
    2013-12-31 00:00;2014-01-01 00:00;4,39600;6,78000;0,00000;-0,17900;10,99700;
    2013-01-01 00:00;2014-01-01 00:00;1.528,53700;932,72600;-266,12900;-645,31700;1.549,81700;

`;`-separated, decimal comma (thousands grouped with a dot in the total row), every line ending in
a `;`. Vanaf (from) and Tot (until) are the interval's local start and end, without offset: a day
runs from local midnight to midnight (23 and 25 hours on the clock-change days). A local time in
the doubled or skipped hour (an hourly export) is NaT, so validation quarantines the row.

Registers, words through the vocabulary: `Verbruik` is consumption and `Teruglevering` feed-in,
`laag`/`hoog` the low and high tariff; kWh (electricity is the only carrier of this export).

Feed-in is written NEGATIVE and read as a positive feed-in quantity. Evidence in the layout itself:
Totaal is the net sum of the four registers as written (2013-12-30: 5,85 + 8,75 + 0 - 0,715 =
13,885), so the provider signs feed-in negative; a feed-in cell written positive becomes negative
here, which validation quarantines (and a note says so). Totaal is not read as usage: a row whose
Totaal differs from its registers' sum is a `usage_mismatch` note.

The LAST ROW of a yearly export is the year's total (2013-01-01 to 2014-01-01). General rule: a row
whose interval is longer than the file's usual interval and contains the intervals of other rows is
a summary of them; it is not counted, and a note compares it with the sum of the rows it covers. A
long row that covers no other row (a period the portal merged) is kept.

Absent is not bad: an empty (or `-`) cell gives no row, a register with no value in the whole file
gives no rows and one note. The export names no meter: the user gives the EAN (`--ean`).

Source of the layout: EnergieManagerOnline/Site_2013.csv, published in the MIT-licensed repository
patrickvorgers/Home-Assistant-Import-Energy-Data (commit 3d2ee18); copy in
tests/sources/real_samples/EnergieManagerOnline/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import absent_cells, constant
from footprint.sources.cell_times import instant, month_start
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.meter_eans import ELECTRICITY, EanOption, assign_eans
from footprint.sources.meter_intervals import format_moment, interval_notes
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    no_readings_note,
    rows_only,
)
from footprint.sources.text_head import Column, header_sniffer
from footprint.sources.vocabulary import CARRIER_UNITS, DIRECTIONS, TARIFFS

NAME: Final = "emo_site_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # a year per export: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name

FROM: Final = "Vanaf"
UNTIL: Final = "Tot"
TOTAL: Final = "Totaal"
# column -> (direction, tariff, sign the provider writes the quantity with)
REGISTERS: Final = {
    "Verbruik laag tarief": (DIRECTIONS["verbruik"], TARIFFS["laag"], 1.0),
    "Verbruik hoog tarief": (DIRECTIONS["verbruik"], TARIFFS["hoog"], 1.0),
    "Teruglevering laag tarief": (DIRECTIONS["teruglevering"], TARIFFS["laag"], -1.0),
    "Teruglevering hoog tarief": (DIRECTIONS["teruglevering"], TARIFFS["hoog"], -1.0),
}
HEADER: Final = (
    Column(FROM),
    Column(UNTIL),
    *(Column(name, required=sign > 0) for name, (_, _, sign) in REGISTERS.items()),
    Column(TOTAL, required=False),
)
SIGNATURE: Final = HEADER[:4]
# Cells carry five decimals: a net total further off than rounding is a mismatch.
TOTAL_TOLERANCE: Final = 0.0005


sniff = header_sniffer(SIGNATURE)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE)
    code = assign_eans(ean, [ELECTRICITY], path)[ELECTRICITY]
    start = instant(table[FROM])
    end = instant(table[UNTIL])
    names = [name for name in REGISTERS if name in table.present]
    written = {name: decimal(table[name]) for name in names}
    filled = {name: ~absent_cells(table[name].to_pandas()) for name in names}
    summary, notes = _summary_rows(start, end, written, table.source_row)
    notes += _total_notes(table, written, filled, summary)
    pieces: list[pd.DataFrame] = []
    for order, name in enumerate(names):
        direction, tariff, sign = REGISTERS[name]
        at = np.flatnonzero(filled[name] & ~summary)
        pieces.append(
            pd.DataFrame(
                # `+ 0.0`: a feed-in written 0,00000 is 0, not -0
                {"at": at, "order": order, "quantity": written[name][at] * sign + 0.0, "direction": direction,
                 "tariff": tariff}
            )
        )
    notes += _empty_direction_notes(names, filled)
    rows = pd.concat(pieces, ignore_index=True).sort_values(["at", "order"], kind="stable")
    at = rows["at"].to_numpy(dtype=np.int64)
    begin = start.iloc[at].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "source_row": table.source_row[at],
            "ean": constant(code, len(at), "string"),
            "interval_start": begin,
            "interval_end": end.iloc[at].reset_index(drop=True),
            "period": month_start(begin),
            "quantity": rows["quantity"].to_numpy(dtype="float64"),
            "unit": constant(CARRIER_UNITS[ELECTRICITY], len(at), "string"),
            "direction": rows["direction"].astype("string").to_numpy(),
            "tariff": rows["tariff"].astype("string").to_numpy(),
            "estimated": constant(False, len(at), "boolean"),
        }
    )
    frame = schemas.conform(frame, DATASET)
    notes += interval_notes(frame, "days or hours") + _sign_notes(frame) + _unread_time_notes(frame)
    return frame, capped(notes)


def _summary_rows(
    start: pd.Series, end: pd.Series, written: dict[str, np.ndarray], source_row: np.ndarray
) -> tuple[np.ndarray, list[Note]]:
    """Rows whose interval is longer than the usual one and contains other rows' intervals: totals, not usage."""
    length = (end - start).to_numpy()
    known = ~np.isnat(length)
    summary = np.zeros(len(length), dtype=bool)
    if known.sum() < 2:
        return summary, []
    usual = pd.Series(length[known]).mode().iloc[0].to_timedelta64()
    longer = np.flatnonzero(known & (length > usual))
    if not len(longer):
        return summary, []
    begin, finish = start.to_numpy(dtype="datetime64[us]"), end.to_numpy(dtype="datetime64[us]")
    # (long rows x all rows): which rows lie inside each long row; long rows are few (a total per file).
    inside = (begin[None, :] >= begin[longer, None]) & (finish[None, :] <= finish[longer, None]) & known[None, :]
    inside[np.arange(len(longer)), longer] = False
    covering = inside.any(axis=1)
    summary[longer[covering]] = True
    notes: list[Note] = []
    for index, covered in zip(longer[covering], inside[covering], strict=True):
        compared = "; ".join(
            f"{name} {_number(values[index])} vs {_number(np.nansum(values[covered]))}"
            for name, values in written.items()
        )
        notes.append(
            Note(
                "summary_row",
                f"the row from {format_moment(start.iloc[index])} to {format_moment(end.iloc[index])} "
                f"spans the {int(covered.sum())} rows inside it: a total, not usage, so it is not counted "
                f"(the total vs the sum of those rows: {compared})",
                row=int(source_row[index]),
            )
        )
    return summary, notes


def _number(value: float) -> str:
    return "empty" if np.isnan(value) else f"{value:.3f}"


def _total_notes(
    table: RawTable, written: dict[str, np.ndarray], filled: dict[str, np.ndarray], summary: np.ndarray
) -> list[Note]:
    """Rows whose Totaal is not the net sum of their registers as written: the sign reading does not hold there."""
    if TOTAL not in table.present or not written:
        return []
    total = decimal(table[TOTAL])
    net = np.sum([np.where(filled[name], values, 0.0) for name, values in written.items()], axis=0)
    off = np.isfinite(total) & np.isfinite(net) & (np.abs(net - total) > TOTAL_TOLERANCE) & ~summary
    return [
        Note(
            "usage_mismatch",
            f"{TOTAL} {total[i]:.5f} is not the sum of the registers as written ({net[i]:.5f}): "
            "the registers are read, Totaal is not",
            row=int(table.source_row[i]),
        )
        for i in np.flatnonzero(off)
    ]


def _empty_direction_notes(names: list[str], filled: dict[str, np.ndarray]) -> list[Note]:
    notes: list[Note] = []
    for direction in dict.fromkeys(REGISTERS[name][0] for name in names):
        columns = [name for name in names if REGISTERS[name][0] == direction]
        if not any(filled[name].any() for name in columns):
            notes.append(no_readings_note(direction, columns))
    return notes


def _sign_notes(frame: pd.DataFrame) -> list[Note]:
    """A feed-in cell written positive (or a consumption cell written negative) against the layout's sign."""
    return first_row_note(
        "negative_usage",
        frame["quantity"].lt(0).fillna(False).to_numpy(dtype=bool),
        frame["source_row"].to_numpy(),
        "values against the layout's sign",
        "read as negative usage, which validation quarantines",
        detail="feed-in is written negative, consumption positive",
    )


def _unread_time_notes(frame: pd.DataFrame) -> list[Note]:
    return first_row_note(
        "unreadable_time",
        (frame["interval_start"].isna() | frame["interval_end"].isna()).to_numpy(),
        frame["source_row"].to_numpy(),
        f"rows without a readable {FROM} or {UNTIL}",
        "validation quarantines them",
        detail="a local time in the doubled or skipped hour, or not a time",
    )


read = rows_only(read_with_report)
