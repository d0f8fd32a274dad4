"""Energie Manager Online, API export (services/export/meetdata.php): cumulative counter readings per channel.

    (blank line)
    name;ean;code;moment;moment-date;value;factor;type
    Binnenhof18;871717720000051862;ellm;1735686000;2025-01-01 00:00:00;35089902;0.001;0
    Binnenhof18;871717720000051862;eltm;1735686000;2025-01-01 00:00:00;33038920;-0.001;0
    Binnenhof18;871717720000051862;7agasm;1367186400;2013-04-29 00:00:00;7.439;1;0

`;`-separated, decimal point, a blank first line. One row per reading of one channel (`code`) of a
site (`name`, `ean`): `value` is a counter and `value x factor` the meter's reading in the channel's
unit, taken at `moment`, Unix seconds (UTC). `moment-date` is the same instant in local time
without offset: in the doubled autumn hour it repeats (two rows "2025-10-26 02:00:00", 900 s
apart), so the time is read from `moment` alone. Readings every 15 minutes (electricity) or every
hour (gas).

Usage is the difference between consecutive readings of one EAN and code, in moment order: the
interval runs from the earlier reading's moment to the later one's and is reported on the later
reading's row (the oldest reading of a channel gives no row). A reading lower than the one before
(a counter reset or meter exchange) gives an empty quantity (quarantined) and a note; a missing or
unreadable reading makes the next interval longer (a `long_interval` note); a second reading at the
same moment is ignored (note). An interval that crosses a month boundary is refused (empty
quantity and a note): its usage cannot be put in one month without guessing how it splits.

Channel codes (CODES below; any other code is refused: unit and direction empty, so validation
quarantines its rows, and a note names it). The meanings come from the data and the only public
use of this export: the importer of the repository the samples come from
(patrickvorgers/Home-Assistant-Import-Energy-Data, Datasources/Energie Manager Online/
EnergieManagerDataPrepare_api.py) reads `ellm` as electricity taken from the grid, `eltm` as
electricity returned to it and `...agasm` as the gas meter in m3. In the samples:
- ellm: factor 0.001 (a Wh counter read in kWh); it rises in every quarter hour, inside and outside
  the normal-tariff hours alike (2025: 2,586 kWh on weekdays 07-23 h, 4,938 kWh the rest), so it is
  the meter's total, both tariffs: tariff `single` (the vocabulary's `totaal`).
- eltm: factor -0.001: EMO signs the return counter's factor negative. The counter itself counts
  up; the reading is `value x |factor|` and its differences are feed-in (positive). A code whose
  factor has the other sign than CODES says is not what CODES says it is: direction empty (refused).
- 7agasm: factor 1, m3; hourly; 7.439 m3 on 29-04-2013 rising to 5,135 m3 in June 2017, about
  1,250 m3 a year: a household's gas meter.

`type` is 0 in every row of both samples and not documented: a 0 is read as a measurement (as
every meter reading is), any other value leaves `estimated` empty with a note. `name` is not read.

EAN: the `ean` column is the file's own (871717720000051862 holds its check digit) and counts as
the meter of every row (meter_eans.row_eans); rows without a valid one take `--ean`. NOTE: both samples
(electricity and gas) carry the same EAN: EMO writes one EAN per site, while a Dutch connection's
EAN belongs to one carrier; a note says so when one file holds both carriers on one EAN.

Source of the layout: EnergieManagerOnline/elec_2025.csv and gas_2013.csv, published in the
MIT-licensed repository patrickvorgers/Home-Assistant-Import-Energy-Data (commit 3d2ee18); copies in
tests/sources/real_samples/EnergieManagerOnline/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from footprint import schemas
from footprint.schemas import LOCAL_TZ
from footprint.sources.cell_numbers import point_decimal
from footprint.sources.cell_text import absent_cells, constant, text
from footprint.sources.cell_times import month_start
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.meter_eans import ELECTRICITY, GAS, EanOption, row_eans
from footprint.sources.meter_intervals import (
    format_moment,
    interval_notes,
    negative_notes,
)
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    more,
    row_notes,
    rows_only,
    shown,
    unknown_word_notes,
)
from footprint.sources.text_head import Column, header_sniffer
from footprint.sources.vocabulary import CARRIER_UNITS, DIRECTIONS, TARIFFS

NAME: Final = "emo_api_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month

# EMO channel code -> (carrier, direction, tariff, sign of its factor). Sources: see the module docstring.
CODES: Final = {
    "ellm": (ELECTRICITY, DIRECTIONS["levering"], TARIFFS["totaal"], 1.0),
    "eltm": (ELECTRICITY, DIRECTIONS["teruglevering"], TARIFFS["totaal"], -1.0),
    "7agasm": (GAS, DIRECTIONS["levering"], TARIFFS["totaal"], 1.0),
}
MEASURED_TYPES: Final = frozenset({"0"})  # the only `type` seen; its meaning is not documented

HEADER: Final = (
    Column("ean"),
    Column("code"),
    Column("moment"),
    Column("value"),
    Column("factor"),
    Column("type", required=False),
    Column("name", required=False),
)
SIGNATURE: Final = HEADER[:5]
_UNIX_SECONDS: Final = r"^\s*\d{1,12}\s*$"


sniff = header_sniffer(SIGNATURE)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE)
    codes = text(table["code"]).str.casefold()
    known = codes.isin(list(CODES)).fillna(False).to_numpy(dtype=bool)
    attribute = {
        name: codes.map({code: entry[i] for code, entry in CODES.items()}).astype("object")
        for i, name in enumerate(("carrier", "direction", "tariff", "sign"))
    }
    notes = unknown_word_notes(
        text(table["code"]), ~known & codes.notna().to_numpy(), table.source_row, "code",
        "a channel footprint cannot identify; unit and direction left empty, so validation refuses its rows",
    )
    factor = point_decimal(table["factor"])
    value = point_decimal(table["value"])
    reading = value * np.abs(factor)
    moment = _moments(table)
    series = pd.Series(table["ean"].to_pandas()).astype("string").str.strip().fillna("") + "|" + codes.fillna("")
    usage, usage_notes = _usage(series.to_numpy(dtype=object), moment, reading, table.source_row)
    notes += usage_notes
    notes += _skipped_notes(table, moment, value, factor)

    at = usage["later"].to_numpy(dtype=np.int64)
    sign = attribute["sign"].to_numpy()
    against = np.zeros(len(table), dtype=bool)
    against[known] = np.sign(factor[known]) != sign[known].astype("float64")
    wrong_sign = against[at] | against[usage["earlier"].to_numpy(dtype=np.int64)]
    notes += _sign_notes(wrong_sign, table.source_row[at], codes.to_numpy(dtype=object)[at])
    carrier = attribute["carrier"].iloc[at].reset_index(drop=True)
    eans = row_eans(text(table["ean"]).iloc[at].reset_index(drop=True), ean, path, carrier)
    notes += _shared_ean_notes(eans, carrier)
    begin = usage["start"]
    frame = pd.DataFrame(
        {
            "source_row": table.source_row[at],
            "ean": eans,
            "interval_start": begin,
            "interval_end": usage["end"],
            "period": month_start(begin),
            "quantity": usage["quantity"].to_numpy(dtype="float64"),
            "unit": carrier.map(CARRIER_UNITS).astype("string"),
            "direction": attribute["direction"].iloc[at].reset_index(drop=True).astype("string").mask(wrong_sign),
            "tariff": attribute["tariff"].iloc[at].reset_index(drop=True).astype("string"),
            "estimated": _estimated(table).iloc[at].reset_index(drop=True),
        }
    )
    frame = schemas.conform(frame, DATASET)
    notes += _type_notes(table)
    for _, part in frame.groupby("unit", dropna=False, sort=False):  # a shared EAN: gas never overlaps electricity
        notes += interval_notes(part, "readings")
    notes += negative_notes(frame)
    return frame, capped(notes)


def _moments(table: RawTable) -> pd.Series:
    """Unix seconds to aware local time; anything that is not a whole number of seconds is NaT."""
    cells = table["moment"]
    whole = pc.match_substring_regex(cells, _UNIX_SECONDS).fill_null(False).to_numpy(zero_copy_only=False)
    seconds = pd.to_numeric(pd.Series(cells.to_pandas()).where(whole), errors="coerce")
    utc = pd.to_datetime(seconds, unit="s", utc=True)
    return utc.dt.tz_convert(LOCAL_TZ).astype(schemas.TIMESTAMP)


def _usage(
    series: np.ndarray, moment: pd.Series, reading: np.ndarray, source_row: np.ndarray
) -> tuple[pd.DataFrame, list[Note]]:
    """Consecutive readings of each series (EAN and code) paired: the usage between them and its interval."""
    stamps = moment.to_numpy(dtype="datetime64[us]")
    usable = np.flatnonzero(~np.isnat(stamps) & np.isfinite(reading))
    codes, _ = pd.factorize(series[usable])
    order = usable[np.lexsort((source_row[usable], stamps[usable].astype(np.int64), codes))]
    group = pd.factorize(series[order])[0]
    notes: list[Note] = []
    repeated = np.zeros(len(order), dtype=bool)
    repeated[1:] = (group[1:] == group[:-1]) & (stamps[order][1:] == stamps[order][:-1])
    for i in shown(np.flatnonzero(repeated)):
        notes.append(
            Note(
                "duplicate_reading",
                f"a second reading at {format_moment(moment.iloc[order[i]])} for the same EAN and code "
                f"(the first is on row {int(source_row[order[i - 1]])}); ignored",
                row=int(source_row[order[i]]),
            )
        )
    notes += more(int(repeated.sum()), "duplicate_reading")
    order, group = order[~repeated], group[~repeated]
    pair = np.flatnonzero(group[1:] == group[:-1])
    earlier, later = order[pair], order[pair + 1]
    quantity = np.round(reading[later] - reading[earlier], 6)
    reset = quantity < 0
    quantity[reset] = np.nan
    listed = shown(np.flatnonzero(reset))
    for e, lt in zip(earlier[listed], later[listed], strict=True):
        notes.append(
            Note(
                "counter_reset",
                f"the reading {reading[lt]:g} is lower than {reading[e]:g} at {format_moment(moment.iloc[e])} "
                f"(row {int(source_row[e])}): a counter reset or meter exchange; the usage in between is unknown "
                "and left empty",
                row=int(source_row[lt]),
            )
        )
    notes += more(int(reset.sum()), "counter_reset")
    usage = pd.DataFrame(
        {
            "earlier": earlier,
            "later": later,
            "start": moment.iloc[earlier].reset_index(drop=True),
            "end": moment.iloc[later].reset_index(drop=True),
            "quantity": quantity,
            "group": group[pair],
        }
    )
    usage, month_notes = _refuse_month_crossings(usage, source_row)
    usage = usage.sort_values("later", kind="stable").reset_index(drop=True)
    return usage, notes + _long_interval_notes(usage, source_row) + month_notes


def _refuse_month_crossings(usage: pd.DataFrame, source_row: np.ndarray) -> tuple[pd.DataFrame, list[Note]]:
    """An interval that runs into a later month cannot be given one period: its quantity is left empty."""
    if usage.empty:
        return usage, []
    start = usage["start"]
    last = usage["end"] - pd.Timedelta(microseconds=1)
    crossing = month_start(start) != month_start(last)
    quantity = usage["quantity"].to_numpy().copy()
    quantity[crossing] = np.nan
    notes = [
        Note(
            "spans_months",
            f"no readings between {format_moment(start.iloc[i])} and {format_moment(last.iloc[i])}: "
            "the usage of that interval crosses a month boundary and cannot be put in one month; left empty",
            row=int(source_row[usage["later"].iloc[i]]),
        )
        for i in shown(np.flatnonzero(crossing))
    ]
    return usage.assign(quantity=quantity), notes + more(int(crossing.sum()), "spans_months")


def _long_interval_notes(usage: pd.DataFrame, source_row: np.ndarray) -> list[Note]:
    """Readings further apart than their channel's usual spacing: a reading missing or unreadable."""
    if usage.empty:
        return []
    length = (usage["end"] - usage["start"]).to_numpy()
    usual = pd.Series(length).groupby(usage["group"].to_numpy()).transform(lambda d: d.mode().iloc[0]).to_numpy()
    longer = np.flatnonzero(length > usual)
    notes = [
        Note(
            "long_interval",
            f"readings {_duration(length[i])} apart (the channel's usual spacing is {_duration(usual[i])}): "
            "the usage of that time is one interval",
            row=int(source_row[usage["later"].iloc[i]]),
        )
        for i in shown(longer)
    ]
    return notes + more(len(longer), "long_interval")


