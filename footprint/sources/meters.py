"""What the utility formats share: the EANs a user gives, interval lengths and gaps, usage from
cumulative meter readings, and the notes a parser hands back besides its table.

Notes are what a person should know about a file that is not an error and not one bad cell: a meter
replaced, a counter reset, a gap in the intervals, usage that does not match the readings. A format
with notes exposes `read_with_report(path, *, ean=None) -> (frame, notes)`; its `read` returns the
frame alone. `footprint parse` prints the notes.

EANs: some exports do not carry the connection's EAN (it is only in the file name, or nowhere), so
the user gives it: `ean="871687120000000004"`, or for an export with electricity and gas
`ean=["electricity=871687120000000004", "gas=871687140000000002"]` (the command line's `--ean`
given twice), or a mapping `{"electricity": ..., "gas": ...}`. A plain EAN is assigned to the only
carrier of the file, or by its prefix: 871687120... is electricity and 871687140... gas (the numbering
of the Dutch grid operators' EAN ranges used in these exports); an EAN outside those ranges needs
the carrier written before it. A file's own valid EAN always wins (own_eans, row_eans).

Absent is not bad: in a wide layout an empty or `-` cell is no reading and gives no row
(absent_cells); a direction with no value in the whole file is one note (no_readings_note). A word
the vocabulary does not know is left empty with a note naming it (unknown_word_notes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint.ean import ean_check_digit_valid, ean_problem
from footprint.errors import InputFileError, UsageError
from footprint.schemas import LOCAL_TZ
from footprint.sources import helpers
from footprint.sources.helpers import normalise_key
from footprint.sources.vocabulary import CARRIER_UNITS, CARRIERS

ELECTRICITY: Final = "electricity"
GAS: Final = "gas"
EAN_PREFIX_CARRIERS: Final = {"871687120": ELECTRICITY, "871687140": GAS}
NO_EAN: Final = (
    "no EAN in this file: give it with `footprint parse --ean`, or for ingest assign the file to its meter in "
    "footprint.yaml (meters: - ean: ..., files: [\"<file-name pattern or inbox subfolder>/*\"])"
)
MAX_NOTES_PER_KIND: Final = 20

EanOption: TypeAlias = str | Sequence[str] | Mapping[str, str] | None


@dataclass(frozen=True)
class Note:
    """Something worth telling about a file that is neither an error nor one unreadable cell.

    kind: meter_replaced, counter_reset, gap, overlap, duplicate_reading, skipped_reading,
    long_interval, usage_mismatch, carrier, negative_usage, unreadable_time, ignored_column,
    no_readings (a direction the layout has columns for but the file no value in), unknown_word.
    `count` is the number of events a note stands for: more than one on the note that sums up those
    not listed one by one.
    """

    kind: str
    message: str
    row: int | None = None
    count: int = 1

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row is not None else self.message


def capped(notes: Sequence[Note]) -> list[Note]:
    """At most MAX_NOTES_PER_KIND notes of each kind, then one per kind saying how many more there were."""
    kept: list[Note] = []
    shown: dict[str, int] = {}
    rest: dict[str, int] = {}
    for note in notes:
        if note.count == 1 and shown.get(note.kind, 0) < MAX_NOTES_PER_KIND:
            shown[note.kind] = shown.get(note.kind, 0) + 1
            kept.append(note)
        else:
            rest[note.kind] = rest.get(note.kind, 0) + note.count
    kept += [
        Note(kind, f"... and {count} more like this ({kind}) not listed", count=count) for kind, count in rest.items()
    ]
    return kept


def _shown(positions: np.ndarray) -> np.ndarray:
    """The events listed one by one; the rest are summed up by `_rest`."""
    return positions[:MAX_NOTES_PER_KIND]


def _rest(positions: np.ndarray, kind: str) -> list[Note]:
    extra = len(positions) - MAX_NOTES_PER_KIND
    return [Note(kind, f"... and {extra} more like this ({kind}) not listed", count=extra)] if extra > 0 else []


# --- EANs given by the user -------------------------------------------------------------------


def _clean_ean(value: str) -> str:
    ean = "".join(value.split())
    problem = ean_problem(ean)
    if problem is not None:
        raise UsageError(f"--ean {problem}")
    return ean


def _carrier_word(word: str, item: str) -> str:
    carrier = CARRIERS.get(normalise_key(word))
    if carrier is None:
        raise UsageError(f"--ean {item!r}: unknown carrier {word!r}; write electricity=<EAN> or gas=<EAN>")
    return carrier


def parse_ean_option(option: EanOption) -> list[tuple[str | None, str]]:
    """(carrier or None, EAN) pairs from what the user gave; a malformed EAN is a UsageError."""
    if option is None:
        return []
    if isinstance(option, Mapping):
        return [(_carrier_word(str(k), f"{k}={v}"), _clean_ean(str(v))) for k, v in option.items()]
    items = [option] if isinstance(option, str) else list(option)
    pairs: list[tuple[str | None, str]] = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            if "=" in part:
                word, _, code = part.partition("=")
                pairs.append((_carrier_word(word, part), _clean_ean(code)))
            else:
                pairs.append((None, _clean_ean(part)))
    return pairs


def carrier_by_prefix(ean: str) -> str | None:
    return next((carrier for prefix, carrier in EAN_PREFIX_CARRIERS.items() if ean.startswith(prefix)), None)


def _prefix_of(ean: str) -> str:
    return next(prefix for prefix in EAN_PREFIX_CARRIERS if ean.startswith(prefix))


def _carrier_hint(carriers: Sequence[str]) -> str:
    if len(carriers) > 1:
        wanted = " ".join(f"--ean {c}=<EAN>" for c in carriers)
        return f" (this export holds {' and '.join(carriers)}: {wanted})"
    return ""


class Assigned(list[str]):
    """The meters footprint.yaml assigns a file to (meters[].files), as `carrier=EAN` items.

    Unlike EANs a person gives for one file, an assignment may name more carriers than the file
    holds (a pattern shared by a site's electricity and gas exports): those are passed over.
    """


def assign_eans(option: EanOption, carriers: Sequence[str], path: object) -> dict[str, str]:
    """The EAN of each carrier the file holds (electricity, gas), from what the user gave.

    Raises InputFileError when an EAN is missing, belongs to a carrier the file does not hold (but
    for an Assigned option, see there), or cannot be placed; UsageError when an EAN is malformed.
    """
    pairs = parse_ean_option(option)
    if isinstance(option, Assigned):
        pairs = [(carrier, ean) for carrier, ean in pairs if carrier is None or carrier in carriers]
    if not pairs:
        raise InputFileError(path, NO_EAN + _carrier_hint(carriers), column="EAN")
    assigned: dict[str, str] = {}

    def put(carrier: str, ean: str, how: str) -> None:
        if carrier not in carriers:
            raise InputFileError(
                path,
                f"EAN {ean} is {how} a {carrier} connection, but this file holds {' and '.join(carriers)} data"
                + (
                    f"; if the EAN is right, write --ean {carriers[0]}={ean}"
                    if how.startswith("by its prefix") and len(carriers) == 1
                    else ""
                ),
                column="EAN",
            )
        if assigned.get(carrier, ean) != ean:
            raise InputFileError(path, f"two EANs for the {carrier} data: {assigned[carrier]} and {ean}", column="EAN")
        assigned[carrier] = ean

    plain = [ean for carrier, ean in pairs if carrier is None]
    for carrier, ean in pairs:
        if carrier is not None:
            put(carrier, ean, "given as")
    for ean in plain:
        by_prefix = carrier_by_prefix(ean)
        open_carriers = [c for c in carriers if c not in assigned]
        if by_prefix is not None:
            put(by_prefix, ean, f"by its prefix {_prefix_of(ean)}")
        elif len(open_carriers) == 1 and len(plain) == 1:
            assigned[open_carriers[0]] = ean
        else:
            raise InputFileError(
                path,
                f"cannot tell which carrier EAN {ean} belongs to: write --ean electricity=<EAN> or --ean gas=<EAN>",
                column="EAN",
            )
    missing = [c for c in carriers if c not in assigned]
    if missing:
        raise InputFileError(
            path, f"no EAN for the {missing[0]} data in this file: give it with --ean {missing[0]}=<EAN>", column="EAN"
        )
    return assigned


def carrier_of_given_ean(option: EanOption, path: object) -> tuple[str, str, str]:
    """For a layout that does not tell electricity from gas: (carrier, EAN, how it was decided)."""
    pairs = parse_ean_option(option)
    if not pairs:
        raise InputFileError(path, NO_EAN, column="EAN")
    if len(pairs) > 1:
        raise InputFileError(path, "one EAN per file: this export holds one connection", column="EAN")
    carrier, ean = pairs[0]
    if carrier is not None:
        return carrier, ean, f"given as --ean {carrier}={ean}"
    by_prefix = carrier_by_prefix(ean)
    if by_prefix is None:
        raise InputFileError(
            path,
            f"this layout does not say whether it is electricity or gas, and EAN {ean} is not in the "
            f"{'/'.join(EAN_PREFIX_CARRIERS)} ranges: write --ean electricity={ean} or --ean gas={ean}",
            column="EAN",
        )
    return by_prefix, ean, f"EAN {ean} starts with {_prefix_of(ean)}"


def selected_eans(eans: pd.Series, option: EanOption, path: object) -> np.ndarray:
    """For a file that names its EANs: which rows to keep (all without `option`, else those EANs)."""
    pairs = parse_ean_option(option)
    if not pairs:
        return np.ones(len(eans), dtype=bool)
    wanted = {ean for _, ean in pairs}
    present = set(eans.dropna().unique())
    absent = sorted(wanted - present)
    if absent:
        listed = ", ".join(sorted(present)[:10]) or "none"
        raise InputFileError(path, f"EAN {absent[0]} is not in this file (it holds: {listed})", column="EAN")
    return eans.isin(wanted).fillna(False).to_numpy(dtype=bool)


def own_eans(values: pd.Series) -> pd.Series:
    """The file's own EAN per row where the cell holds one (18 digits, a check digit that holds, not one digit
    repeated); <NA> where it holds a placeholder (XXXXXXXXXXXXXXXXXX, a masked or made-up code) or nothing."""
    text = values.astype("string").str.strip()
    return text.where(ean_check_digit_valid(text).fillna(False).astype(bool)).astype("string")


def row_eans(
    values: pd.Series, option: EanOption, path: object, carriers: pd.Series | None = None
) -> pd.Series:
    """Each row's EAN by the one meter rule of parse and ingest.

    The file's own EAN counts where it is one (see own_eans). Rows without one take what the user
    gave (`--ean`, or the footprint.yaml assignment the pipeline passes as `ean`), placed by the rows'
    carrier ("electricity"/"gas", None when the layout does not say). A file where no row names a
    meter and nothing was given is refused with the routes that give it one; where only some rows
    lack it, those keep their cell as written, so validation quarantines each with its value.
    """
    own = own_eans(values)
    lacking = own.isna().to_numpy()
    if not lacking.any():
        return own
    pairs = parse_ean_option(option)
    if not pairs:
        if lacking.all():
            shown = next((v for v in values.astype("string").dropna().str.strip() if v), None)
            what = f"the EAN column holds {ean_problem(shown)}; " if shown else ""
            raise InputFileError(path, what + NO_EAN, column="EAN")
        return own.mask(pd.Series(lacking, index=own.index), values.astype("string").str.strip())
    if carriers is None:
        if len(pairs) > 1:
            raise InputFileError(path, "one EAN per file: this export holds one connection", column="EAN")
        filled = pd.Series(pairs[0][1], index=own.index, dtype="string")
    else:
        needed = sorted(set(carriers[lacking].dropna()))
        assigned = assign_eans(option, needed, path) if needed else {}
        filled = carriers.map(assigned).astype("string")
    return own.mask(pd.Series(lacking, index=own.index), filled)


def unit_of(carrier: str) -> str:
    return CARRIER_UNITS[carrier]


# --- intervals ----------------------------------------------------------------------------------

_MAX_STEP: Final = pd.Timedelta(days=1)


def interval_steps(moments: pd.Series, groups: np.ndarray) -> np.ndarray:
    """The interval length of each row's series: the most common distance between its consecutive
    timestamps (15 minutes, an hour). A series with fewer than two timestamps gets 15 minutes when a
    timestamp is off the hour, else an hour. Returned per row as timedelta64[us]."""
    n = len(moments)
    stamps = moments.to_numpy(dtype="datetime64[us]") if n else np.array([], dtype="datetime64[us]")
    codes, uniques = pd.factorize(pd.Series(groups), use_na_sentinel=False)
    order = np.lexsort((stamps.astype("int64"), codes))
    s_codes = codes[order]
    s_stamps = stamps[order]
    valid = ~np.isnat(s_stamps)
    diffs = np.diff(s_stamps).astype("timedelta64[us]")
    same = (s_codes[1:] == s_codes[:-1]) & valid[1:] & valid[:-1]
    usable = same & (diffs > np.timedelta64(0, "us")) & (diffs <= _MAX_STEP.to_timedelta64())
    step_of_group = np.full(len(uniques), np.timedelta64(-1, "us"), dtype="timedelta64[us]")
    if usable.any():
        counted = (
            pd.DataFrame({"g": s_codes[1:][usable], "d": diffs[usable].astype("int64")})
            .value_counts()
            .reset_index(name="n")
            .sort_values(["g", "n", "d"], ascending=[True, False, True])
            .drop_duplicates("g")
        )
        step_of_group[counted["g"].to_numpy()] = counted["d"].to_numpy().astype("timedelta64[us]")
    missing = step_of_group < np.timedelta64(0, "us")
    if missing.any():
        minutes = pd.Series(moments).dt.minute.to_numpy(dtype="float64", na_value=np.nan)
        off_hour = pd.Series(np.nan_to_num(minutes) != 0).groupby(codes).any()
        fallback = np.where(
            off_hour.reindex(range(len(uniques)), fill_value=False).to_numpy(),
            np.timedelta64(15, "m"),
            np.timedelta64(60, "m"),
        ).astype("timedelta64[us]")
        step_of_group[missing] = fallback[missing]
    return step_of_group[codes] if n else np.array([], dtype="timedelta64[us]")


def format_moment(moment: pd.Timestamp) -> str:
    """dd-mm-yyyy HH:MM+hh:mm, as a note shows an instant (the offset keeps the doubled hour apart)."""
    offset = moment.strftime("%z")
    return moment.strftime("%d-%m-%Y %H:%M") + f"{offset[:3]}:{offset[3:]}"


def interval_notes(frame: pd.DataFrame, what: str = "intervals") -> list[Note]:
    """Gaps and overlaps between consecutive intervals of each EAN, direction and tariff series."""
    keys = ["ean", "direction"]
    usable = frame.dropna(subset=["interval_start", "interval_end"])
    if usable.empty:
        return []
    usable = usable.drop_duplicates(["ean", "direction", "interval_start", "interval_end"])
    usable = usable.sort_values(keys + ["interval_start"])
    same = (usable["ean"].eq(usable["ean"].shift())) & (usable["direction"].eq(usable["direction"].shift()))
    same = same.fillna(False).to_numpy(dtype=bool)
    previous_end = usable["interval_end"].shift()
    start = usable["interval_start"]
    gap = same & (start > previous_end).fillna(False).to_numpy(dtype=bool)
    overlap = same & (start < previous_end).fillna(False).to_numpy(dtype=bool)
    notes: list[Note] = []
    for index in _shown(np.flatnonzero(gap)):
        begin, end = previous_end.iloc[index], start.iloc[index]
        step = usable["interval_end"].iloc[index] - start.iloc[index]
        count = int((end - begin) / step) if step > pd.Timedelta(0) else 0
        notes.append(
            Note(
                "gap",
                f"no {what} for EAN {usable['ean'].iloc[index]} ({usable['direction'].iloc[index]}) from "
                f"{format_moment(begin)} to {format_moment(end)}"
                + (f" ({count} missing)" if count else ""),
                row=int(usable["source_row"].iloc[index]),
            )
        )
    notes += _rest(np.flatnonzero(gap), "gap")
    for index in _shown(np.flatnonzero(overlap)):
        notes.append(
            Note(
                "overlap",
                f"the interval from {format_moment(start.iloc[index])} overlaps the one before it "
                f"(EAN {usable['ean'].iloc[index]}, {usable['direction'].iloc[index]}): "
                "a repeated or shifted timestamp",
                row=int(usable["source_row"].iloc[index]),
            )
        )
    return notes + _rest(np.flatnonzero(overlap), "overlap")


def negative_notes(frame: pd.DataFrame) -> list[Note]:
    negative = frame["quantity"].lt(0).fillna(False).to_numpy(dtype=bool)
    if not negative.any():
        return []
    rows = frame["source_row"].to_numpy()[negative]
    return [
        Note(
            "negative_usage",
            f"{int(negative.sum())} negative usage values (first on row {int(rows[0])}): "
            "validation quarantines them; is net feed-in written as negative consumption?",
        )
    ]


# --- cumulative readings ------------------------------------------------------------------------


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
    notes: list[Note] = []
    if expected is None:
        expected = pd.Series(good).groupby(conn).transform("any").to_numpy(dtype=bool)
    skipped = expected & ~good & ~np.isnat(days)
    if skipped.any():
        for position in _shown(np.flatnonzero(skipped)):
            notes.append(
                Note(
                    "skipped_reading",
                    f"{register}: no readable meter reading; its usage is counted in the next interval",
                    row=int(source_row[position]),
                )
            )
        notes += _rest(np.flatnonzero(skipped), "skipped_reading")
    positions = np.flatnonzero(good)
    order = np.lexsort((source_row[positions], days[positions], conn[positions]))
    positions = positions[order]
    s_conn, s_day, s_value, s_meter = conn[positions], days[positions], reading[positions], meter_ids[positions]
    repeated = np.zeros(len(positions), dtype=bool)
    if len(positions) > 1:
        repeated[1:] = (s_conn[1:] == s_conn[:-1]) & (s_day[1:] == s_day[:-1])
    notes += _rest(np.flatnonzero(repeated), "duplicate_reading")
    for index in _shown(np.flatnonzero(repeated)):
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
    notes += _rest(np.flatnonzero(replaced), "meter_replaced") + _rest(np.flatnonzero(reset), "counter_reset")
    for i in _shown(np.flatnonzero(replaced)):
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
    for i in _shown(np.flatnonzero(reset)):
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


# --- timestamps ---------------------------------------------------------------------------------

_DMY_OFFSET_FORMATS: Final = ("%d-%m-%Y %H:%M:%S %z", "%d-%m-%Y %H:%M %z", "%d-%m-%Y %H:%M:%S%z", "%d-%m-%Y %H:%M%z")
_DMY_LOCAL_FORMATS: Final = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")


def dutch_instant(values: pa.Array) -> pd.Series:
    """Timestamps as Dutch portals write them, to aware Europe/Amsterdam time.

    "01-01-2023 00:15:00 +0100" (day first, UTC offset) is unambiguous; ISO-8601 works as in
    helpers.instant; a day-first local time without offset is placed in local time, where the doubled
    and the skipped hour are NaT.
    """
    aware = helpers._sql(
        f"SELECT {helpers.strptime_each('trim(v)', _DMY_OFFSET_FORMATS)} AS t FROM cells", v=values
    )["t"].to_pandas()
    result = aware.dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")
    unread = result.isna().to_numpy()
    if unread.any():
        rows = np.flatnonzero(unread)
        iso = helpers.instant(values.take(rows))
        result.iloc[rows] = iso.array
        unread = result.isna().to_numpy()
    if unread.any():
        rows = np.flatnonzero(unread)
        naive = helpers._sql(
            f"SELECT {helpers.strptime_each('trim(v)', _DMY_LOCAL_FORMATS)} AS t FROM cells",
            v=values.take(rows),
        )["t"].to_pandas()
        local = naive.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
        result.iloc[rows] = local.astype(f"datetime64[us, {LOCAL_TZ}]").array
    first = pd.Timestamp(helpers.PLAUSIBLE_YEARS.start, 1, 1, tz=LOCAL_TZ)
    end = pd.Timestamp(helpers.PLAUSIBLE_YEARS.stop, 1, 1, tz=LOCAL_TZ)
    return result.where((result >= first) & (result < end))


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
    notes: list[Note] = []
    days = day.to_numpy(dtype="datetime64[s]")
    has_reading = np.logical_or.reduce([np.isfinite(r.reading) for r in registers]) if registers else np.zeros(0, bool)
    undated = np.isnat(days) & has_reading
    for position in _shown(np.flatnonzero(undated)):
        notes.append(
            Note("skipped_reading", "the reading date cannot be read; row skipped", row=int(source_row[position]))
        )
    notes += _rest(np.flatnonzero(undated), "skipped_reading")
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
    start = helpers.at_local_midnight(pd.Series(rows["start"].to_numpy(dtype="datetime64[s]")))
    frame = pd.DataFrame(
        {
            "source_row": rows["source_row"].to_numpy(dtype=np.int64),
            "ean": ean.iloc[position].reset_index(drop=True).astype("string"),
            "interval_start": start,
            "interval_end": helpers.at_local_midnight(pd.Series(rows["end"].to_numpy(dtype="datetime64[s]"))),
            "period": helpers.month_start(start),
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
    rest = _rest(np.arange(len(spans)), "long_interval")
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


# --- absent cells and words the vocabulary does not know ---------------------------------------

DIRECTION_NAMES: Final = {"consumption": "consumption", "feed_in": "feed-in", "generation": "generation"}


def absent_cells(cells: pd.Series) -> np.ndarray:
    """Cells of a wide layout (a column per register) that hold no reading: empty, spaces only, or `-`.

    Such a cell is a register that did not run or a reading not taken: it gives no row (a missing
    interval is a gap note). Only a cell with something unreadable in it becomes a missing quantity,
    which validation quarantines.
    """
    text = cells.astype("string").str.strip()
    return (text.isna() | text.isin(helpers.MISSING_MARKERS)).to_numpy(dtype=bool)


def no_readings_note(direction: str, columns: Sequence[str], what: str = "readings") -> Note:
    """The one note for a direction the layout has columns for and the file no value in (a meter without
    feed-in): no rows, and nothing to quarantine."""
    name = DIRECTION_NAMES.get(direction, direction)
    return Note(
        "no_readings",
        f"no {name} {what} in this file ({', '.join(columns)}: every cell empty): no {name} rows",
    )


def unknown_word_notes(
    words: pd.Series, unknown: np.ndarray, source_row: np.ndarray, column: str, outcome: str
) -> list[Note]:
    """One note per distinct word of `column` that footprint/data/vocabulary.yaml does not list, with how
    many rows hold it and the first; `outcome` says what became of those rows."""
    if not unknown.any():
        return []
    found = pd.DataFrame(
        {"word": words[unknown].fillna("(empty)").to_numpy(dtype=object), "row": source_row[unknown]}
    ).groupby("word", sort=False)["row"].agg(["size", "min"])
    notes = [
        Note(
            "unknown_word",
            f"{column} {word!r} on {count} row{'s' if count != 1 else ''} is not a word footprint knows "
            f"(footprint/data/vocabulary.yaml): {outcome}",
            row=int(first),
        )
        for word, count, first in found.head(MAX_NOTES_PER_KIND).itertuples()
    ]
    return notes + _rest(np.arange(len(found)), "unknown_word")
