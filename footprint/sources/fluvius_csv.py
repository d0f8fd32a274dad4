"""Fluvius (Belgian grid operator) consumption history: 15-minute electricity or hourly gas of one connection.

    From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;
        Validation status;Description
    22/10/2023;00:15:00;22/10/2023;00:30:00;="123456879123456789";1SAG...;Digital meter;Offtake Night;0,173;kWh;Read;
    29/10/2023;02:45:00;29/10/2023;02:00:00;="123456879123456789";1SAG...;Digital meter;Offtake Night;0,295;kWh;Read;
    29/10/2023;02:45:00;29/10/2023;03:00:00;="123456879123456789";1SAG...;Digital meter;Offtake Night;0,286;kWh;Read;

`;`-separated, UTF-8 with BOM, decimal comma, one row per interval and register. The Dutch export
has the same columns in Dutch (Van datum, Van tijdstip, Tot datum, Tot tijdstip, EAN(-code), ...,
Eenheid, Validatiestatus, Calorische Bovenwaarde) and dd-mm-yyyy dates; both are read.

Times: From/Until are a local date (dd/mm/yyyy) and a separate wall-clock time in Belgian time
(Europe/Brussels, the same clock as Amsterdam), without offset. The doubled autumn hour is written
twice with the same text: on 29-10-2023 the electricity file has two rows "02:00-02:15", two
"02:15-02:30", two "02:30-02:45", then "02:45-02:00" and "02:45-03:00"; the gas file "02:00-02:00"
then "02:00-03:00". The rows are in the order they happened: the 02:45 pair shows it, its first row
ending at "02:00" (03:00 summer time = 02:00 winter time) and its second at 03:00. So the first
occurrence of a start time (per register and unit) is summer time (+02:00) and the second winter
time (+01:00); the end is the first instant with the Until text after the start. An interval whose
length then differs from its register's usual 15 minutes or hour has times that cannot be placed:
both times left empty (quarantined) and a note. A time in the skipped spring hour is empty too.

Registers (words through the vocabulary): the first word is the direction (Offtake/Afname =
consumption, Injection/Injectie = feed_in), the rest the tariff (Day/Dag = high, Night/Nacht = low,
nothing = single, as gas's plain "Offtake"). Unit kWh or m³ as written. Validation status through
the vocabulary's `estimated` words (Read, Gevalideerd: measured; Estimated, Geschat: estimated); a
status footprint does not know leaves `estimated` empty and a note names it, never a default.

Absent is not bad: an empty Volume (the status then says "No consumption" / "Geen verbruik") is no
reading and gives no row; one note per status counts them.

Gas: the gas file gives every hour TWICE, once in m³ (the metered volume) and once in kWh (Fluvius'
conversion with the calorific value, the "Caloric upper value" column). The m³ rows are kept and a
kWh row with an m³ twin (same register and interval) is left out, with one note, so nothing is
counted twice. An hour given only in kWh keeps its kWh row (footprint converts gas kWh to m3 at the
factor step). The carrier is gas when the header has the calorific-value column (the gas export's
layout), else electricity.

EAN: the EAN column is written as an Excel formula (`="123456879123456789"`); in the samples it is a
placeholder that fails its check digit, so it is not a meter: rows take the EAN given (`--ean`,
or the footprint.yaml assignment), and without one the file is refused with those routes
(meter_eans.row_eans). A valid EAN in the column counts as the row's own. Belgian EANs start with 54.
The Meter, Meter type and Description columns are not read.

Source of the layout: Fluvius/Consumption_history_electricity_..._15 minute totals.csv and
Consumption_history_gas_..._hourly totals.csv, published in the MIT-licensed repository
patrickvorgers/Home-Assistant-Import-Energy-Data (commit 3d2ee18); copies in
tests/sources/real_samples/Fluvius/. The Dutch column names and status words are those of the Dutch
samples in the same repository.

Why this is code, not a profile: three things the profile language cannot say. The local times carry
no offset and the doubled autumn hour is written twice with the same text, so which is summer and which
winter time follows from the order of the rows per register and unit (and the end is the first instant
with the Until text after the start); a profile reads each time on its own and leaves such a time
empty. The unit is a column of the row (kWh or m³), not the channel's. And the gas export gives every
hour twice, in m³ and in kWh: dropping the kWh twin of an m³ row, but keeping an hour given only in kWh,
compares rows with each other. The carrier also comes from the header (the calorific-value column means
gas), not from a column's values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint import schemas
from footprint.schemas import LOCAL_TZ
from footprint.sources.cell_numbers import quantity_in_unit
from footprint.sources.cell_text import absent_cells, constant, lookup, text
from footprint.sources.cell_times import local_date, month_start
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.meter_eans import ELECTRICITY, GAS, EanOption, row_eans
from footprint.sources.meter_intervals import interval_notes, negative_notes
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    rows_only,
    unknown_word_notes,
)
from footprint.sources.text_head import Column, header_sniffer
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "fluvius_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # a history of months or years: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the EAN column holds a placeholder: the meter comes from --ean or the file name
FILE_TZ: Final = "Europe/Brussels"

FROM_DATE: Final = Column("From (date)", aliases=("Van datum", "Van (datum)"))
FROM_TIME: Final = Column("From (time)", aliases=("Van tijdstip", "Van (tijdstip)"))
UNTIL_DATE: Final = Column("Until (date)", aliases=("Tot datum", "Tot (datum)"))
UNTIL_TIME: Final = Column("Until (time)", aliases=("Tot tijdstip", "Tot (tijdstip)"))
EAN: Final = Column("EAN code", required=False, aliases=("EAN-code", "EAN"))
REGISTER: Final = Column("Register")
VOLUME: Final = Column("Volume")
UNIT: Final = Column("Unit", aliases=("Eenheid",))
STATUS: Final = Column("Validation status", required=False, aliases=("Validatiestatus",))
CALORIFIC: Final = Column("Caloric upper value", required=False, aliases=("Calorische bovenwaarde",))
HEADER: Final = (FROM_DATE, FROM_TIME, UNTIL_DATE, UNTIL_TIME, EAN, REGISTER, VOLUME, UNIT, STATUS, CALORIFIC)
SIGNATURE: Final = (FROM_DATE, FROM_TIME, UNTIL_DATE, UNTIL_TIME, REGISTER, VOLUME)
_CLOCK: Final = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
_REGISTER_WORDS: Final = r"^\s*(?P<word>\S+)\s*(?P<rest>.*?)\s*$"


sniff = header_sniffer(SIGNATURE)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE)
    n = len(table)
    carrier = GAS if CALORIFIC.header in table.present else ELECTRICITY
    quantity, unit = quantity_in_unit(table[VOLUME.header], table[UNIT.header], METER_UNITS)
    direction, tariff = _register(table[REGISTER.header])
    start, end, time_notes = _interval(table)
    keep = ~absent_cells(table[VOLUME.header].to_pandas())
    notes = _absent_notes(table, ~keep)
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "ean": row_eans(_ean_cells(table[EAN.header]), ean, path, constant(carrier, n, "string")),
            "interval_start": start,
            "interval_end": end,
            "period": month_start(start),
            "quantity": quantity,
            "unit": unit,
            "direction": direction,
            "tariff": tariff,
            "estimated": lookup(table[STATUS.header], ESTIMATED),
        }
    )
    twins, twin_notes = _kwh_twins(frame, keep) if carrier == GAS else (np.zeros(n, dtype=bool), [])
    keep &= ~twins
    frame = schemas.conform(frame[keep].reset_index(drop=True), DATASET)
    kept_rows = table.source_row[keep]
    notes += twin_notes + time_notes
    notes += unknown_word_notes(
        text(table[REGISTER.header])[keep].reset_index(drop=True),
        frame["direction"].isna().to_numpy() | frame["tariff"].isna().to_numpy(),
        kept_rows,
        REGISTER.header,
        "direction or tariff left empty, so validation refuses the rows",
    )
    notes += unknown_word_notes(
        text(table[UNIT.header])[keep].reset_index(drop=True),
        frame["unit"].isna().to_numpy(),
        kept_rows,
        UNIT.header,
        "unit left empty, so validation refuses the rows",
    )
    notes += unknown_word_notes(
        text(table[STATUS.header])[keep].reset_index(drop=True),
        frame["estimated"].isna().to_numpy(),
        kept_rows,
        STATUS.header,
        "whether the volume was measured or estimated is unknown: `estimated` left empty",
    )
    notes += interval_notes(frame) + negative_notes(frame)
    return frame, capped(notes)


def _ean_cells(cells: pa.Array) -> pd.Series:
    """The EAN as Excel's text formula writes it (`="5414..."`) without the formula around it."""
    bare = pc.replace_substring_regex(cells, r'^\s*="?|"\s*$', "")
    return text(bare)


