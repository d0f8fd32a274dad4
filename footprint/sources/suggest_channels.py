"""The channels of an unknown meter export, for a draft profile: which columns (or type values) are
registers, and each one's carrier, direction, tariff and unit with the reason for it.

A column is a register when its header holds an energy word (footprint/data/vocabulary.yaml) and its
cells are numbers; when no header does, every number column that changes is one, with TODOs. A type
column whose few values hold such words (Fluvius' Register: "Offtake Day") makes a long layout, a
channel per value. The carrier comes from the header's word, else the unit (m3 is gas), the EANs'
numbering, the file's name, a feed-in word or a tariff pair (only electricity has those); a unit
nothing names stays a TODO, never a default. Two channels that come out the same (carrier, direction,
tariff, unit) would count the same use twice: both get a TODO.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from footprint.sources.meter_eans import carrier_by_prefix
from footprint.sources.suggest_columns import (
    OBIS_WORD,
    EanColumn,
    Trend,
    Words,
    read_words,
    reading_word,
    tokens,
    trend,
    type_column_score,
)
from footprint.sources.suggest_table import SampleTable
from footprint.sources.suggest_yaml import Entry, Key, Remark
from footprint.sources.vocabulary import PEAK_FLAGS

TODO: Final = "TODO"
_OBIS_SAYS: Final = {"1": "taken from the grid", "2": "fed back to the grid"}
_VALUE_WORDS: Final = frozenset(
    {"value", "waarde", "volume", "verbruik", "hoeveelheid", "quantity", "usage", "consumption", "stand", "reading"}
)


@dataclass
class SuggestedChannel:
    """A register of the export: where its values are, what its words say, and the keys drafted for it."""

    label: str  # the column (wide) or the type value (long)
    words: Words
    values: np.ndarray
    rows: np.ndarray | None = None  # long layout: the rows of this type value
    reading: str | None = None  # a header word that calls it a meter reading (meterstand, stand, reading)
    notes: dict[str, str] = field(default_factory=dict)
    keys: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What the whole file says about every channel: its EAN columns, unit column, file name and peak flag."""

    table: SampleTable
    eans: dict[str, EanColumn]
    units: dict[str, list[str]]
    file_words: Words
    moments: pd.Series
    peak: tuple[str, list[str]] | None  # a peak-flag column and its values


def long_layout(
    table: SampleTable, texts: list[str], numbers: list[str]
) -> tuple[str, str, list[str]] | None:
    """A type column naming channels in its few values, and the one value column beside it."""
    scored = [(type_column_score(table, n), n) for n in texts]
    scored = [((score, values), n) for (score, values), n in scored if score]
    if not scored or not numbers:
        return None
    (_, values), type_name = max(scored, key=lambda item: item[0][0])
    by_word = [n for n in numbers if _VALUE_WORDS & set(tokens(n))]
    value = by_word[0] if by_word else (numbers[0] if len(numbers) == 1 else None)
    if value is None:
        return None
    return type_name, value, values


def wide_channels(
    context: Context, numbers: list[str], empty: list[str], mark: str
) -> tuple[list[SuggestedChannel], list[Remark]]:
    """The number (or empty) columns whose header holds an energy word; without any, every number column that
    changes. A total column beside the tariff columns it adds up is left out, and said so."""
    table = context.table
    worded = [n for n in table.header if n in numbers or n in empty if read_words(n).energy]
    left: list[Remark] = []
    if not worded:
        chosen = []
        for n in (n for n in table.header if n in numbers):
            values = table.numbers(n, mark)
            filled = values[np.isfinite(values)]
            if len(filled) > 1 and np.all(filled == filled[0]):
                left.append(Remark(f"GUESS: column {n!r} is {filled[0]:g} in every row: a flag or factor, not a "
                                   "register; left out (a factor the readings are multiplied by is a scale_column)"))
            else:
                chosen.append(n)
    else:
        chosen = [n for n in worded if read_words(n).net is None]
        for n in numbers:
            if n not in worded:
                left.append(Remark(f"TODO: column {n!r} holds numbers but names no unit, direction, tariff or carrier: "
                                   "left out (add a channel for it if it is a meter register)"))
        for n in (n for n in worded if n not in chosen):
            left.append(Remark(
                f"{'GUESS' if chosen else 'TODO'}: column {n!r} is a net column ({read_words(n).net}): one direction "
                "minus the other, left out" + (" (its directions are read from their own columns)" if chosen else
                                               "; a profile reads each direction from its own column")
            ))
    channels = [SuggestedChannel(n, read_words(n), table.numbers(n, mark), reading=reading_word(n)) for n in chosen]
    totals = [c for c in channels if c.words.total]
    for total in totals:
        direction = total.words.direction[0] if total.words.direction else None
        split = [c for c in channels if c is not total and c.words.tariff and c.words.tariff[0] != "single"
                 and direction in (None, c.words.direction[0] if c.words.direction else "consumption")]
        if split:
            channels.remove(total)
            left.append(Remark(f"GUESS: column {total.label!r} left out: {total.words.tariff[1]!r} is the total of "
                               f"{listed([c.label for c in split])}, which are read (counting both counts twice)"))
    return channels, left


