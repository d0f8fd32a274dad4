"""The time axis of an unknown meter export: which columns hold the time, in which format, what a row's
interval is and whether its time marks the interval's start or end.

A column's cells are matched against the shapes exports write (ISO-8601 with or without offset, the
Dutch portals' `dd-mm-yyyy HH:MM:SS +0100`, Unix seconds, day-first dates, separate date and time
columns); the shape of nearly all of them (a totals line or a few junk lines may have none) is then
confirmed by parsing the whole column with the profile engine's own parser
(meter_profile_table.parse_moments): a format suggest writes is one the engine reads. Whether a time
marks an interval's start or end is judged by the clock the file writes (UTC for `Z` and Unix time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from footprint.sources.meter_profile_table import parse_moments
from footprint.sources.suggest_columns import tokens
from footprint.sources.suggest_table import SampleTable
from footprint.sources.suggest_yaml import Entry, Key, Remark

START_WORDS: Final = frozenset({"van", "vanaf", "from", "start", "begin", "starttijd", "begintijd", "beginning"})
END_WORDS: Final = frozenset({"tot", "until", "end", "eind", "einde", "eindtijd", "to"})
_LOOKED_AT: Final = 2000  # cells of a column whose shapes are compared (first and last); the parse checks all
_PARSED_SHARE: Final = 0.95  # a local time loses the doubled autumn hour, a file may end in a totals line
_FOOTER_WORD: Final = r"^[^\d]*[^\W\d_][^\d]*$"  # a cell of letters without digits where a time belongs: Totaal
_MIDNIGHT_24: Final = r"^\s*24:00(:00)?\s*$"  # the end of a day as end-marked exports write it
_WRITTEN_CLOCK: Final = re.compile(r"(\d\d?):(\d\d)(?::\d\d(?:\.\d+)?)?\s?(Z|[+-]\d\d(?::?\d\d)?)\s*$")
_UNIX_SECONDS: Final = (946_684_800, 4_102_444_800)  # 2000 up to 2100: other integers are no clock

# (name, aware, pattern): the shape of one cell, and what a column of such cells is
_SHAPES: Final = (
    ("iso", True, re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?\s?(Z|[+-]\d\d(:?\d\d)?)$")),
    ("dutch", True, re.compile(r"^\d\d?-\d\d?-\d{4} \d\d?:\d\d(:\d\d)? ?[+-]\d{4}$")),
    ("iso", False, re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$")),
    ("ymd", False, re.compile(r"^(\d{4})([-/.])(\d\d?)\2(\d\d?)$")),
    ("dmy", False, re.compile(r"^(\d\d?)([-/.])(\d\d?)\2(\d{4})$")),
    ("dmy_time", False, re.compile(r"^(\d\d?)([-/.])(\d\d?)\2(\d{4})[ T](\d\d?):(\d\d)(:\d\d)?$")),
    ("time", False, re.compile(r"^(\d\d?):(\d\d)(:\d\d)?$")),
)


@dataclass(frozen=True)
class TimeColumn:
    name: str
    kind: str  # "moment" (date and time), "date", "time"
    formats: tuple[str, ...]
    aware: bool  # written with its UTC offset (or Unix time): the doubled autumn hour stays apart
    why: str
    moments: pd.Series | None = None  # parsed (moment and date columns)
    words: tuple[str, ...] = ()  # cells that are words, not times (a totals line's Totaal): rows to drop
    midnight_24: int = 0  # time-of-day cells written 24:00, which the engine does not read


def _cells(table: SampleTable, name: str) -> list[str]:
    text = pd.Series(table.text(name).to_pandas(), dtype="string").str.strip()
    filled = text[text.fillna("").ne("") & text.ne("-")]
    if len(filled) > 2 * _LOOKED_AT:
        filled = pd.concat([filled.head(_LOOKED_AT), filled.tail(_LOOKED_AT)])
    return [str(v) for v in filled]


def _unix(cells: list[str]) -> str | None:
    """Unix seconds or milliseconds, when nearly every cell is one between 2000 and 2100."""
    digits = [c for c in cells if c.isdigit() and len(c) <= 15]
    if not cells or len(digits) < _PARSED_SHARE * len(cells):
        return None
    numbers = np.array([int(c) for c in digits], dtype=np.int64)
    low, high = _UNIX_SECONDS
    for name, scale in (("unix_seconds", 1), ("unix_milliseconds", 1000)):
        if ((numbers >= low * scale) & (numbers < high * scale)).sum() >= _PARSED_SHARE * len(cells):
            return name
    return None


def _day_first(matches: list[re.Match[str]]) -> tuple[bool, str]:
    """Day-first (Dutch) unless a middle number above 12 says month-first; sure only when a day above 12 shows."""
    first = max(int(m.group(1)) for m in matches)
    second = max(int(m.group(3)) for m in matches)
    if second > 12 >= first:
        return False, f"the second number reaches {second}: month first"
    if first > 12:
        return True, f"the first number reaches {first}: day first"
    return True, "TODO-dayfirst"


def shape_of(table: SampleTable, name: str) -> TimeColumn | None:
    """The time format of a column whose looked-at cells nearly all have one shape (a totals line or a few junk
    lines may have none), confirmed by parsing it whole."""
    cells = _cells(table, name)
    if not cells:
        return None
    unix = _unix(cells)
    if unix is not None:
        return _confirmed(table, name, "moment", (unix,), True, f"the cells are Unix time ({unix.replace('_', ' ')})")
    kinds: dict[tuple[str, bool], list[re.Match[str]]] = {}
    for cell in cells:
        shape = next(((n, aware, m) for n, aware, p in _SHAPES if (m := p.match(cell))), None)
        if shape is not None:
            kinds.setdefault((shape[0], shape[1]), []).append(shape[2])
    # A workbook's date-time cells read as text show midnight as a bare date: one column still.
    if ("iso", False) in kinds and ("ymd", False) in kinds:
        kinds[("iso", False)] += kinds.pop(("ymd", False))
    if not kinds:
        return None
    (shape, aware), matches = max(kinds.items(), key=lambda item: len(item[1]))
    if len(matches) < _PARSED_SHARE * len(cells):
        return None
    if shape in ("iso", "dutch"):
        what = "ISO-8601" if shape == "iso" else "dd-mm-yyyy HH:MM:SS +0100 (Dutch portals)"
        offset = " with a UTC offset" if aware else " without offset: local time"
        return _confirmed(table, name, "moment", (shape,), aware, f"the cells read as {what}{offset}")
    return _patterned(table, name, shape, matches)


def _patterned(table: SampleTable, name: str, shape: str, matches: list[re.Match[str]]) -> TimeColumn | None:
    if shape == "time":
        seconds = any(m.group(3) for m in matches)
        pattern = "%H:%M:%S" if seconds else "%H:%M"
        late = int(pc.sum(pc.match_substring_regex(table.text(name), _MIDNIGHT_24).fill_null(False)).as_py() or 0)
        return TimeColumn(name, "time", (pattern,), False, f"the cells are times of day ({pattern})", midnight_24=late)
    separator = matches[0].group(2)
    if shape == "ymd":
        return _confirmed(table, name, "date", (f"%Y{separator}%m{separator}%d",), False, "the cells are dates")
    day_first, why = _day_first(matches)
    date = f"%d{separator}%m{separator}%Y" if day_first else f"%m{separator}%d{separator}%Y"
    said = "the cells are dates" + ("" if why.startswith("TODO") else f" ({why})")
    if shape == "dmy":
        return _confirmed(table, name, "date", (date,), False, said, unsure_day=why.startswith("TODO"))
    seconds = any(m.group(7) for m in matches)
    pattern = f"{date} %H:%M" + (":%S" if seconds else "")
    said = said.replace("dates", "local dates and times")
    return _confirmed(table, name, "moment", (pattern,), False, said, unsure_day=why.startswith("TODO"))


def _confirmed(
    table: SampleTable, name: str, kind: str, formats: tuple[str, ...], aware: bool, why: str, unsure_day: bool = False
) -> TimeColumn | None:
    values = table.text(name)
    moments = parse_moments(values, formats)
    filled = ~table.absent(name)
    if not filled.any() or moments[filled].notna().mean() < _PARSED_SHARE:
        return None
    if unsure_day:
        why += "; day first as Dutch exports write it (no number above 12 in the file settles it: check)"
    text = pd.Series(values.to_pandas(), dtype="string").str.strip()
    unread = text[filled & moments.isna().to_numpy()]
    words = tuple(str(w) for w in unread[unread.str.match(_FOOTER_WORD).fillna(False)].unique()[:5])
    return TimeColumn(name, kind, formats, aware, why, moments, words)


def time_columns(table: SampleTable, names: list[str]) -> list[TimeColumn]:
    return [found for name in names if (found := shape_of(table, name)) is not None]


def _word(name: str) -> str | None:
    words = set(tokens(name))
    if words & START_WORDS:
        return "start"
    if words & END_WORDS:
        return "end"
    return None


def _joined(table: SampleTable, date: TimeColumn, time: TimeColumn) -> pd.Series:
    stamp = pc.binary_join_element_wise(table.text(date.name), table.text(time.name), " ")
    return parse_moments(stamp, (f"{date.formats[0]} {time.formats[0]}",))


@dataclass(frozen=True)
class Axis:
    """The draft's `time` keys chosen so far, the reason for each, and each row's timestamp by them."""

    keys: dict[str, object]
    why: dict[str, str]  # key -> "GUESS: ..." or "TODO: ..."
    moments: pd.Series
    used: tuple[str, ...]  # the columns the keys name
    others: tuple[str, ...] = ()  # time columns not used (the same instants, or an end a profile cannot take)
    written: tuple[str, str] | None = None  # the first row's clock as written (HH:MM) and its zone, when aware
    words: tuple[str, tuple[str, ...]] | None = None  # a time column and its cells that are words (Totaal)


def choose_axis(table: SampleTable, found: list[TimeColumn]) -> Axis:
    """The draft's time columns: one timestamp (with an end when the file has one), or date and time columns."""
    keys: dict[str, object] = {}
    why: dict[str, str] = {}
    moments_ = [c for c in found if c.kind == "moment"]
    dates = [c for c in found if c.kind == "date"]
    times = [c for c in found if c.kind == "time"]
    if moments_:
        chosen, end, rest = _moment_columns(moments_)
        keys["column"], keys["formats"] = chosen.name, list(chosen.formats)
        why["column"] = "GUESS: " + ("the interval's start" if end is not None else "the column of timestamps")
        why["formats"] = f"GUESS: {chosen.why}"
        used = [chosen.name]
        if end is not None:
            keys["end_column"] = end.name
            why["end_column"] = f"GUESS: {end.name!r} is later than {chosen.name!r} in every row: the interval's end"
            used.append(end.name)
        if rest:
            why["formats"] += f"; {', '.join(map(repr, (c.name for c in rest)))} hold the same instants: not used"
        assert chosen.moments is not None
        return Axis(keys, why, chosen.moments, tuple(used), tuple(c.name for c in rest),
                    _written_clock(table, chosen), _words(chosen))
    if dates:
        starts = sorted(dates, key=lambda c: _word(c.name) != "start")
        date = starts[0]
        keys["date_column"] = date.name
        why["date_column"] = f"GUESS: {date.why}"
        why["formats"] = "GUESS: every cell reads in it"
        pair = _time_of(table, date, times)
        others = tuple(c.name for c in (*dates, *times) if c.name not in (date.name, pair.name if pair else None))
        if pair is None:
            keys["formats"] = list(date.formats)
            assert date.moments is not None
            return Axis(keys, why, date.moments, (date.name,), others, words=_words(date))
        keys["time_column"] = pair.name
        keys["formats"] = [f"{date.formats[0]} {pair.formats[0]}"]
        why["time_column"] = f"GUESS: {pair.why}, the time of {date.name!r}"
        if pair.midnight_24:
            why["time_column"] = (
                f"TODO: {pair.midnight_24:,} cells read 24:00 (a day's end, as end-marked exports write it), which "
                "footprint does not read: their rows stay without a time and are quarantined"
            )
        moments = _joined(table, date, pair)
        why["formats"] = "GUESS: the date and the time joined by a space, as the profile reads them"
        filled = ~(table.absent(date.name) | table.absent(pair.name))
        share = float(moments[filled].notna().mean()) if filled.any() else 0.0
        if share < _PARSED_SHARE:
            why["formats"] = f"TODO: only {share:.0%} of the rows' date and time read in this format: check it"
        if others:
            why["formats"] += (
                f"; {', '.join(map(repr, others))} hold dates or times too, read as the interval's end: a profile "
                "takes an end from one column only, so the interval follows from `interval`"
            )
        return Axis(keys, why, moments, (date.name, pair.name), others, words=_words(date))
    keys["column"], keys["formats"] = "TODO", ["TODO"]
    why["column"] = (
        "TODO: no column reads as dates or times in one format; name the time column "
        f"(the header: {', '.join(map(repr, table.header))})"
    )
    why["formats"] = "TODO: its format: iso, dutch, unix_seconds or a strptime pattern such as %d-%m-%Y %H:%M"
    return Axis(keys, why, pd.Series(pd.NaT, index=range(len(table)), dtype="datetime64[us, Europe/Amsterdam]"), ())


