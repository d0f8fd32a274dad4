"""`footprint formats suggest`: a DRAFT meter export profile from a file footprint does not know.

The file's table is found (suggest_table), its time axis read (suggest_time), its columns judged
(suggest_columns) and its channels described (suggest_channels); the conclusions are written as a
profile (suggest_yaml) in which every guess says why (`# GUESS: ...`) and everything undecided says
what to fill in (`# TODO: ...`). A key suggest cannot fill gets a placeholder the profile check
refuses by name (`unit: TODO`), never a silent default: a wrong unit makes every total wrong by a
factor of a thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from footprint.errors import InputFileError
from footprint.sources.meter_eans import own_eans
from footprint.sources.suggest_channels import (
    Context,
    SuggestedChannel,
    channel_entries,
    describe,
    listed,
    long_channels,
    long_layout,
    mark_clashes,
    values_kind,
    wide_channels,
)
from footprint.sources.suggest_columns import (
    DecimalMark,
    EanColumn,
    decimal_mark,
    distinct_words,
    ean_column,
    file_name_eans,
    file_name_words,
    numeric_share,
    peak_column,
    read_words,
    tokens,
    unit_column,
)
from footprint.sources.suggest_table import SampleTable, read_sample
from footprint.sources.suggest_time import Axis, axis_entries, choose_axis, time_columns
from footprint.sources.suggest_yaml import Entry, Key, Remark, render
from footprint.sources.vocabulary import ESTIMATED

_NUMERIC_SHARE: Final = 0.95  # a number column may hold a few unreadable cells (validation quarantines them)
_SIGNATURE_CHANNELS: Final = 3
# Header words of a meter's number, which a cumulative profile's meter_column reads (a new meter, a new series).
_METER_NUMBER_WORDS: Final = frozenset({"meter", "meternummer", "meternr", "serienummer", "serial"})


@dataclass(frozen=True)
class Draft:
    """A drafted profile: its YAML text and what the command tells the user about it."""

    name: str
    text: str
    guesses: int
    todos: int
    rows: int
    file_eans: tuple[str, ...] = ()  # valid EANs in the file's name: what `--ean` should say
    needs_ean: bool = True


@dataclass(frozen=True)
class _Findings:
    """What suggest concluded about the file, before it is written out."""

    path: Path
    name: str
    table: SampleTable
    decimal: DecimalMark
    axis: Axis
    values: tuple[str, str]  # usage or cumulative, and why
    channels: list[SuggestedChannel]
    left_out: list[Remark]
    long: tuple[str, str] | None  # type column and value column
    eans: dict[str, EanColumn]
    estimated: str | None


def profile_name(stem: str) -> str:
    """A profile name from a file name: lower case, words joined by _, long digit runs (EANs, dates) dropped."""
    words = [w for w in re.split(r"[^a-z0-9]+", stem.casefold()) if w and not re.fullmatch(r"\d{6,}", w)]
    name = "_".join(words) or "export"
    return name if name[0].isalpha() else f"export_{name}"


def suggest_profile(path: Path, name: str | None = None) -> Draft:
    """The draft profile of the file at `path` (a CSV or XLSX meter export); an unreadable file is an InputFileError."""
    findings = _findings(path, name or profile_name(path.stem))
    entries, needs_ean = _entries(findings)
    text = render(_heading(findings), entries)
    return Draft(
        name=findings.name,
        text=text,
        guesses=text.count("# GUESS:"),
        todos=text.count("# TODO:"),
        rows=len(findings.table),
        file_eans=tuple(file_name_eans(path.name)),
        needs_ean=needs_ean,
    )


def _findings(path: Path, name: str) -> _Findings:
    table = read_sample(path)
    eans = {n: found for n in table.header if (found := ean_column(table, n)) is not None}
    clocks = [n for n in table.header if n not in eans]
    # A header with an energy word is a register, even when its numbers happen to look like Unix time.
    axis = choose_axis(table, time_columns(table, [n for n in clocks if not read_words(n).energy]))
    rest = [n for n in clocks if n not in axis.used and n not in axis.others]
    decimal = decimal_mark(table, rest)
    numeric = {n: numeric_share(table, n, decimal.mark) for n in rest}
    numbers = [n for n, (share, count) in numeric.items() if share >= _NUMERIC_SHARE and count]
    empty = [n for n, (_, count) in numeric.items() if count == 0]
    texts = [n for n in rest if n not in numbers and n not in empty]
    units = {n: found for n in texts if (found := unit_column(table, n)) is not None}
    estimated = _estimated_column(table, [n for n in texts if n not in units])
    peak = next(((n, found) for n in texts if (found := peak_column(table, n)) is not None), None)
    context = Context(table, eans, units, file_name_words(path.stem), axis.moments, peak)
    long = long_layout(table, [n for n in texts if n not in units and n != estimated], numbers)
    if long is not None:
        type_name, value_name, type_values = long
        channels, left_out = long_channels(context, type_name, value_name, type_values, decimal.mark), []
    else:
        channels, left_out = wide_channels(context, numbers, empty, decimal.mark)
    if not channels:
        raise InputFileError(
            path,
            f"no register column found: none holds numbers in {_NUMERIC_SHARE:.0%} of its filled cells (decimal "
            f"mark {decimal.mark!r}) and changes; the header: {', '.join(map(repr, table.header))}",
        )
    values = values_kind(channels, axis.moments)
    for channel in channels:
        describe(context, channel, values[0])
    mark_clashes(channels)
    read = {*(c.label for c in channels), *(long[:2] if long else ()), *units, estimated, peak[0] if peak else None}
    left_out += _unused(table, [n for n in texts if n not in read], [n for n in empty if n not in read],
                        values[0] == "cumulative")
    return _Findings(
        path, name, table, decimal, axis, values, channels, left_out,
        (long[0], long[1]) if long is not None else None, eans, estimated,
    )


def _estimated_column(table: SampleTable, names: list[str]) -> str | None:
    """A column whose every word is one of the vocabulary's measured/estimated words."""
    for name in names:
        values = distinct_words(table, name, limit=6)
        if values and all(v.casefold() in ESTIMATED for v in values):
            return name
    return None