def long_channels(
    context: Context, type_name: str, value_name: str, values: list[str], mark: str
) -> list[SuggestedChannel]:
    """A channel per value of the type column: its words from the value, a unit also from the value column's header."""
    table = context.table
    types = pd.Series(table.text(type_name).to_pandas(), dtype="string").str.strip()
    numbers = table.numbers(value_name, mark)
    header_unit = read_words(value_name).unit
    channels = []
    for value in values:
        rows = np.flatnonzero(types.eq(value).fillna(False).to_numpy(dtype=bool))
        words = read_words(value)
        reading = reading_word(value) or reading_word(value_name)
        channels.append(SuggestedChannel(value, replace(words, unit=words.unit or header_unit), numbers, rows, reading))
    return channels


def values_kind(channels: list[SuggestedChannel], moments: pd.Series) -> tuple[str, str]:
    """usage or cumulative, from each channel's numbers and its header's reading word; the channels that decide
    are named, and a header that calls a column a reading whose numbers say usage is a TODO."""
    trends: list[tuple[SuggestedChannel, Trend]] = [(c, trend(moments, c.values, c.rows)) for c in channels]
    counters = [(c.label, t.why + (f"; its header says {c.reading!r}" if c.reading else "")) for c, t in trends
                if t.cumulative]
    usage = [(c.label, t.why) for c, t in trends if t.cumulative is False]
    worded = [(c.label, f"its header says {c.reading!r}") for c, t in trends if c.reading and t.cumulative is None]
    disagree = [(c.label, c.reading, t.why) for c, t in trends if c.reading and t.cumulative is False]
    if disagree:
        label, word, why = disagree[0]
        return "usage", (
            f"TODO: the header {label!r} says {word!r} (a meter reading), but its values {why}: usage per interval "
            "by the numbers; cumulative if they are readings (check the export)"
        )
    readings = counters + worded
    if readings and not usage:
        said = [f"{label!r}: {why}" for label, why in (counters[:1] + worded[:1])]
        return "cumulative", (
            f"GUESS: {listed([c[0] for c in readings])} are meter readings ({'; '.join(said)}); the usage is the rise "
            "between two readings"
        )
    if usage and not readings:
        return "usage", (
            f"GUESS: {listed([u[0] for u in usage])} rise and fall ({usage[0][0]!r} {usage[0][1]}): usage per interval"
        )
    if readings and usage:
        return "usage", (
            f"TODO: {listed([c[0] for c in readings])} look like meter readings but {listed([u[0] for u in usage])} "
            "like usage; a profile holds one kind: keep the channels of one kind"
        )
    return "usage", "TODO: no channel has values that tell usage from readings: usage or cumulative?"


def mark_clashes(channels: list[SuggestedChannel]) -> None:
    """A TODO on each channel that reads as the same carrier, direction, tariff and unit as another: the profile
    would count the same use twice (two meters' columns, a total beside its parts, tariffs no word told apart)."""
    def key(channel: SuggestedChannel) -> tuple[str, ...]:
        tariff = channel.keys.get("tariff")
        return tuple(str(channel.keys.get(k)) for k in ("carrier", "direction", "unit")) + (
            str(tariff) if isinstance(tariff, str) else "by column",
        )

    keys = [key(c) for c in channels]
    for channel, own in zip(channels, keys, strict=True):
        others = [c.label for c, k in zip(channels, keys, strict=True) if k == own and c is not channel]
        if others:
            channel.notes["clash"] = (
                f"TODO: reads as the same carrier, direction, tariff and unit as {listed(others)}: the use would "
                "count twice; tell them apart (the tariff?) or leave one out"
            )