def _words(column: TimeColumn) -> tuple[str, tuple[str, ...]] | None:
    return (column.name, column.words) if column.words else None


def _written_clock(table: SampleTable, column: TimeColumn) -> tuple[str, str] | None:
    """The earliest row's time of day as the file writes it and the zone it is written in, for a column
    written with its offset (or in Unix time, which counts in UTC); None for local times."""
    if not column.aware or column.moments is None or not column.moments.notna().any():
        return None
    at = int(column.moments.reset_index(drop=True).idxmin())
    if column.formats[0].startswith("unix"):
        return column.moments.iloc[at].tz_convert("UTC").strftime("%H:%M"), "UTC, as Unix time counts"
    found = _WRITTEN_CLOCK.search(str(table.text(column.name)[at].as_py() or "").strip())
    if found is None:
        return None
    zone = "UTC" if found.group(3) == "Z" else f"UTC{found.group(3)}"
    return f"{int(found.group(1)):02d}:{found.group(2)}", zone


def _moment_columns(found: list[TimeColumn]) -> tuple[TimeColumn, TimeColumn | None, list[TimeColumn]]:
    """The timestamp column (a start before an end, one with its offset before a local one), its end, the rest."""
    ordered = sorted(found, key=lambda c: (_word(c.name) == "end", not c.aware))
    chosen = ordered[0]
    assert chosen.moments is not None
    end, rest = None, []
    for other in ordered[1:]:
        assert other.moments is not None
        later = (other.moments - chosen.moments).dropna()
        if not len(later) or (later == pd.Timedelta(0)).mean() >= _PARSED_SHARE:
            rest.append(other)
        elif end is None and (later > pd.Timedelta(0)).all():
            end = other
        else:
            rest.append(other)
    return chosen, end, rest


