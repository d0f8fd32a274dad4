"""Daily usage overview workbook of Eneco and its brand Oxxio ("Verbruik_<from>-<to>.xlsx").

A two-row header: a group row naming the carrier and unit over each block of columns, then the
column names. One row per day.

    column  row 1 (groups)              row 2 (names)                    row 3 (a day)
    A                                       Datum                            2023-06-05
    B       Stroom [kWh]                    Meterstand laagtarief (El 1)     15626
    C                                       Meterstand hoogtarief (El 2)     17771
    D                                       Verbruik laag tarief             3
    E                                       Verbruik hoog tarief             8
    F                                       Geschat?                         N
    G       Gas [m3]                        Meterstand                       11052
    H                                       Verbruik                         1
    I                                       Geschat?                         N
    J       Stroom teruglevering[kWh]       Meterstand laagtarief (El 3)     0
    ...                                     Teruglevering laag tarief, Teruglevering hoog tarief, Geschat?

Groups: "Stroom" is electricity consumption, "Stroom teruglevering" electricity feed-in, "Gas" gas
consumption (footprint/data/vocabulary.yaml, overview_groups); the unit is the one in brackets, read
through the vocabulary's meter units. A group that names no unit ("Gas" without "[m3]": suppliers
also write gas in kWh) or a unit footprint does not know is not read, and a note says so. The usage
columns ("Verbruik ...", "Teruglevering ...") give the usage of that day (00:00 to 00:00 the next day,
local time, so the 23- and 25-hour days come out right); "laag"/"hoog" in the name is the low/high
tariff; a group's only usage column without a tariff word is its single register. An empty or `-`
usage cell is no reading and gives no row (a missing day among others is a gap note); a group with no
usage value anywhere (a connection without feed-in) gives no rows and one `no_readings` note. Only
an unreadable cell gives a row with a missing quantity, which validation refuses.
Geschat? (Y/N) marks the group's values of that day as estimated. The meter readings are not used for
the figures: they cross-check them, and a day whose usage does not match the difference between its
readings and the next day's (a meter replacement, a missing reading) is reported as a note.

The workbook holds no EAN: the user gives it (`--ean`). An overview with electricity and gas needs
both: `--ean electricity=<EAN> --ean gas=<EAN>`, or two plain EANs that the 871687120/871687140
prefixes tell apart.

Why this is code, not a profile: a column is known only by two header rows together. The same names
("Verbruik", "Meterstand", "Geschat?") appear under several groups, and the group row, not the column,
says the carrier, the direction and the unit ("Stroom teruglevering[kWh]", with the unit read from the
brackets through the vocabulary, and a group without a unit left out with a note). A meter profile names
a column by one header cell and states its unit itself; it has no group row, no per-group estimated
flag (each group's own "Geschat?") and no cross-check of a day's usage against the next day's meter
readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import absent_cells, lookup
from footprint.sources.cell_times import (
    PLAUSIBLE_YEARS,
    at_local_midnight,
    local_date,
    month_start,
)
from footprint.sources.meter_eans import EanOption, assign_eans
from footprint.sources.meter_intervals import interval_notes, negative_notes
from footprint.sources.notes import (
    MAX_NOTES_PER_KIND,
    Note,
    capped,
    no_readings_note,
    rows_only,
    shown,
)
from footprint.sources.text_head import normalise_key, normalise_name
from footprint.sources.vocabulary import METER_UNITS, OVERVIEW_GROUPS, YES_NO

NAME: Final = "energy_overview_xlsx"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name
CONTAINER: Final = "sheet"
HEADER: Final = ("Datum", "Verbruik ...", "Teruglevering ...", "Meterstand ...", "Geschat?")
SIGNATURE: Final = ("group row: 'Stroom [kWh]' / 'Gas [m3]'", "Datum", "Verbruik ...")

_GROUP: Final = re.compile(r"^\s*(?P<name>[^\[\]]*?)\s*(\[(?P<unit>[^\]]*)\])?\s*$")


@dataclass
class _Group:
    title: str
    carrier: str
    direction: str
    unit: str
    multiplier: float
    usage: list[tuple[int, str, str]] = field(default_factory=list)  # (column, name, tariff)
    readings: dict[str, tuple[int, str]] = field(default_factory=dict)  # tariff -> (column, name)
    estimated: int | None = None


@dataclass
class _Layout:
    header: int
    date: int
    groups: list[_Group]
    ignored: list[tuple[str, str]]  # (group title, why it is not read)


def _tariff(name: str) -> str:
    key = normalise_key(name)
    if "laag" in key or "dal" in key:
        return "low"
    if "hoog" in key or "normaal" in key:
        return "high"
    return "single"


def _group_of(title: str) -> _Group | str:
    """The group a title names, or why it is not read: an unknown carrier, no unit, or an unknown unit."""
    match = _GROUP.match(title)
    known = OVERVIEW_GROUPS.get(normalise_key(match["name"])) if match else None
    if match is None or known is None:
        return "not a carrier footprint knows (vocabulary.yaml overview_groups)"
    carrier, direction = known
    if not match["unit"]:
        return "names no unit in brackets (such as [kWh] or [m3]), and footprint does not assume one"
    unit, multiplier = METER_UNITS.get(normalise_key(match["unit"]), (None, 1.0))
    if unit is None:
        return f"unit {match['unit']!r} is not one footprint knows (vocabulary.yaml meter_units)"
    return _Group(title=title.strip(), carrier=carrier, direction=direction, unit=unit, multiplier=multiplier)


def _layout(rows: list[list[str]]) -> _Layout | None:
    """The header row (Datum, ...) below a group row with at least one known group."""
    for index in range(1, min(len(rows), sheets.HEAD_ROWS)):
        names = rows[index]
        date = next((i for i, cell in enumerate(names) if normalise_name(cell) == "datum"), None)
        if date is None:
            continue
        titles = rows[index - 1]
        groups: list[_Group] = []
        ignored: list[tuple[str, str]] = []
        current: _Group | None = None
        for column, name in enumerate(names):
            title = titles[column] if column < len(titles) else ""
            if title.strip():
                group = _group_of(title)
                current = group if isinstance(group, _Group) else None
                if isinstance(group, _Group):
                    groups.append(group)
                else:
                    ignored.append((title.strip(), group))
            if current is None or column == date or not name.strip():
                continue
            key = normalise_key(name)
            if key.startswith(("verbruik", "teruglevering", "levering")):
                current.usage.append((column, name.strip(), _tariff(name)))
            elif key.startswith("meterstand"):
                current.readings.setdefault(_tariff(name), (column, name.strip()))
            elif key.startswith("geschat"):
                current.estimated = column
        groups = [g for g in groups if g.usage]
        if groups:
            return _Layout(header=index, date=date, groups=groups, ignored=ignored)
    return None


def sniff(head: str) -> bool:
    return _layout(sheets.head_rows(head)) is not None


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    sheet = sheets.read_sheet(path, NAME, sniff)
    layout = _layout(sheet.header_rows())
    if layout is None:
        raise InputFileError(
            path,
            "no two-row header (a group row such as 'Stroom [kWh]' or 'Gas [m3]' above a row with 'Datum' and "
            f"'Verbruik ...' columns): not an {NAME} file",
        )
    notes = [Note("ignored_column", f"column group {title!r} is not read: {why}") for title, why in layout.ignored]
    body, source_row = sheet.body(layout.header + 1)
    absent = {column: absent_cells(body[column]) for group in layout.groups for column, _, _ in group.usage}
    groups: list[_Group] = []
    for group in layout.groups:
        if np.logical_and.reduce([absent[column] for column, _, _ in group.usage]).all():
            notes.append(no_readings_note(group.direction, [f"{group.title} {c}" for _, c, _ in group.usage]))
        else:
            groups.append(group)
    # Only carriers with figures need an EAN: an overview whose gas columns are empty has no gas connection.
    codes = assign_eans(ean, list(dict.fromkeys(g.carrier for g in groups)), path) if groups else {}
    day = sheets.dates(body[layout.date], local_date)
    day = day.where((day.dt.year >= PLAUSIBLE_YEARS.start) & (day.dt.year < PLAUSIBLE_YEARS.stop))
    start = at_local_midnight(day)
    end = at_local_midnight(day + pd.Timedelta(days=1))
    n = len(body)
    # No rows at all when every usage column is empty: the frame keeps its columns.
    pieces: list[pd.DataFrame] = [pd.DataFrame({"at": np.zeros(0, np.int64), "order": 0, "ean": "", "quantity": 0.0,
                                                "unit": "", "direction": "", "tariff": "", "estimated": None})]
    mismatch: list[pd.DataFrame] = []
    order = 0
    for group in groups:
        estimated = (
            lookup(sheets.texts(body[group.estimated]), YES_NO)
            if group.estimated is not None
            else pd.Series(pd.NA, index=range(n), dtype="boolean")
        )
        for column, name, tariff in group.usage:
            quantity = sheets.numbers(body[column], decimal) * group.multiplier
            at = np.flatnonzero(~absent[column])
            pieces.append(
                pd.DataFrame(
                    {
                        "at": at,
                        "order": order,
                        "ean": codes[group.carrier],
                        "quantity": quantity[at],
                        "unit": group.unit,
                        "direction": group.direction,
                        "tariff": tariff,
                        "estimated": estimated.to_numpy(dtype=object, na_value=None)[at],
                    }
                )
            )
            order += 1
            if tariff in group.readings:
                mismatch.append(_mismatch(group, name, quantity, body[group.readings[tariff][0]], day))
    rows = pd.concat(pieces, ignore_index=True).sort_values(["at", "order"], kind="stable")
    at = rows["at"].to_numpy()
    frame = pd.DataFrame(
        {
            "source_row": source_row[at],
            "ean": rows["ean"].to_numpy(dtype=object),
            "interval_start": start.iloc[at].reset_index(drop=True),
            "interval_end": end.iloc[at].reset_index(drop=True),
            "period": month_start(start.iloc[at].reset_index(drop=True)),
            "quantity": rows["quantity"].to_numpy(dtype="float64"),
            "unit": rows["unit"].to_numpy(dtype=object),
            "direction": rows["direction"].to_numpy(dtype=object),
            "tariff": rows["tariff"].to_numpy(dtype=object),
            "estimated": pd.array(rows["estimated"].to_numpy(dtype=object), dtype="boolean"),
        }
    )
    frame = schemas.conform(frame, DATASET)
    notes += _mismatch_notes(mismatch, source_row, day)
    notes += interval_notes(frame, "days") + negative_notes(frame)
    return frame, capped(notes)


def _mismatch(group: _Group, name: str, usage: np.ndarray, readings: pd.Series, day: pd.Series) -> pd.DataFrame:
    """Days whose usage is not the next day's reading minus this day's (only where the next row is the next day)."""
    value = sheets.numbers(readings, decimal) * group.multiplier
    following = np.append(value[1:], np.nan)
    days = day.to_numpy(dtype="datetime64[D]")
    next_day = np.append(days[1:], np.datetime64("NaT"))
    consecutive = (next_day - days) == np.timedelta64(1, "D")
    difference = following - value
    checked = consecutive & np.isfinite(difference) & np.isfinite(usage)
    wrong = np.flatnonzero(checked & ~np.isclose(difference, usage, rtol=0, atol=1e-6))
    return pd.DataFrame(
        {
            "at": wrong,
            "title": group.title,
            "name": name,
            "usage": usage[wrong],
            "reading": value[wrong],
            "following": following[wrong],
        }
    )


def _mismatch_notes(parts: list[pd.DataFrame], source_row: np.ndarray, day: pd.Series) -> list[Note]:
    if not parts:
        return []
    found = pd.concat(parts, ignore_index=True).sort_values("at", kind="stable")
    rows = found["at"].unique()
    listed = found[found["at"].isin(shown(rows))]
    notes: list[Note] = []
    for at, group in listed.groupby("at", sort=True):
        when = pd.Timestamp(day.iloc[at]).strftime("%d-%m-%Y")
        detail = "; ".join(
            f"{title} {name} {usage:g} (readings {reading:g} -> {following:g})"
            for title, name, usage, reading, following in group[
                ["title", "name", "usage", "reading", "following"]
            ].itertuples(index=False)
        )
        notes.append(
            Note(
                "usage_mismatch",
                f"the usage of {when} does not match the meter readings of that day and the next: {detail}. "
                "A meter replaced or a reading missing? The file's usage is used as it is",
                row=int(source_row[at]),
            )
        )
    extra = len(rows) - MAX_NOTES_PER_KIND
    if extra > 0:
        notes.append(Note("usage_mismatch", f"... and {extra} more days like this not listed", count=extra))
    return notes


read = rows_only(read_with_report)
