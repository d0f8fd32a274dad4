"""What the columns of an unknown meter export hold, for a draft profile: every conclusion with its reason.

Header words go through footprint's vocabulary (footprint/data/vocabulary.yaml: directions, tariffs,
carriers, meter units), matched as whole words of the header split at spaces, punctuation and
camelCase ("TerugleveringDal" is "teruglevering dal"). Numbers decide the decimal mark (`0,173` and
`1.234,5` against `0.173`), which columns are numbers, and whether a column holds usage per interval
or cumulative meter readings: a column that (but for a reset or two) never falls and whose values are
large next to their steps is a counter; a reading word in its header (meterstand, stand, reading) counts
too. A P1 register code in a header (OBIS 1.8.1, 2.8.2) names its direction and tariff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.ean import ean_check_digit_valid
from footprint.sources.cell_text import excel_text
from footprint.sources.meter_eans import carrier_by_prefix
from footprint.sources.suggest_table import SampleTable
from footprint.sources.vocabulary import (
    CARRIERS,
    DIRECTIONS,
    METER_UNITS,
    PEAK_FLAGS,
    TARIFFS,
)

# Words the vocabulary leaves out on purpose (providers use them both ways): a weaker hint, said as such.
LOOSE_DIRECTIONS: Final = {"import": "consumption", "export": "feed_in"}
UNIT_SPELLING: Final = {
    "kwh": "kWh", "wh": "Wh", "mwh": "MWh", "m3": "m3", "m³": "m3", "nm3": "Nm3", "gj": "GJ", "mj": "MJ",
}
UNIT_CARRIER: Final = {"m3": "gas", "nm3": "gas"}
_COMMA_DECIMAL: Final = r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$"
_POINT_DECIMAL: Final = r"^\s*[+-]?(\d{1,3}(,\d{3})+|\d+)\.\d+\s*$"
_EITHER: Final = r"^\s*[+-]?[1-9]\d{0,2}[.,]\d{3}\s*$"  # 1.234: three decimals, or a thousands group
# Counter rule: at least this many rises, the typical value this many times the typical rise, and no falls but
# resets (a meter exchange, a counter rolling over): at most one, or this share of the steps, and ten rises each.
_MIN_RISES: Final = 3
_LEVEL_PER_STEP: Final = 5.0
_RESET_SHARE: Final = 0.01
_RISES_PER_RESET: Final = 10
# Header words that call a column a meter reading (a register's running total), not use per interval.
READING_WORDS: Final = frozenset(
    {"meterstand", "meterstanden", "stand", "standen", "tellerstand", "reading", "readings", "counter"}
)
# Header words of a net column (one direction minus the other), which a profile does not read as a channel.
_NET_WORDS: Final = frozenset({"netto", "saldo", "minus"})
# P1 (DSMR) register codes, OBIS 1-0:1.8.1 written short: 1.8.x is taken from the grid, 2.8.x fed back; x is
# the tariff register, 0 their total. In the Netherlands tariff 1 is dal (low) and 2 normaal (high), as
# dsmr_reader_csv.yaml and homewizard_p1_electricity_csv.yaml read them. Without dots (P1mon's VERBR_KWH_181)
# only beside a unit word: a bare 181 may be anything.
_OBIS: Final = re.compile(r"(?<![\d.])(?:\d-\d:)?([12])\.8\.([0-2])(?![\d.])")
_OBIS_UNDOTTED: Final = re.compile(r"(?<![\d.])([12])8([0-2])(?![\d.])")
_OBIS_DIRECTIONS: Final = {"1": "consumption", "2": "feed_in"}
_OBIS_TARIFFS: Final = {"0": "single", "1": "low", "2": "high"}
OBIS_WORD: Final = "OBIS"  # the word a register code is said as: "OBIS 1.8.1"


@dataclass(frozen=True)
class Words:
    """What a header (or a type column's value) says: each finding with the word that said it."""

    carrier: tuple[str, str] | None = None  # (carrier, word)
    direction: tuple[str, str] | None = None
    loose_direction: bool = False  # from import/export, which the vocabulary leaves out
    tariff: tuple[str, str] | None = None
    unit: tuple[str, str] | None = None  # (unit as a profile writes it, word)
    net: str | None = None  # why the header is a net column: both directions, or a net word

    @property
    def total(self) -> bool:
        """A total of tariff registers: `totaal`, or the register code x.8.0."""
        return self.tariff is not None and (self.tariff[1] in TOTAL_WORDS or self.tariff[1].endswith(".8.0"))

    @property
    def energy(self) -> bool:
        return any((self.carrier, self.direction, self.tariff, self.unit))


def tokens(text: str) -> list[str]:
    """Whole words of a header: split at spaces, punctuation and camelCase ("StandDal"), but not inside a
    unit ("kWh" is one word, not "k" and "Wh"); m³ kept as one word."""
    spaced = re.sub(r"(?<=[a-z]{2})(?=[A-Z][a-z])", " ", text)
    return re.findall(r"[0-9a-z³]+", spaced.casefold())


TOTAL_WORDS: Final = frozenset({"totaal", "total"})


def _phrases(text: str) -> list[str]:
    """The words and each pair of neighbouring words ("terug levering", "feed in"), pairs first."""
    words = tokens(text)
    return [f"{a} {b}" for a, b in pairwise(words)] + words


def _directions(words: list[str]) -> list[tuple[str, str]]:
    """The direction words of a header, a word that is part of a matched pair ("terug levering") not again."""
    found: list[tuple[str, str]] = []
    covered: set[int] = set()
    for at, (a, b) in enumerate(pairwise(words)):
        if f"{a} {b}" in DIRECTIONS:
            found.append((DIRECTIONS[f"{a} {b}"], f"{a} {b}"))
            covered |= {at, at + 1}
    return found + [(DIRECTIONS[w], w) for at, w in enumerate(words) if w in DIRECTIONS and at not in covered]


def reading_word(text: str) -> str | None:
    """The header's word that calls it a meter reading (meterstand, stand, reading), if any."""
    return next((w for w in tokens(text) if w in READING_WORDS), None)


def read_words(text: str) -> Words:
    found: dict[str, tuple[str, str]] = {}
    directions = _directions(tokens(text))
    loose = False
    for phrase in _phrases(text):
        if phrase in TARIFFS and "tariff" not in found:
            found["tariff"] = (TARIFFS[phrase], phrase)
        if phrase in CARRIERS and len(phrase) > 1 and "carrier" not in found:
            found["carrier"] = (CARRIERS[phrase], phrase)
        if phrase in METER_UNITS and "unit" not in found:
            found["unit"] = (UNIT_SPELLING.get(phrase, phrase), phrase)
    said = {d[0] for d in directions}
    net_word = next((w for w in tokens(text) if w in _NET_WORDS), None)
    net = (f"both {directions[0][1]!r} and {next(d[1] for d in directions if d[0] != directions[0][0])!r}"
           if len(said) > 1 else (f"the word {net_word!r}" if net_word else None))
    obis = _OBIS.search(text) or (_OBIS_UNDOTTED.search(text) if "unit" in found else None)
    if obis is not None:
        code = f"{OBIS_WORD} {obis.group(1)}.8.{obis.group(2)}"
        directions = directions or [(_OBIS_DIRECTIONS[obis.group(1)], code)]
        found.setdefault("tariff", (_OBIS_TARIFFS[obis.group(2)], code))
    if not directions:
        directions = [(LOOSE_DIRECTIONS[w], w) for w in tokens(text) if w in LOOSE_DIRECTIONS]
        loose = bool(directions)
    direction = next((d for d in directions if d[0] != "consumption"), directions[0] if directions else None)
    return Words(found.get("carrier"), direction, loose, found.get("tariff"), found.get("unit"), net)


def file_name_words(name: str) -> Words:
    """A file name's words: its carrier ("meterstanden_stroom_2023") and, from an EAN in it, the carrier by prefix."""
    words = read_words(re.sub(r"\d+", " ", name))
    if words.carrier is None:
        for ean in file_name_eans(name):
            carrier = carrier_by_prefix(ean)
            if carrier is not None:
                return Words(carrier=(carrier, f"the file name holds EAN {ean}, numbered as {carrier} connections are"))
    return Words(carrier=(words.carrier[0], f"the file name says {words.carrier[1]!r}") if words.carrier else None)


def file_name_eans(name: str) -> list[str]:
    """18-digit runs of a file name whose check digit holds."""
    found = re.findall(r"(?<!\d)\d{18}(?!\d)", name)
    valid = ean_check_digit_valid(pd.Series(found, dtype="string")).fillna(False).to_numpy(dtype=bool)
    return [code for code, ok in zip(found, valid, strict=True) if ok]


# --- numbers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecimalMark:
    mark: str
    why: str
    sure: bool


def _count(values: pa.Array, pattern: str) -> np.ndarray:
    return pc.match_substring_regex(values, pattern).fill_null(False).to_numpy(zero_copy_only=False)


def decimal_mark(table: SampleTable, names: list[str]) -> DecimalMark:
    """The decimal mark of the number cells written as text: `0,173` and `1.234,5` against `0.173`."""
    comma = point = either = 0
    comma_shown = point_shown = ""
    for name in names:
        text = table.written_text(name)
        unsure = _count(text, _EITHER)
        commas, points = _count(text, _COMMA_DECIMAL) & ~unsure, _count(text, _POINT_DECIMAL) & ~unsure
        either += int(unsure.sum())
        if commas.any() and not comma_shown:
            comma_shown = str(text[int(np.argmax(commas))].as_py()).strip()
        if points.any() and not point_shown:
            point_shown = str(text[int(np.argmax(points))].as_py()).strip()
        comma, point = comma + int(commas.sum()), point + int(points.sum())
    if comma and not point:
        return DecimalMark(",", f"{comma:,} number cells like {comma_shown!r}, none with a decimal point", True)
    if point and not comma:
        return DecimalMark(".", f"{point:,} number cells like {point_shown!r}, none with a decimal comma", True)
    if comma or point:
        mark = "," if comma >= point else "."
        return DecimalMark(
            mark, f"{comma:,} cells like {comma_shown!r} against {point:,} like {point_shown!r}: the most", False
        )
    if either:
        return DecimalMark(",", f"{either:,} cells like 1.234 could be either: the Dutch comma assumed", False)
    return DecimalMark(",", "no number written as text has a fraction, so either mark reads them", True)


def numeric_share(table: SampleTable, name: str, mark: str) -> tuple[float, int]:
    """The share of a column's filled cells that read as numbers, and how many cells are filled."""
    filled = ~table.absent(name)
    count = int(filled.sum())
    if not count:
        return 0.0, 0
    numbers = table.numbers(name, mark)
    return float(np.isfinite(numbers[filled]).sum() / count), count


# --- EANs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EanColumn:
    name: str
    codes: tuple[str, ...]  # the distinct codes whose check digit holds (a few)
    failing: tuple[str, ...]  # the distinct codes whose check digit fails (a few): placeholders

    @property
    def valid(self) -> bool:
        """An EAN column: some code passes its check digit (rows with a placeholder are the engine's to refuse)."""
        return bool(self.codes)


def ean_column(table: SampleTable, name: str) -> EanColumn | None:
    """A column of 18-digit codes (written plain or as ="..."), with the codes whose check digit holds and not."""
    cells = table.text(name)
    if not _looks_like_eans(cells.slice(0, 50)):
        return None
    text = excel_text(pd.Series(cells.to_pandas(), dtype="string").str.strip())
    filled = text[text.fillna("").ne("")]
    if filled.empty or not filled.str.fullmatch(r"\d{18}").fillna(False).mean() >= 0.9:
        return None
    distinct = pd.Series(filled.unique(), dtype="string")
    valid = ean_check_digit_valid(distinct).fillna(False).to_numpy(dtype=bool)
    return EanColumn(name, tuple(distinct[valid].head(5)), tuple(distinct[~valid].head(3)))


def _looks_like_eans(head: pa.Array) -> bool:
    """The first cells hold 18-digit codes: a cheap look before the whole column is checked."""
    matches = pc.match_substring_regex(pc.utf8_trim_whitespace(head), r'^(="?)?\d{18}"?$').fill_null(False)
    filled = pc.not_equal(pc.utf8_trim_whitespace(head), "").fill_null(False)
    return bool(pc.any(matches).as_py()) and pc.sum(matches).as_py() >= 0.9 * max(pc.sum(filled).as_py() or 0, 1)


# --- usage or readings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    cumulative: bool | None  # None: cannot tell (constant, too few values)
    why: str


def trend(moments: pd.Series, values: np.ndarray, rows: np.ndarray | None = None) -> Trend:
    """Whether a series (its values in time order) is a counter: large next to its steps, and never falling but
    for a reset or two (a meter exchange: one fall must not make a year of readings usage)."""
    pick = np.arange(len(values)) if rows is None else rows
    stamps = moments.iloc[pick].to_numpy(dtype="datetime64[us]")
    chosen = values[pick]
    keep = ~np.isnat(stamps) & np.isfinite(chosen)
    order = np.argsort(stamps[keep], kind="stable")
    series = chosen[keep][order]
    if len(series) < 3 or np.all(series == series[0]):
        return Trend(None, "too few different values to tell")
    steps = np.diff(series)
    falls, rises = int((steps < 0).sum()), int((steps > 0).sum())
    resets = max(1, int(_RESET_SHARE * len(steps)))
    if falls > resets or not rises or rises < _RISES_PER_RESET * falls:
        return Trend(False, f"falls {_times(falls)} in time order")
    level = float(np.median(np.abs(series[series != 0])))
    step = float(np.median(steps[steps > 0]))
    said = f"typically {level:g}, rising by {step:g}"
    if falls:
        said += f"; it falls {_times(falls)} (a reset or meter exchange?)"
    if rises >= _MIN_RISES and level >= _LEVEL_PER_STEP * step:
        return Trend(True, said)
    if falls:
        return Trend(False, f"falls in time order and is small next to its rises ({said})")
    return Trend(None, f"never falls, but its values are small next to its rises ({said})")


def _times(count: int) -> str:
    return f"{count:,} time{'' if count == 1 else 's'}"


# --- columns that name channels, units and estimates ---------------------------------------------


def distinct_words(table: SampleTable, name: str, limit: int = 13) -> list[str] | None:
    """A text column's distinct filled values in order of first appearance; None when there are more than `limit`."""
    text = pd.Series(table.text(name).to_pandas(), dtype="string").str.strip()
    values = text[text.fillna("").ne("")].drop_duplicates()
    if len(values) > limit:
        return None
    return [str(v) for v in values]


def unit_column(table: SampleTable, name: str) -> list[str] | None:
    """A column whose every filled value is a unit word (Fluvius' Unit: kWh, m³): its units as profiles write them."""
    values = distinct_words(table, name, limit=4)
    if not values or not all(v.casefold() in METER_UNITS for v in values):
        return None
    return [UNIT_SPELLING.get(v.casefold(), v) for v in values]


PEAK_HEADER: Final = frozenset({"piek", "peak", "piekuren"})


def peak_column(table: SampleTable, name: str) -> list[str] | None:
    """A peak flag (Engie's Piek: true/false): its values, when its header is a peak word and every value a flag."""
    if not PEAK_HEADER & set(tokens(name)):
        return None
    values = distinct_words(table, name, limit=4)
    if not values or not all(v.casefold() in PEAK_FLAGS for v in values):
        return None
    return values


_TYPE_HEADER: Final = frozenset({"register", "type", "soort", "kanaal", "channel", "richting", "direction", "code"})


def type_column_score(table: SampleTable, name: str) -> tuple[int, list[str]]:
    """How strongly a text column names channels (a long layout): its distinct values with an energy word,
    plus one when its header is a type word; 0 when it is no such column."""
    values = distinct_words(table, name)
    if not values:
        return 0, []
    energy = sum(read_words(v).energy for v in values)
    if not energy:
        return 0, values
    return energy + int(bool(_TYPE_HEADER & set(tokens(name)))), values