def _time_of(table: SampleTable, date: TimeColumn, times: list[TimeColumn]) -> TimeColumn | None:
    """The time column that goes with a date column: the one after it, or one with the same start/end word."""
    if not times:
        return None
    order = list(table.header)
    after = [t for t in times if order.index(t.name) == order.index(date.name) + 1]
    same = [t for t in times if _word(t.name) == _word(date.name)]
    return (after or same or times)[0]


def interval(moments: pd.Series) -> tuple[pd.Timedelta | None, str]:
    """The most common distance between consecutive distinct timestamps, and how many of the steps it is."""
    stamps = np.unique(moments.dropna().to_numpy(dtype="datetime64[us]"))
    steps = np.diff(stamps)
    if not len(steps):
        return None, "fewer than two timestamps"
    values, counts = np.unique(steps, return_counts=True)
    best = int(np.argmax(counts))
    return pd.Timedelta(values[best]), f"{int(counts[best]):,} of the {len(steps):,} steps between timestamps"


def interval_text(step: pd.Timedelta) -> str | None:
    """A step as a profile writes it (15min, 1h, 1d); None when it is no whole number of minutes."""
    minutes = step.total_seconds() / 60
    if minutes <= 0 or minutes != int(minutes):
        return None
    minutes = int(minutes)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}min"


