"""Usage from cumulative meter readings: the usage of each register between consecutive readings, with
notes on meter replacements, counter resets, skipped and repeated readings and long intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint.sources.cell_times import at_local_midnight, month_start
from footprint.sources.notes import MAX_NOTES_PER_KIND, Note, more, row_notes, shown


@dataclass(frozen=True)
class RegisterUsage:
    """Usage of one register from its cumulative readings: one row per pair of consecutive readings."""

    position: np.ndarray  # index into the input rows of the later reading (the row the usage is reported on)
    start: np.ndarray  # datetime64[s]: day of the earlier reading
    end: np.ndarray  # datetime64[s]: day of the later reading
    quantity: np.ndarray  # NaN across a meter replacement or counter reset
    notes: list[Note]


def _day_text(day: np.datetime64) -> str:
    return pd.Timestamp(day).strftime("%d-%m-%Y")


def usage_from_readings(
    register: str,
    day: pd.Series,
    reading: np.ndarray,
    source_row: np.ndarray,
    connection: pd.Series,
    meter: pd.Series | None = None,
    expected: np.ndarray | None = None,
) -> RegisterUsage:
    """Usage between consecutive readings of one register, per connection, in date order.

    - A reading is taken at the start (00:00) of its day: the usage between the readings of day A and
      day B is the interval [A 00:00, B 00:00), reported on the row of B. A day without a reading
      simply makes the next interval longer.
    - A new meter (the meter number changes) or a reading lower than the one before (a counter
      reset) starts a new series: the interval across the break is reported with a missing quantity
      (validation quarantines it: the usage there is unknown) and a note.
    - A missing or unreadable reading where the register is `expected` (by default: where the
      connection has readings in this register at all) is skipped, its usage falling in the next
      interval, with a note; a second reading on the same day is ignored with a note.
    """
    n = len(reading)
    days = day.to_numpy(dtype="datetime64[s]")
    conn = connection.astype("string").fillna("").to_numpy(dtype=object)
    meter_ids = (
        meter.astype("string").fillna("").to_numpy(dtype=object) if meter is not None else np.full(n, "", dtype=object)
    )
    good = ~np.isnat(days) & np.isfinite(reading)
    if expected is None:
        expected = pd.Series(good).groupby(conn).transform("any").to_numpy(dtype=bool)
    skipped = expected & ~good & ~np.isnat(days)
    notes = row_notes(
        "skipped_reading",
        f"{register}: no readable meter reading; its usage is counted in the next interval",
        source_row[skipped],
    )
    positions = np.flatnonzero(good)
    order = np.lexsort((source_row[positions], days[positions], conn[positions]))
    positions = positions[order]
    s_conn, s_day, s_value, s_meter = conn[positions], days[positions], reading[positions], meter_ids[positions]
    repeated = np.zeros(len(positions), dtype=bool)
    if len(positions) > 1:
        repeated[1:] = (s_conn[1:] == s_conn[:-1]) & (s_day[1:] == s_day[:-1])
    notes += more(int(repeated.sum()), "duplicate_reading")
    for index in shown(np.flatnonzero(repeated)):
        notes.append(
            Note(
                "duplicate_reading",
                f"{register}: a second reading for {_day_text(s_day[index])} "
                f"(the first is on row {int(source_row[positions[index - 1]])}); ignored",
                row=int(source_row[positions[index]]),
            )
        )
    keep = ~repeated
    positions, s_conn, s_day, s_value, s_meter = (
        positions[keep],
        s_conn[keep],
        s_day[keep],
        s_value[keep],
        s_meter[keep],
    )
    if len(positions) < 2:
        empty = np.array([], dtype="datetime64[s]")
        return RegisterUsage(np.array([], dtype=np.int64), empty, empty, np.array([]), notes)
    later = np.arange(1, len(positions))
    earlier = later - 1
    same = s_conn[later] == s_conn[earlier]
    later, earlier = later[same], earlier[same]
    replaced = (s_meter[later] != s_meter[earlier]) & (s_meter[later] != "") & (s_meter[earlier] != "")
    reset = ~replaced & (s_value[later] < s_value[earlier])
    # Readings carry a few decimals; rounding to 6 removes binary noise (15630.4 - 15626.2 = 4.1999999999998).
    quantity = np.round(s_value[later] - s_value[earlier], 6)
    quantity[replaced | reset] = np.nan
    notes += more(int(replaced.sum()), "meter_replaced") + more(int(reset.sum()), "counter_reset")
    for i in shown(np.flatnonzero(replaced)):
        a, b = earlier[i], later[i]
        notes.append(
            Note(
                "meter_replaced",
                f"{register}: meter {s_meter[a]} was replaced by {s_meter[b]} between {_day_text(s_day[a])} "
                f"(row {int(source_row[positions[a]])}) and {_day_text(s_day[b])}: a new series starts; "
                "the usage in between is unknown and left empty",
                row=int(source_row[positions[b]]),
            )
        )
    for i in shown(np.flatnonzero(reset)):
        a, b = earlier[i], later[i]
        notes.append(
            Note(
                "counter_reset",
                f"{register}: the reading {s_value[b]:g} is lower than {s_value[a]:g} on {_day_text(s_day[a])} "
                f"(row {int(source_row[positions[a]])}): a counter reset or meter exchange; a new series "
                "starts and the usage in between is unknown and left empty",
                row=int(source_row[positions[b]]),
            )
        )
    return RegisterUsage(
        position=positions[later],
        start=s_day[earlier],
        end=s_day[later],
        quantity=quantity,
        notes=notes,
    )


def merge_register_notes(notes: Sequence[Note]) -> list[Note]:
    """One note per row and kind for events that hit every register at once (a meter replacement)."""
    merged: dict[tuple[str, int | None], list[Note]] = {}
    for note in notes:
        merged.setdefault((note.kind, note.row), []).append(note)
    out: list[Note] = []
    for (kind, row), group in merged.items():
        if len(group) == 1 or kind != "meter_replaced" or row is None:
            out.extend(group)
            continue
        registers = ", ".join(n.message.split(":", 1)[0] for n in group)
        out.append(Note(kind, f"{registers}:{group[0].message.split(':', 1)[1]}", row=row))
    return sorted(out, key=lambda n: (n.row is None, n.row or 0))


@dataclass(frozen=True)
class Register:
    """A register of cumulative readings: its label in notes, direction, tariff and readings per row."""

    label: str
    direction: str
    tariff: str
    reading: np.ndarray


def readings_to_usage(
    registers: Sequence[Register],
    day: pd.Series,
    source_row: np.ndarray,
    ean: pd.Series,
    unit: pd.Series,
    meter: pd.Series | None = None,
) -> tuple[pd.DataFrame, list[Note]]:
    """The meter_usage rows of all registers of a readings export (see usage_from_readings).

    The rows of one EAN form a connection; `unit` is per row (a gas and an electricity meter may share
    a file). A row whose date cannot be read is skipped with a note.
    """
    days = day.to_numpy(dtype="datetime64[s]")
    has_reading = np.logical_or.reduce([np.isfinite(r.reading) for r in registers]) if registers else np.zeros(0, bool)
    undated = np.isnat(days) & has_reading
    notes = row_notes("skipped_reading", "the reading date cannot be read; row skipped", source_row[undated])
    pieces: list[pd.DataFrame] = []
    for order, register in enumerate(registers):
        usage = usage_from_readings(register.label, day, register.reading, source_row, ean, meter)
        notes += usage.notes
        pieces.append(
            pd.DataFrame(
                {
                    "position": usage.position,
                    "start": usage.start,
                    "end": usage.end,
                    "quantity": usage.quantity,
                    "direction": register.direction,
                    "tariff": register.tariff,
                    "order": order,
                }
            )
        )
    rows = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(
        {"position": np.zeros(0, np.int64), "start": np.zeros(0, "datetime64[s]"), "end": np.zeros(0, "datetime64[s]"),
         "quantity": np.zeros(0), "direction": "", "tariff": "", "order": 0}
    )
    position = rows["position"].to_numpy(dtype=np.int64)
    rows = rows.assign(source_row=source_row[position]).sort_values(["source_row", "order"], kind="stable")
    position = rows["position"].to_numpy(dtype=np.int64)
    start = at_local_midnight(pd.Series(rows["start"].to_numpy(dtype="datetime64[s]")))
    frame = pd.DataFrame(
        {
            "source_row": rows["source_row"].to_numpy(dtype=np.int64),
            "ean": ean.iloc[position].reset_index(drop=True).astype("string"),
            "interval_start": start,
            "interval_end": at_local_midnight(pd.Series(rows["end"].to_numpy(dtype="datetime64[s]"))),
            "period": month_start(start),
            "quantity": rows["quantity"].to_numpy(dtype="float64"),
            "unit": unit.iloc[position].reset_index(drop=True).astype("string"),
            "direction": rows["direction"].to_numpy(dtype=object),
            "tariff": rows["tariff"].to_numpy(dtype=object),
            "estimated": pd.array(np.zeros(len(rows), dtype=bool), dtype="boolean"),
        }
    )
    return frame, merge_register_notes(notes + _long_interval_notes(rows))


def _long_interval_notes(rows: pd.DataFrame) -> list[Note]:
    """Readings further apart than the file's usual spacing (a missing day): one note per interval."""
    if rows.empty:
        return []
    days = (rows["end"].to_numpy(dtype="datetime64[D]") - rows["start"].to_numpy(dtype="datetime64[D]")).astype(
        np.int64
    )
    usual = int(np.median(days))
    spans = rows.assign(days=days)[days > usual].drop_duplicates(["source_row", "start", "end"])
    rest = more(len(spans), "long_interval")
    spans = spans.head(MAX_NOTES_PER_KIND)
    return rest + [
        Note(
            "long_interval",
            f"readings {days_apart} days apart ({_day_text(start)} to {_day_text(end)}, the file's usual "
            f"spacing is {usual} day{'s' if usual != 1 else ''}): the usage of those days is one interval",
            row=int(row),
        )
        for row, start, end, days_apart in spans[["source_row", "start", "end", "days"]].itertuples(index=False)
    ]