def _register(cells: pa.Array) -> tuple[pd.Series, pd.Series]:
    """Direction from the register's first word, tariff from the rest (nothing: a single register)."""
    words = pc.extract_regex(cells, _REGISTER_WORDS)
    first = pc.struct_field(words, [0])
    rest = pc.struct_field(words, [1])
    direction = lookup(first, DIRECTIONS)
    tariff = lookup(rest, TARIFFS, missing=TARIFFS["single"])
    return direction.astype("string"), tariff.astype("string").mask(direction.isna())


def _wall_clock(dates: pa.Array, times: pa.Array) -> pd.Series:
    """A local date and time of day as a naive timestamp; an unreadable part makes it NaT."""
    day = local_date(dates).astype("datetime64[us]")
    clock = pd.Series(times.to_pandas(), dtype="string").str.strip()
    readable = clock.str.fullmatch(_CLOCK).fillna(False)
    clock = clock.where(clock.str.len().ne(5), clock + ":00").where(readable)
    return day + pd.to_timedelta(clock, errors="coerce")


def _interval(table: RawTable) -> tuple[pd.Series, pd.Series, list[Note]]:
    """Aware start and end; the doubled autumn hour told apart by the order of its rows (module docstring)."""
    naive_start = _wall_clock(table[FROM_DATE.header], table[FROM_TIME.header])
    naive_end = _wall_clock(table[UNTIL_DATE.header], table[UNTIL_TIME.header])
    series = pd.DataFrame(
        {
            "register": text(table[REGISTER.header]),
            "unit": text(table[UNIT.header]),
            "start": naive_start,
        }
    )
    first_time = series.groupby(["register", "unit", "start"], dropna=False).cumcount().eq(0).to_numpy()
    start = naive_start.dt.tz_localize(FILE_TZ, ambiguous=first_time, nonexistent="NaT")
    n = len(naive_end)
    summer = naive_end.dt.tz_localize(FILE_TZ, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    winter = naive_end.dt.tz_localize(FILE_TZ, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    end = summer.where(summer > start, winter)
    start = start.dt.tz_convert(LOCAL_TZ).astype(schemas.TIMESTAMP)
    end = end.dt.tz_convert(LOCAL_TZ).astype(schemas.TIMESTAMP)
    length = end - start
    usual = length.groupby([series["register"].fillna(""), series["unit"].fillna("")]).transform(
        lambda lengths: lengths.mode().iloc[0] if lengths.notna().any() else pd.NaT
    )
    odd = (length.notna() & length.ne(usual)).to_numpy()
    unread = (start.isna() | end.isna()).to_numpy() & ~odd
    notes = first_row_note(
        "unreadable_time",
        odd,
        table.source_row,
        "rows whose From and Until, placed in local time, are not their register's usual interval apart",
        "their times are left empty, so validation refuses them",
    )
    notes += first_row_note(
        "unreadable_time",
        unread,
        table.source_row,
        "rows without a readable From or Until",
        "validation refuses them",
        detail="a date or time that is not one, or a time in the skipped spring hour",
    )
    return start.mask(odd), end.mask(odd), notes


def _absent_notes(table: RawTable, absent: np.ndarray) -> list[Note]:
    """Rows with an empty Volume, counted per validation status: no reading, so no row."""
    if not absent.any():
        return []
    status = text(table[STATUS.header])[absent].fillna("(empty)").to_numpy(dtype=object)
    counted = pd.DataFrame({"status": status, "row": table.source_row[absent]}).groupby("status", sort=False)["row"]
    return [
        Note(
            "no_reading",
            f"{count} row{'s' if count != 1 else ''} with an empty {VOLUME.header} (status {word!r}): no reading, "
            "so no row",
            row=int(first),
        )
        for word, count, first in zip(counted.size().index, counted.size(), counted.min(), strict=True)
    ]


def _kwh_twins(frame: pd.DataFrame, keep: np.ndarray) -> tuple[np.ndarray, list[Note]]:
    """Gas rows in kWh whose interval and register also have an m3 row: Fluvius' conversion of that volume."""
    keys = ["direction", "tariff", "interval_start", "interval_end"]
    timed = keep & frame["interval_start"].notna().to_numpy() & frame["interval_end"].notna().to_numpy()
    volume = frame[timed & frame["unit"].eq("m3").fillna(False).to_numpy()][keys].drop_duplicates()
    energy = timed & frame["unit"].eq("kWh").fillna(False).to_numpy()
    candidates = frame[energy][keys].reset_index()
    matched = candidates.merge(volume, on=keys, how="inner")["index"].to_numpy()
    twins = np.zeros(len(frame), dtype=bool)
    twins[matched] = True
    notes: list[Note] = []
    if twins.any():
        notes.append(
            Note(
                "duplicate_unit",
                f"every gas interval is given in m³ (the metered volume) and in kWh (Fluvius' conversion with the "
                f"calorific value): the m³ rows are kept and the {int(twins.sum())} kWh rows that repeat them are "
                "left out, so nothing is counted twice",
            )
        )
    alone = energy & ~twins
    notes += first_row_note(
        "duplicate_unit", alone, frame["source_row"].to_numpy(), "gas intervals are given only in kWh", "kept in kWh"
    )
    return twins, notes


read = rows_only(read_with_report)