def _verdict(clock: pd.Timedelta, step: pd.Timedelta) -> str | None:
    """start at midnight, end one step after it, None otherwise."""
    return "start" if clock == pd.Timedelta(0) else "end" if clock == step else None


def marks(
    moments: pd.Series,
    step: pd.Timedelta | None,
    names: tuple[str, ...],
    date_only: bool,
    written: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """Whether the one timestamp is the interval's start or end, and why: the header's word, or the first row's
    time by the clock the file writes (`written`: its UTC offset's, or UTC for Unix time). When that clock and
    the local one differ, a clock that puts the first row at midnight or one step after it decides; a TODO when
    one says start and the other end."""
    said = [w for w in (_word(n) for n in names) if w]
    if said:
        return said[0], f"GUESS: the header says {said[0]} ({', '.join(map(repr, names))})"
    if date_only:
        return "start", "GUESS: a row holds a date, read as the day it is about"
    first = moments.dropna().min() if moments.notna().any() else None
    if first is None or step is None:
        return "start", "TODO: no timestamps to judge by: start or end?"
    clock = first.strftime("%H:%M")
    local = _verdict(pd.Timedelta(hours=first.hour, minutes=first.minute), step)
    if written is not None and written[0] != clock:
        hours, minutes = (int(part) for part in written[0].split(":"))
        own = _verdict(pd.Timedelta(hours=hours, minutes=minutes), step)
        told = f"the first row is written at {written[0]} ({written[1]}), {clock} in local time"
        if own is not None and local is not None and own != local:
            return own, (
                f"TODO: {told}: {_said(own)} by the written clock, {_said(local)} by the local one; {own} taken "
                "(the written clock): check"
            )
        if own is not None or local is not None:
            chosen, by = (own, "written") if own is not None else (local, "local")
            return str(chosen), f"GUESS: {told}: {_said(chosen)} by the {by} clock, {_said(None)} by the other"
    if local == "start":
        return "start", f"GUESS: the first row is at {clock}, where a day's first interval starts"
    if local == "end":
        return "end", (
            f"GUESS: the first row is at {clock}, one step after midnight: the time is the interval's end "
            "(a guess: an export that starts an hour late looks the same)"
        )
    return "start", f"TODO: the first row is at {clock}, neither midnight nor one step after it: start or end?"


def _said(verdict: str | None) -> str:
    return {"start": "a start", "end": "an end"}.get(verdict or "", "neither midnight nor one step after it")


def axis_entries(axis: Axis, cumulative: bool) -> list[Entry]:
    """The `time` section: the chosen columns and formats, then marks and interval (usage) or a remark (readings)."""
    entries: list[Entry] = [Key(key, value, axis.why.get(key)) for key, value in axis.keys.items()]
    step, share = interval(axis.moments)
    said = interval_text(step) if step is not None else None
    if cumulative:
        every = f"every {said} " if said else ""
        entries.append(Remark(f"readings {every}({share}): the usage is between consecutive readings, so marks "
                              "and interval are not needed"))
        return entries
    if "end_column" in axis.keys:
        return entries
    date_only = "date_column" in axis.keys and "time_column" not in axis.keys
    entries.append(Key("marks", *marks(axis.moments, step, axis.used, date_only, axis.written)))
    if step is None:
        entries.append(Key("interval", "auto", f"TODO: {share}, so no step to go by: write the interval (15min, 1h)"))
    elif said is None:
        entries.append(Key("interval", "auto", f"TODO: the most common step is {step} ({share}), not a whole number "
                           "of minutes: write the interval (15min, 1h)"))
    elif step > pd.Timedelta(days=1):
        entries.append(Key("interval", "auto", f"TODO: the most common step is {said} ({share}): a profile's "
                           "interval is at most a day; rows of a month need an end column"))
    else:
        entries.append(Key("interval", said, f"GUESS: the most common step ({share})"))
    return entries