def _unused(table: SampleTable, texts: list[str], empty: list[str], cumulative: bool) -> list[Remark]:
    """A remark for each column the draft does not read, and the meter number a cumulative profile may need."""
    remarks = []
    for name in texts:
        values = distinct_words(table, name, limit=3)
        shown = f"e.g. {', '.join(map(repr, values))}" if values else "many different values"
        if cumulative and _METER_NUMBER_WORDS & set(tokens(name)):
            remarks.append(Remark(f"TODO: column {name!r} ({shown}) may be the meter's number: if a new number means "
                                  f"a new meter, add meter_column: {name!r} beside values"))
        else:
            remarks.append(Remark(f"column {name!r} holds text ({shown}): not read"))
    return remarks + [Remark(f"column {name!r} is empty in every row: not read") for name in empty]


def _heading(found: _Findings) -> list[str]:
    return [
        f"DRAFT meter export profile, written by `footprint formats suggest` from {found.path.name}",
        f"({len(found.table):,} data rows; {found.table.found_by}).",
        "Each `# GUESS:` says what suggest concluded from the file and why; each `# TODO:` is left for you.",
        "Check the guesses against the export, fill in the TODOs, then run",
        "`footprint formats check <this profile> <the export>` and compare its totals with the export's own.",
        "The keys are described in footprint/sources/README.md, 'Meter export profiles'.",
    ]


