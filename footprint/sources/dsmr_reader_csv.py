"""DSMR-reader hour totals ("Export hour totals to CSV"): a P1 logger's usage per hour, electricity and gas.

    Hour Start,Electricity 1 (Dutch Users: Low Tariff),Electricity 2 (Dutch Users: Normal Tariff),
        Electricity 1 Returned (Dutch Users: Low Tariff),Electricity 2 Returned (Dutch Users: Normal Tariff),Gas
    2024-01-01T00:00:00+01:00,0.196,0,0,0,0.032
    2024-10-27T02:00:00+02:00,0.207,0,0,0,0
    2024-10-27T02:00:00+01:00,0.515,0,0,0,0

`,`-separated, decimal point, one row per hour. `Hour Start` is the START of the hour, ISO-8601
with its UTC offset, so the doubled autumn hour is two distinct rows (02:00+02:00 and 02:00+01:00);
every interval is one hour (DSMR-reader keys its hour statistics by hour_start and sums readings
from hour_start to hour_start + 1 hour).

Columns (DSMR P1 registers, names as DSMR-reader writes them):
- Electricity 1 / Electricity 2: consumption on register 1.8.1 (Dutch low tariff, dal) and 1.8.2
  (normal tariff: high), kWh;
- Electricity 1 Returned / Electricity 2 Returned: feed-in on 2.8.1 (low) and 2.8.2 (high), kWh;
- Gas: gas consumption, m3 (the DSMR gas meter's unit).
The tariff and direction words of the headers (Low, Normal, Returned) are the vocabulary's.

The values are USAGE PER HOUR, not meter readings. Evidence: DSMR-reader's own source
(dsmrreader/dsmr-reader, dsmr_stats: the HourStatistics model, "Hourly consumption usage summary",
filled by create_hourly_statistics with the last minus the first meter reading inside the hour, and
gas as that hour's consumption); and the sample itself: the values rise and fall from hour to hour
(0.196, 0.224, 0.189 kWh ...), never exceed 4 kWh, and add up to about 1,829 + 1,914 kWh of
consumption in 2024, where cumulative registers would be thousands that never fall.

Gas: DSMR-reader stores 0 for an hour without a gas reading (its model gives gas a default of 0 "due
to averages"), so a Gas column that is 0 or empty in every row is a connection without a gas meter
on the P1 port: no gas rows, no gas EAN needed, and one note. A single 0 among other values is read
as it is (no gas used, or used in a neighbouring hour: the total stays right).

Absent is not bad: an empty (or `-`) cell is no reading and gives no row; a register with no value
in the whole file gives no rows and one note; a missing hour is a `gap` note (the sample lacks
16-03-2024 13:00 to 17-03-2024 18:00 and 21-03-2024 06:00). A cell that holds something
unreadable keeps its row with an empty quantity, which validation quarantines.

The export names no meter: the user gives the EAN (`--ean`); with readings of both carriers two
(`--ean electricity=... --ean gas=...`, or two EANs told apart by their prefix). See meter_eans.assign_eans.

Source of the layout: DSMR-reader/dsmrreader-data-export-hour.csv, published in the MIT-licensed
repository patrickvorgers/Home-Assistant-Import-Energy-Data (commit 3d2ee18); copy in
tests/sources/real_samples/DSMR-reader/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import point_decimal
from footprint.sources.cell_text import absent_cells, constant
from footprint.sources.cell_times import instant, month_start
from footprint.sources.csv_table import read_table
from footprint.sources.meter_eans import ELECTRICITY, GAS, EanOption, eans_by_carrier
from footprint.sources.meter_intervals import interval_notes, negative_notes
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    no_readings_note,
    rows_only,
)
from footprint.sources.text_head import Column, sniff_header
from footprint.sources.vocabulary import CARRIER_UNITS, DIRECTIONS, TARIFFS

NAME: Final = "dsmr_reader_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name
SEPARATOR: Final = ","
INTERVAL: Final = pd.Timedelta(hours=1)

HOUR_START: Final = "Hour Start"
CONSUMPTION: Final = "consumption"
# header -> (carrier, direction, tariff); older DSMR-reader versions wrote the shorter names.
REGISTERS: Final = {
    "Electricity 1 (Dutch Users: Low Tariff)": (ELECTRICITY, CONSUMPTION, TARIFFS["low"]),
    "Electricity 2 (Dutch Users: Normal Tariff)": (ELECTRICITY, CONSUMPTION, TARIFFS["normal"]),
    "Electricity 1 Returned (Dutch Users: Low Tariff)": (ELECTRICITY, DIRECTIONS["returned"], TARIFFS["low"]),
    "Electricity 2 Returned (Dutch Users: Normal Tariff)": (ELECTRICITY, DIRECTIONS["returned"], TARIFFS["normal"]),
    "Gas": (GAS, CONSUMPTION, TARIFFS["single"]),
}
_OLDER_NAMES: Final = {
    "Electricity 1 (Dutch Users: Low Tariff)": ("Electricity 1 (low tariff)",),
    "Electricity 2 (Dutch Users: Normal Tariff)": ("Electricity 2 (high tariff)",),
    "Electricity 1 Returned (Dutch Users: Low Tariff)": ("Electricity 1 returned (low tariff)",),
    "Electricity 2 Returned (Dutch Users: Normal Tariff)": ("Electricity 2 returned (high tariff)",),
}
HEADER: Final = (
    Column(HOUR_START),
    *(Column(name, required=name != "Gas", aliases=_OLDER_NAMES.get(name, ())) for name in REGISTERS),
)
SIGNATURE: Final = HEADER[:3]


def sniff(head: str) -> bool:
    return sniff_header(head, SIGNATURE, SEPARATOR)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE, SEPARATOR)
    start = instant(table[HOUR_START])
    notes: list[Note] = []
    pieces: list[pd.DataFrame] = []
    empty: dict[tuple[str, str], list[str]] = {}
    present: dict[tuple[str, str], list[str]] = {}
    for order, (name, (carrier, direction, tariff)) in enumerate(REGISTERS.items()):
        if name not in table.present:
            continue
        present.setdefault((carrier, direction), []).append(name)
        filled = ~absent_cells(table[name].to_pandas())
        quantity = point_decimal(table[name])
        if carrier == GAS and filled.any() and np.all(quantity[filled] == 0):
            notes.append(
                Note(
                    "no_readings",
                    f"{name}: 0 in every row, DSMR-reader's value for an hour without a gas reading: "
                    "no gas meter on this P1 port, so no gas rows",
                )
            )
            continue
        if not filled.any():
            empty.setdefault((carrier, direction), []).append(name)
            continue
        at = np.flatnonzero(filled)
        pieces.append(
            pd.DataFrame(
                {"at": at, "order": order, "quantity": quantity[at], "carrier": carrier,
                 "direction": direction, "tariff": tariff}
            )
        )
    notes += _empty_register_notes(empty, present)
    rows = _long_rows(pieces)
    codes, carrier_notes = eans_by_carrier(ean, list(dict.fromkeys(rows["carrier"])), path)
    notes = carrier_notes + notes
    at = rows["at"].to_numpy(dtype=np.int64)
    begin = start.iloc[at].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "source_row": table.source_row[at],
            "ean": rows["carrier"].map(codes).astype("string").to_numpy(),
            "interval_start": begin,
            "interval_end": begin + INTERVAL,
            "period": month_start(begin),
            "quantity": rows["quantity"].to_numpy(dtype="float64"),
            "unit": rows["carrier"].map(CARRIER_UNITS).astype("string").to_numpy(),
            "direction": rows["direction"].astype("string").to_numpy(),
            "tariff": rows["tariff"].astype("string").to_numpy(),
            "estimated": constant(False, len(rows), "boolean"),
        }
    )
    frame = schemas.conform(frame, DATASET)
    notes += interval_notes(frame, "hours") + negative_notes(frame)
    notes += first_row_note(
        "unreadable_time",
        frame["interval_start"].isna().to_numpy(),
        frame["source_row"].to_numpy(),
        f"rows without a readable {HOUR_START}",
        "validation quarantines them",
    )
    return frame, capped(notes)


def _long_rows(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per filled cell, in file order and, within a line, in the order of REGISTERS."""
    if not pieces:
        return pd.DataFrame(
            {"at": np.zeros(0, np.int64), "order": 0, "quantity": np.zeros(0), "carrier": "", "direction": "",
             "tariff": ""}
        )
    return pd.concat(pieces, ignore_index=True).sort_values(["at", "order"], kind="stable")


def _empty_register_notes(
    empty: dict[tuple[str, str], list[str]], present: dict[tuple[str, str], list[str]]
) -> list[Note]:
    """One note per direction without any value (a meter without feed-in), else one per empty column."""
    notes: list[Note] = []
    for key, names in empty.items():
        carrier, direction = key
        if carrier == GAS:
            notes.append(Note("no_readings", f"{names[0]}: every cell empty: no gas readings, so no gas rows"))
        elif names == present[key]:
            notes.append(no_readings_note(direction, names, "values"))
        else:
            notes += [Note("no_readings", f"{name}: every cell empty, so no rows for it") for name in names]
    return notes


read = rows_only(read_with_report)