def listed(names: list[str]) -> str:
    """Names for a remark: the first four, and how many more."""
    shown = ", ".join(repr(n) for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def describe(context: Context, channel: SuggestedChannel, kind: str) -> None:
    """The channel's carrier, direction, tariff and unit, each with its reason."""
    words, keys, notes = channel.words, channel.keys, channel.notes
    keys["carrier"], notes["carrier"] = carrier_of(context, words)
    if words.direction:
        keys["direction"] = words.direction[0]
        notes["direction"] = f"GUESS: the word {words.direction[1]!r}" + (
            " (a loose word: providers use it both ways, check)" if words.loose_direction else ""
        )
    else:
        keys["direction"] = "consumption"
        notes["direction"] = "GUESS: no direction word (levering, teruglevering, returned, ...): consumption"
    if words.direction and words.direction[1].startswith(OBIS_WORD):
        code = words.direction[1].removeprefix(OBIS_WORD).strip()
        notes["direction"] = f"GUESS: the register code {code} ({_OBIS_SAYS[code[0]]})"
    if words.tariff and words.tariff[1].startswith(OBIS_WORD):
        keys["tariff"], notes["tariff"] = words.tariff[0], (
            f"GUESS: the register code {words.tariff[1].removeprefix(OBIS_WORD).strip()}: "
            + ("the total of the tariff registers" if words.tariff[0] == "single" else
               f"tariff {words.tariff[1][-1]}, {words.tariff[0]} as Dutch meters number them (dal is 1, normaal 2); "
               "Belgian meters may number them the other way round: check")
        )
    elif words.tariff:
        keys["tariff"], notes["tariff"] = words.tariff[0], f"GUESS: the word {words.tariff[1]!r}"
    elif context.peak is not None and keys["carrier"] == "electricity":
        column, flags = context.peak
        keys["tariff"] = [Key("column", column), Key("values", {v: PEAK_FLAGS[v.casefold()] for v in flags})]
        notes["tariff"] = f"GUESS: column {column!r} flags peak hours, the high (normal) tariff"
    else:
        keys["tariff"], notes["tariff"] = "single", "GUESS: no tariff word (laag, dal, normaal, hoog, ...)"
    unit_values = next(iter(context.units.values()), None)
    if words.unit:
        keys["unit"], notes["unit"] = words.unit[0], f"GUESS: the word {words.unit[1]!r}"
    elif unit_values and len(unit_values) == 1:
        column = next(iter(context.units))
        keys["unit"], notes["unit"] = unit_values[0], f"GUESS: column {column!r} holds only {unit_values[0]}"
    elif unit_values:
        keys["unit"], notes["unit"] = TODO, (
            f"TODO: column {next(iter(context.units))!r} holds {', '.join(unit_values)}: a profile cannot choose rows "
            "by a unit column, so rows of every unit would count: this layout needs an engine change"
        )
    else:
        usual = {"electricity": "kWh", "gas": "m3", "heat": "GJ"}.get(str(keys["carrier"]))
        keys["unit"], notes["unit"] = TODO, (
            "TODO: the file names no unit: write kWh, Wh, MWh, m3 or GJ"
            + (f" ({keys['carrier']} is mostly {usual}; Wh values are 1,000 times kWh)" if usual else "")
        )
    filled = channel.values if channel.rows is None else channel.values[channel.rows]
    if kind == "usage" and np.isfinite(filled).any() and np.nanmax(filled) <= 0 < np.nanmax(-filled):
        keys["negative"] = True
        notes["negative"] = "GUESS: every value is negative or 0: the export writes them negative"
    if channel.rows is None and not np.isfinite(filled).any():
        notes["column"] = "GUESS: empty in every row of this file (a register without readings); still read"


def carrier_of(context: Context, words: Words) -> tuple[str, str]:
    """The carrier and why: the strongest sign first (the header's own word), a TODO when nothing says."""
    if words.carrier:
        return words.carrier[0], f"GUESS: the word {words.carrier[1]!r}"
    unit = words.unit[0].casefold() if words.unit else None
    if unit in ("m3", "nm3"):
        return "gas", f"GUESS: the unit {words.unit[0] if words.unit else ''} is gas's"
    for column in context.eans.values():
        prefixes = {carrier_by_prefix(code) for code in column.codes}
        if len(prefixes) == 1 and None not in prefixes:
            carrier = prefixes.pop()
            assert carrier is not None
            return carrier, f"GUESS: the EANs in column {column.name!r} start like {carrier} connections'"
    if context.file_words.carrier:
        return context.file_words.carrier[0], f"GUESS: {context.file_words.carrier[1]}"
    if words.direction and words.direction[0] in ("feed_in", "generation"):
        return "electricity", f"GUESS: {words.direction[1]!r}: only electricity is fed back or generated"
    if unit in ("kwh", "wh", "mwh"):
        return "electricity", f"GUESS: the unit {words.unit[0] if words.unit else ''} is electricity's (gas in kWh?)"
    if words.tariff and words.tariff[0] != "single":
        return "electricity", "GUESS: a tariff register (low/high) is an electricity meter's; gas has one register"
    return TODO, (
        "TODO: nothing says the carrier: electricity, gas or heat; or from_ean (the EAN given decides) with "
        "units: {electricity: kWh, gas: m3} in place of unit"
    )


def channel_entries(channel: SuggestedChannel, long: bool) -> list[Entry]:
    """The channel's keys in the order the shipped profiles write them."""
    notes = channel.notes
    if long:
        first = Key("when", [channel.label], notes.get("clash", "GUESS: a value of the type column"))
    else:
        said = "; ".join(n for n in (notes.get("clash"), notes.get("column")) if n) or None
        first = Key("column", channel.label, said)
    keys = [first] + [Key(k, channel.keys[k], notes.get(k)) for k in ("carrier", "direction", "tariff", "unit")]
    if "negative" in channel.keys:
        keys.append(Key("negative", True, notes["negative"]))
    return keys