def _duration(length: np.timedelta64) -> str:
    minutes = int(length // np.timedelta64(1, "m"))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 minutes"


def _skipped_notes(table: RawTable, moment: pd.Series, value: np.ndarray, factor: np.ndarray) -> list[Note]:
    """Rows that hold something but no usable reading: their usage falls in the next interval."""
    written = ~absent_cells(table["value"].to_pandas())
    unread = (moment.isna().to_numpy() | ~np.isfinite(value) | ~np.isfinite(factor)) & written
    skipped = "no readable moment, value or factor: reading skipped"
    return row_notes("skipped_reading", skipped, table.source_row[unread])


def _sign_notes(wrong: np.ndarray, source_row: np.ndarray, codes: np.ndarray) -> list[Note]:
    return first_row_note(
        "unknown_word",
        wrong,
        source_row,
        f"usage rows of code {', '.join(sorted(set(codes[wrong])))} whose factor has the other sign than that code's",
        "the direction is not what the code says; left empty, so validation refuses them",
    )


def _estimated(table: RawTable) -> pd.Series:
    if "type" not in table.present:
        return constant(False, len(table), "boolean")
    kinds = text(table["type"])
    return pd.Series(
        pd.array(np.where(kinds.isin(MEASURED_TYPES).fillna(False).to_numpy(dtype=bool), False, None), "boolean")
    )


def _type_notes(table: RawTable) -> list[Note]:
    if "type" not in table.present:
        return []
    kinds = text(table["type"])
    other = ~kinds.isin(MEASURED_TYPES).fillna(False).to_numpy(dtype=bool)
    return unknown_word_notes(
        kinds, other, table.source_row, "type", "its meaning is not documented; `estimated` left empty"
    )


def _shared_ean_notes(eans: pd.Series, carrier: pd.Series) -> list[Note]:
    """One EAN on electricity and gas rows: EMO's site EAN, not both connections' own."""
    pairs = pd.DataFrame({"ean": eans, "carrier": carrier}).dropna().drop_duplicates()
    shared = pairs.groupby("ean")["carrier"].nunique()
    return [
        Note(
            "carrier",
            f"EAN {code} is on electricity and gas rows: EMO writes one EAN per site, but a connection has one "
            "carrier; check which meter it is (the other carrier's rows are refused as that meter's unit)",
        )
        for code in shared[shared > 1].index
    ]


read = rows_only(read_with_report)
