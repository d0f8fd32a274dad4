"""SlimmeMeterPortal interval export: one workbook per connection and year, 15-minute or hourly.

    datum_tijd                 levering_normaal levering_laag teruglevering_normaal teruglevering_laag buitentemperatuur
    01-01-2023 00:15:00 +0100                  0,11                                0,00               -

Cells are text with decimal commas; `-` is missing. The timestamp marks the END of the interval (the
first row of the year is 00:15, or 01:00 in an hourly file); its UTC offset keeps the doubled autumn
hour apart. The interval length is read from the timestamps (the most common distance between
consecutive rows).

Registers: levering_* is consumption, teruglevering_* feed-in; *_normaal is the high tariff, *_laag
the low one. In each interval only the register of the tariff then running has a value, the other
cell is empty. An empty cell, or a `-`, is no reading: it gives no row. An interval where every cell
of a direction is empty therefore has no row for it (a missing interval among others is a gap
note), and a direction with no value anywhere in the file (a meter without feed-in) gives no rows
and one `no_readings` note. Only a cell with something unreadable in it ("abc") gives a row with a
missing quantity, which validation refuses. buitentemperatuur (outside temperature) is not read.

The EAN is only in the file's name, which is never read: the user gives it (`--ean`). The carrier
comes from the layout: tariff columns (levering_normaal/levering_laag) are an electricity meter
(kWh). A layout with a single `levering` column does not say: the EAN decides (871687120... is
electricity, 871687140... gas, m3), or the user writes `--ean gas=<EAN>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import absent_cells, constant
from footprint.sources.cell_times import dutch_instant, month_start
from footprint.sources.meter_eans import (
    ELECTRICITY,
    EanOption,
    assign_eans,
    carrier_of_given_ean,
    unit_of,
)
from footprint.sources.meter_intervals import (
    interval_notes,
    interval_steps,
    negative_notes,
)
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    no_readings_note,
    rows_only,
)
from footprint.sources.text_head import first_positions

NAME: Final = "slimmemeterportal_xlsx"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name
CONTAINER: Final = "sheet"

TIMESTAMP: Final = "datum_tijd"
# column -> (direction, tariff); a tariff of None is a single-register column.
REGISTERS: Final = {
    "levering_normaal": ("consumption", "high"),
    "levering_laag": ("consumption", "low"),
    "teruglevering_normaal": ("feed_in", "high"),
    "teruglevering_laag": ("feed_in", "low"),
    "levering": ("consumption", None),
    "teruglevering": ("feed_in", None),
}
# What the header row holds (a workbook's header is matched by `_is_header`, not text_head.Column).
HEADER: Final = (TIMESTAMP, *REGISTERS, "buitentemperatuur")
SIGNATURE: Final = (TIMESTAMP, "levering_normaal | levering_laag | levering")


def _columns(cells: list[str]) -> dict[str, int]:
    return first_positions(cells, (TIMESTAMP, *REGISTERS))


def _is_header(cells: list[str]) -> bool:
    found = _columns(cells)
    return TIMESTAMP in found and any(name.startswith("levering") for name in found)


def sniff(head: str) -> bool:
    return sheets.find_row(sheets.head_rows(head), _is_header) is not None


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    sheet = sheets.read_sheet(path, NAME, sniff)
    header = sheets.find_row(sheet.header_rows(), _is_header)
    if header is None:
        raise InputFileError(
            path, f"no header row with 'datum_tijd' and a 'levering...' column: not a {NAME} file", column=TIMESTAMP
        )
    columns = _columns(sheet.header_rows()[header])
    registers = [name for name in REGISTERS if name in columns]
    split = any(REGISTERS[name][1] is not None for name in registers)
    notes: list[Note] = []
    if split:
        code = assign_eans(ean, [ELECTRICITY], path)[ELECTRICITY]
        carrier = ELECTRICITY
        notes.append(Note("carrier", f"electricity (kWh): the layout has tariff columns; EAN {code}"))
    else:
        carrier, code, how = carrier_of_given_ean(ean, path)
        notes.append(Note("carrier", f"{carrier} ({unit_of(carrier)}): {how}"))
    body, source_row = sheet.body(header + 1)
    end = dutch_instant(sheets.texts(body[columns[TIMESTAMP]]))
    step = interval_steps(end, np.zeros(len(end), dtype=np.int64))
    start = end - pd.to_timedelta(step)

    # No rows at all when every register is empty: the frame keeps its columns.
    pieces: list[pd.DataFrame] = [_piece(np.zeros(0, dtype=bool), np.zeros(0), "consumption", "single", 0)]
    for direction in ("consumption", "feed_in"):
        names = [name for name in registers if REGISTERS[name][0] == direction]
        if not names:
            continue
        absent = {name: absent_cells(body[columns[name]]) for name in names}
        if np.logical_and.reduce([absent[name] for name in names]).all():
            notes.append(no_readings_note(direction, names))
            continue
        for order, name in enumerate(names):
            tariff = REGISTERS[name][1] or "single"
            quantity = sheets.numbers(body[columns[name]], decimal)
            pieces.append(_piece(~absent[name], quantity, direction, tariff, order))
    index = pd.concat(pieces, ignore_index=True).sort_values(["at", "direction_order", "order"], kind="stable")
    at = index["at"].to_numpy()
    frame = pd.DataFrame(
        {
            "source_row": source_row[at],
            "ean": constant(code, len(at), "string"),
            "interval_start": start.iloc[at].reset_index(drop=True),
            "interval_end": end.iloc[at].reset_index(drop=True),
            "quantity": index["quantity"].to_numpy(),
            "unit": constant(unit_of(carrier), len(at), "string"),
            "direction": index["direction"].to_numpy(),
            "tariff": pd.array(index["tariff"].to_numpy(), dtype="string"),
            "estimated": constant(False, len(at), "boolean"),
        }
    )
    frame["period"] = month_start(frame["interval_start"])
    frame = schemas.conform(frame, DATASET)
    notes += interval_notes(frame) + negative_notes(frame)
    notes += first_row_note(
        "unreadable_time",
        frame["interval_end"].isna().to_numpy(),
        frame["source_row"].to_numpy(),
        f"rows without a readable {TIMESTAMP}",
        "validation quarantines them",
    )
    return frame, capped(notes)


def _piece(rows: np.ndarray, quantity: np.ndarray, direction: str, tariff: str, order: int) -> pd.DataFrame:
    at = np.flatnonzero(rows)
    return pd.DataFrame(
        {
            "at": at,
            "quantity": quantity[at],
            "direction": direction,
            "direction_order": 0 if direction == "consumption" else 1,
            "tariff": tariff,
            "order": order,
        }
    )


read = rows_only(read_with_report)