def _table_entries(found: _Findings) -> list[Entry]:
    table, decimal = found.table, found.decimal
    entries: list[Entry] = [Key("type", table.kind, f"GUESS: {table.found_by}" if table.kind == "xlsx" else None)]
    if table.kind == "csv":
        entries.append(Key("delimiter", table.delimiter, f"GUESS: {table.found_by}"))
    entries.append(Key("decimal", decimal.mark, ("GUESS: " if decimal.sure else "TODO: check: ") + decimal.why))
    named = list(found.long) if found.long else [c.label for c in found.channels][:_SIGNATURE_CHANNELS]
    signature = list(dict.fromkeys([*found.axis.used, *named]))
    why = "the header names that identify this layout: a file's header holds them all"
    entries.append(Key("signature", signature, why))
    if found.axis.words is not None:
        column, words = found.axis.words
        drop = [[Key("column", column), Key("values", list(words))]]
        why = f"GUESS: rows whose {column!r} holds {listed(list(words))}, a word where a time belongs: a totals line"
        entries.append(Key("drop_rows", drop, why))
    entries += [
        Remark(f"TODO: the header names {repeated!r} twice (ignoring case and punctuation): only the first is read")
        for repeated in table.left_out
    ]
    return entries


def _ean_entries(found: _Findings) -> tuple[list[Entry], bool]:
    """The ean section when a column holds valid EANs; remarks on codes that are not, and on the file name's."""
    entries: list[Entry] = []
    valid = [column for column in found.eans.values() if column.valid]
    if valid:
        why = f"GUESS: 18-digit codes with valid check digits, e.g. {valid[0].codes[0]}"
        entries.append(Key("ean", [Key("column", valid[0].name, why)]))
    entries += [
        Remark(f"TODO: column {column.name!r} also holds codes that fail their check digit (e.g. {column.failing[0]}): "
               "placeholders; their rows take the EAN given with --ean, and are quarantined without one")
        if column.valid else
        Remark(f"TODO: column {column.name!r} holds 18-digit codes that fail their check digit (e.g. "
               f"{column.failing[0]}): placeholders, not EANs; give the EAN with --ean")
        for column in found.eans.values() if column.failing
    ]
    labelled = [
        (label, value) for label, value in found.table.cells.preamble.items()
        if own_eans(pd.Series([value], dtype="string")).notna().all()
    ]
    if not valid and labelled:
        label, value = labelled[0]
        why = f"GUESS: the line {label!r} above the header holds {value}, an 18-digit code with a valid check digit"
        entries.append(Key("ean", [Key("preamble", label, why)]))
        return entries, False
    if not valid:
        named = file_name_eans(found.path.name)
        entries.append(Remark(
            "no EAN column: the EAN comes from --ean or footprint.yaml meters[].files"
            + (f" (the file name holds {', '.join(named)}: if it is always this meter's, write ean: {{file_name: true}})"
               if named else "")
        ))
    return entries, not valid


def _entries(found: _Findings) -> tuple[list[Entry], bool]:
    """The draft's keys in the order of footprint/data/meter_profiles/*.yaml, and whether it needs --ean."""
    kind, kind_why = found.values
    entries: list[Entry] = [
        Key("name", found.name),
        Key("description", f"Drafted from {found.path.name}",
            "TODO: say what the export is and which portal or logger writes it"),
        Key("source", f"{found.path.name}, a real export", "TODO: where the layout comes from, and the year"),
        Key("table", _table_entries(found)),
        Key("time", axis_entries(found.axis, cumulative=kind == "cumulative")),
        Key("values", kind, kind_why),
    ]
    if found.long is not None:
        type_name, value_name = found.long
        said = listed([c.label for c in found.channels])
        entries.append(Key("long", [
            Key("type_column", type_name, f"GUESS: its few values name channels: {said}"),
            Key("value_column", value_name, "GUESS: the number column beside it"),
        ]))
    entries.append(Key("channels", [channel_entries(c, long=found.long is not None) for c in found.channels]))
    entries += found.left_out
    ean_entries, needs_ean = _ean_entries(found)
    entries += ean_entries
    if found.estimated is not None:
        why = "GUESS: its words are the vocabulary's estimated/measured words"
        entries.append(Key("estimated", [Key("column", found.estimated, why)]))
    return entries, needs_ean
