"""The keys of a meter export profile (footprint/data/meter_profiles/*.yaml, or a user's own), checked by pydantic.

A profile is a utility export's layout as data: how to find the table (file type, delimiter, decimal
mark, the header's signature columns, rows to drop), the time axis (one timestamp, or date and time
columns; the format; whether it marks the start or the end of the interval), the channels (a column
each, or a value each of a type column) with their carrier (or each row's, `row_carrier`), direction,
tariff and unit (or each row's, from a column), whether the
values are usage per interval or cumulative readings, and where the EAN comes from. The keys are
described in footprint/sources/README.md ("Meter export profiles").
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from footprint.sources.text_head import Column, normalise_key
from footprint.sources.vocabulary import METER_UNITS
from footprint.yaml_strict import FrozenModel

NAME_PATTERN: Final = r"^[a-z][a-z0-9_]*$"  # a profile's name: a format name, lower case and _
Text = Annotated[str, Field(min_length=1)]
Carrier = Literal["electricity", "gas", "heat"]
# The carrier a layout leaves open: the EAN the user gives decides (gas=..., or its 871687140 range).
FROM_EAN: Final = "from_ean"
Direction = Literal["consumption", "feed_in", "generation"]
Tariff = Literal["low", "high", "single"]
# Timestamp formats that are not strptime patterns: ISO-8601 with or without offset, Dutch portals'
# "dd-mm-yyyy HH:MM:SS +0100", and Unix time (seconds or milliseconds since 1970, UTC).
NAMED_TIME_FORMATS: Final = ("iso", "dutch", "unix_seconds", "unix_milliseconds")
TIMEZONES: Final = ("Europe/Amsterdam", "Europe/Brussels")
_DURATION: Final = re.compile(r"^(auto|1mo|\d+\s*(min|h|d))$")
MONTH: Final = "1mo"  # a calendar month: from local midnight on the 1st to the 1st of the next month
# A two-row header's column as a profile names it: the group row's label, this, then the name below it.
GROUP_SEPARATOR: Final = " / "


class TableSpec(FrozenModel):
    """Where the table is: the file type and, for a text file, its delimiter; the header by its signature."""

    type: Literal["csv", "xlsx"] = "csv"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ";"
    decimal: Literal[",", "."] = ","
    # csv: auto (UTF-8 with or without BOM, else Windows-1252), or what the layout is known to write
    encoding: Literal["auto", "utf-8", "cp1252"] = "auto"
    sheet: Text | None = None  # xlsx: the sheet's name; else the first sheet whose rows hold the signature
    signature: tuple[Text, ...] = Field(min_length=1)  # header names that identify the layout (any order)
    # ... and at least one of these too, where the register columns vary between files of the layout
    # (SlimmeMeterPortal: levering_normaal/levering_laag for electricity, levering alone for gas)
    signature_any: tuple[Text, ...] = ()
    # other spellings of any column the profile names, its signature too (Fluvius' Dutch export: "Van datum")
    aliases: dict[Text, tuple[Text, ...]] = Field(default_factory=dict)
    drop_rows: tuple[RowDrop, ...] = ()
    drop_summary_rows: bool = False  # a row whose interval holds other rows' intervals (a year total) is left out
    # xlsx, 2: a group row (a label over a block of columns, carried right) above the names; a column is
    # then named "<group> / <name>" (Eneco: "Stroom [kWh] / Verbruik laag tarief")
    header_rows: Literal[1, 2] = 1

    @model_validator(mode="after")
    def _group_row_in_a_workbook(self) -> TableSpec:
        if self.header_rows == 2 and self.type != "xlsx":
            raise ValueError("header_rows: 2 (a group row above the names) is for workbooks (type: xlsx)")
        return self

    def spelled(self, column: Column) -> Column:
        """The column with the other spellings `aliases` gives its name."""
        extra = tuple(a for a in self.aliases.get(column.header, ()) if a not in column.aliases)
        return Column(column.header, column.required, (*column.aliases, *extra)) if extra else column


class RowDrop(FrozenModel):
    """Rows that are not data (a totals line): the `column` holds one of `values` (compared ignoring case)."""

    column: Text
    values: tuple[str, ...] = Field(min_length=1)


class TimeAxis(FrozenModel):
    """When each row's interval is: one timestamp column, or a date column plus a time column."""

    column: Text | None = None
    date_column: Text | None = None
    time_column: Text | None = None
    end_column: Text | None = None  # an explicit end (then `marks` is start and `interval` is not used)
    end_date_column: Text | None = None  # ... or an explicit end as a date column (Fluvius' Until (date))
    end_time_column: Text | None = None  # ... plus its time of day (Until (time)), joined by a space
    # A local time in the doubled autumn hour: refused (left empty), or told apart by the order of the rows
    # (meter_profile_clock: per series the first occurrence is summer time, the second winter time)
    ambiguous: Literal["refused", "order"] = "refused"
    formats: tuple[Text, ...] = ("iso",)  # named (NAMED_TIME_FORMATS) or strptime patterns, tried in order
    marks: Literal["start", "end"] = "start"  # the one timestamp is the interval's start or its end
    interval: Text = "auto"  # 15min, 1h, 1d, 1mo (a calendar month), or auto: the most common distance between timestamps
    # cumulative: a reading is the meter's state at the row's timestamp (stamp), or at the end of the period
    # the timestamp names, `interval` later (period_end: P1mon's row of May 2019 holds the readings of 1 June)
    reading_at: Literal["stamp", "period_end"] = "stamp"
    timezone: Literal["Europe/Amsterdam", "Europe/Brussels"] = "Europe/Amsterdam"  # times written without offset

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        if not _DURATION.match(value.strip()):
            raise ValueError("an interval is auto, 1mo (a calendar month) or a number with min, h or d: 15min, 1h, 1d")
        return value.strip()

    @field_validator("formats")
    @classmethod
    def _formats(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        for each in formats:
            if each not in NAMED_TIME_FORMATS and "%" not in each:
                raise ValueError(
                    f"{each!r} is neither one of {', '.join(NAMED_TIME_FORMATS)} nor a strptime pattern (%d-%m-%Y %H:%M)"
                )
        return formats

    @model_validator(mode="after")
    def _one_axis(self) -> TimeAxis:
        if (self.column is None) == (self.date_column is None):
            raise ValueError("give either column (one timestamp) or date_column (with time_column)")
        if self.time_column is not None and self.date_column is None:
            raise ValueError("time_column needs date_column")
        if self.reading_at == "period_end" and (self.interval == "auto" or self.marks != "start"):
            raise ValueError("reading_at: period_end needs a fixed interval (1d, 1mo, ...) and marks: start")
        return self

    @model_validator(mode="after")
    def _one_end_and_order_by_wall_clock(self) -> TimeAxis:
        if self.end_column is not None and self.end_date_column is not None:
            raise ValueError("give end_column (one timestamp) or end_date_column (with end_time_column), not both")
        if self.end_time_column is not None and self.end_date_column is None:
            raise ValueError("end_time_column needs end_date_column")
        if self.ambiguous == "order" and any(f in NAMED_TIME_FORMATS or "%z" in f for f in self.formats):
            raise ValueError("ambiguous: order places local times written without offset: give strptime formats "
                             "without %z (%d/%m/%Y %H:%M:%S)")
        return self

    @property
    def months(self) -> bool:
        """The interval is a calendar month (meter_profile_months), not a fixed length."""
        return self.interval == MONTH

    @property
    def step(self) -> pd.Timedelta | None:
        """The fixed length; None for auto and for a calendar month (`months`), whose length varies."""
        if self.interval == "auto" or self.months:
            return None
        return pd.Timedelta(re.sub(r"d$", "D", self.interval.replace(" ", "")))  # pandas spells days D

    @property
    def columns(self) -> tuple[str, ...]:
        named = (self.column, self.date_column, self.time_column, self.end_column, self.end_date_column,
                 self.end_time_column)
        return tuple(name for name in named if name is not None)


class TariffColumn(FrozenModel):
    """A tariff read per row from a column: its words -> low, high or single (compared ignoring case)."""

    column: Text
    values: dict[str, Tariff] = Field(min_length=1)


class UnitColumn(FrozenModel):
    """A unit read per row from a column (Fluvius' Unit: kWh or m³), through the vocabulary's meter_units;
    an unknown word leaves the row's unit empty. `prefer` (long layouts): an interval of the channel given in
    this unit and again in another keeps only this unit's row (meter_profile_units)."""

    column: Text
    prefer: Text | None = None

    @field_validator("prefer")
    @classmethod
    def _prefer(cls, unit: str | None) -> str | None:
        return unit if unit is None else _known_unit(unit)


class Channel(FrozenModel):
    """One register of the export: its values' column (wide) or type value (long), and what they measure."""

    column: Text | None = None  # wide: the column holding this channel's values
    aliases: tuple[Text, ...] = ()  # other spellings of the column (older versions of the export)
    when: tuple[Text, ...] = ()  # long: the type column's values of this channel (compared ignoring case)
    required: bool = True  # wide: a file without the column is refused (else the channel is left out)
    carrier: Carrier | Literal["from_ean"]  # from_ean: the layout does not say; the EAN given decides
    direction: Direction
    tariff: Tariff | TariffColumn = "single"
    unit: Text | UnitColumn | None = None  # kWh, Wh, MWh, m3, GJ, ... (vocabulary.yaml meter_units), or {column}
    units: dict[Carrier, Text] = Field(default_factory=dict)  # carrier from_ean: the unit of each carrier the EAN may name
    scale: float = 1.0  # the unit's value of one count (0.001: a Wh counter read in kWh)
    negative: bool = False  # the export writes this channel's values negative (feed-in as minus)
    zero_is_no_reading: bool = False  # a 0 means the logger had no reading (P1mon's gas register), not a value
    all_zero_is_absent: bool = False  # 0 in every row: no such meter on this connection (DSMR-reader's gas)
    # This channel's own estimated flag (Eneco's "Geschat?" per group), instead of the profile's `estimated`
    estimated: EstimatedFlag | None = None

    @field_validator("unit")
    @classmethod
    def _unit(cls, unit: str | UnitColumn | None) -> str | UnitColumn | None:
        return unit if unit is None or isinstance(unit, UnitColumn) else _known_unit(unit)

    @field_validator("units")
    @classmethod
    def _units(cls, units: dict[str, str]) -> dict[str, str]:
        return {carrier: _known_unit(unit) for carrier, unit in units.items()}

    @model_validator(mode="after")
    def _one_unit(self) -> Channel:
        if self.carrier == FROM_EAN and (self.unit is not None or not self.units):
            raise ValueError("a channel with carrier from_ean gives units (one per carrier: {electricity: kWh, gas: m3}), not unit")
        if self.carrier != FROM_EAN and (self.unit is None or self.units):
            raise ValueError("a channel gives its unit (units is only for carrier from_ean)")
        return self

    def for_carrier(self, carrier: str) -> Channel:
        """This channel with the carrier the EAN named and that carrier's unit (carrier from_ean)."""
        return self.model_copy(update={"carrier": carrier, "unit": self.units[carrier], "units": {}})  # type: ignore[index]

    @property
    def canonical_unit(self) -> tuple[str | None, float]:
        """footprint's unit for this channel and the factor from the export's unit to it; (None, nan) for a
        carrier from_ean channel not yet given its carrier (see for_carrier); (None, 1) for a unit read per row
        (meter_profile_units.row_units puts each row's unit and factor in)."""
        if isinstance(self.unit, UnitColumn):
            return None, 1.0
        return (None, float("nan")) if self.unit is None else METER_UNITS[self.unit.casefold()]

    @property
    def label(self) -> str:
        return self.column or "/".join(self.when)

    @property
    def header(self) -> Column:
        return Column(self.column or "", required=self.required, aliases=self.aliases)


def _known_unit(unit: str) -> str:
    if unit.casefold() not in METER_UNITS:
        raise ValueError(f"unknown unit {unit!r}; known: {', '.join(sorted(set(METER_UNITS)))}")
    return unit


class LongLayout(FrozenModel):
    """A row per reading: the column naming the channel and the column holding its value."""

    type_column: Text
    value_column: Text
    # An empty value: no_reading (no row; Fluvius writes none for an hour without use), or refused (the row
    # keeps its interval with an empty quantity for validation to quarantine: a usage export with a row per
    # hour, ENGIE's, that leaves one empty has lost that hour's figure). Cumulative readings: always no_reading.
    empty_value: Literal["no_reading", "refused"] = "no_reading"


class RowCarrier(FrozenModel):
    """Each row's carrier, where one layout holds electricity and gas: a channel then reads only its carrier's
    rows (meter_profile_rows). The first rule that names one decides: the `column`'s first letters
    (`starts_with`: {E: electricity, G: gas}), the range of the row's EAN (`ean_range`), a column in the header
    (`header_has`: {"Caloric upper value": gas}), then `otherwise`. A row none names: unit left empty."""

    column: Text | None = None
    starts_with: dict[Text, Carrier] = Field(default_factory=dict)
    ean_range: bool = False  # the row's EAN (ean.column) in 871687120... is electricity, in 871687140... gas
    header_has: dict[Text, Carrier] = Field(default_factory=dict)
    otherwise: Carrier | None = None

    @model_validator(mode="after")
    def _some_rule(self) -> RowCarrier:
        if (self.column is None) != (not self.starts_with):
            raise ValueError("column and starts_with go together: the column whose first letters name the carrier")
        if self.column is None and not self.ean_range and not self.header_has and self.otherwise is None:
            raise ValueError("give a rule: column with starts_with, ean_range, header_has or otherwise")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name in (self.column, *self.header_has) if name is not None)


class EanSource(FrozenModel):
    """Where a row's EAN comes from. A valid EAN in `column` is the row's own; rows without one, and
    exports that name no meter, take the EAN the user gives (--ean, or meters[].files in footprint.yaml)."""

    column: Text | None = None
    # A label in the lines above the header whose next cell is the file's EAN ("EAN;871687120000000004").
    preamble: Text | None = None
    file_name: bool = False  # the file's name holds its EAN (data_2023_871687120058657526.xlsx)

    @property
    def of_file(self) -> bool:
        """The file names its one meter somewhere other than a column."""
        return self.preamble is not None or self.file_name


class EstimatedFlag(FrozenModel):
    """Which rows are estimates: a column's words (the vocabulary's `estimated` words, plus `words`)."""

    column: Text
    words: dict[str, bool] = Field(default_factory=dict)
    required: bool = True  # false: a file without the column is read as measurements (EMO's undocumented `type`)


class TotalCheck(FrozenModel):
    """A column holding each row's net total of its channel cells as written (the export's own signs).
    Never read as usage, only compared: a row off by more than `tolerance` is a usage_mismatch note."""

    column: Text
    tolerance: float = Field(default=0.0005, ge=0)


class CrossCheck(FrozenModel):
    """A column of the export's own figures, never read, compared with the usage footprint reads from the
    `channels` (their columns, summed per row): a row off by more than `tolerance` and by more than `share`
    of the export's figure is a usage_mismatch note (meter_profile_checks). `holds`: usage (the row's own
    usage: P1mon's VERBR_KWH_X) or readings (the meter's state at the start of the row's interval, so the
    next row's reading minus this one's is the row's usage: Eneco's Meterstand)."""

    column: Text
    holds: Literal["usage", "readings"]
    channels: tuple[Text, ...] = Field(min_length=1)
    tolerance: float = Field(default=0.0005, ge=0)
    share: float = Field(default=0.0, ge=0, lt=1)


class MeterProfile(FrozenModel):
    """A meter export layout as data; see footprint/sources/README.md, "Meter export profiles"."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    description: Text
    source: Text  # where the layout comes from, and the year: a real file, or documentation (then assumed)
    assumed: str | None = None  # what could not be checked against a real file; None when it was
    table: TableSpec
    time: TimeAxis
    values: Literal["usage", "cumulative"]
    long: LongLayout | None = None
    channels: tuple[Channel, ...] = Field(min_length=1)
    row_carrier: RowCarrier | None = None  # each row's carrier: a channel reads only its carrier's rows
    ean: EanSource = EanSource()
    estimated: EstimatedFlag | None = None
    scale_column: Text | None = None  # cumulative: a column whose value x the reading is the meter's state
    meter_column: Text | None = None  # cumulative: a meter number; a new one on the same EAN starts a new series
    total_check: TotalCheck | None = None  # wide usage: a row total that is compared, never read
    cross_checks: tuple[CrossCheck, ...] = ()  # wide: the export's own usage or readings, compared, never read

    @model_validator(mode="after")
    def _checks_name_channels(self) -> MeterProfile:
        """A cross-check compares with channels that have columns; a period_end reading is a reading."""
        columns = {c.column for c in self.channels}
        for index, check in enumerate(self.cross_checks):
            unknown = [name for name in check.channels if name not in columns]
            if self.long is not None or unknown:
                raise ValueError(
                    f"cross_checks.{index}: channels names channels by their column (a wide layout); "
                    f"no channel has {', '.join(map(repr, unknown)) or 'a column'}"
                )
        if self.time.reading_at == "period_end" and self.values != "cumulative":
            raise ValueError("time.reading_at: period_end is for cumulative readings (values: cumulative)")
        return self

    @model_validator(mode="after")
    def _channels_fit_the_layout(self) -> MeterProfile:
        for index, channel in enumerate(self.channels):
            if self.long is None and (channel.column is None or channel.when):
                raise ValueError(f"channels.{index}: a wide layout's channel has a column and no when")
            if self.long is not None and (not channel.when or channel.column is not None):
                raise ValueError(f"channels.{index}: a long layout's channel has when (type values) and no column")
        if self.ean.column is not None and any(c.carrier == FROM_EAN for c in self.channels):
            raise ValueError("carrier from_ean is for exports that name no EAN (no ean.column): the EAN given decides")
        if self.total_check is not None and (self.long is not None or self.values != "usage"):
            raise ValueError("total_check is for a wide layout of usage (a column per channel, values: usage)")
        if self.values == "usage" and (self.scale_column or self.meter_column):
            raise ValueError("scale_column and meter_column are for cumulative readings (values: cumulative)")
        return self

    @model_validator(mode="after")
    def _rows_find_one_channel(self) -> MeterProfile:
        """Two channels of one column or type word are told apart by row_carrier, so they need it and two carriers;
        a preferred unit compares rows of a long layout; the EAN range needs the EAN column."""
        claimed: dict[tuple[str, str], int] = {}
        for index, channel in enumerate(self.channels):
            for name in (channel.column,) if channel.column else channel.when:
                other = claimed.setdefault((normalise_key(name), channel.carrier if self.row_carrier else ""), index)
                if other != index:
                    raise ValueError(f"channels.{index}: {name!r} is channels.{other}'s too; two channels share a "
                                     "column or type word only with row_carrier and different carriers")
            if isinstance(channel.unit, UnitColumn) and channel.unit.prefer and self.long is None:
                raise ValueError(f"channels.{index}: unit.prefer compares the rows of a long layout (long: ...)")
        if self.row_carrier is not None:
            if any(c.carrier == FROM_EAN for c in self.channels):
                raise ValueError("row_carrier gives each row its carrier: a channel names one, not from_ean")
            if self.row_carrier.ean_range and self.ean.column is None:
                raise ValueError("row_carrier.ean_range reads the row's EAN: give ean.column")
        return self

    @property
    def needs_ean(self) -> bool:
        return self.ean.column is None and not self.ean.of_file

    @property
    def signature_columns(self) -> tuple[Column, ...]:
        return tuple(self.table.spelled(Column(name)) for name in self.table.signature)

    @property
    def signature_any_columns(self) -> tuple[Column, ...]:
        return tuple(self.table.spelled(Column(name)) for name in self.table.signature_any)

    @property
    def read_columns(self) -> tuple[Column, ...]:
        """Every column the reader takes from the file. It must have the signature, the time axis, the
        long layout's two columns or the required wide channels, the EAN and scale columns and a required
        estimated flag; the others it does without."""
        named: list[Column] = [Column(name) for name in self.time.columns]
        if self.long is not None:
            named += [Column(self.long.type_column), Column(self.long.value_column)]
        else:
            named += [channel.header for channel in self.channels]
        if self.estimated is not None:
            named.append(Column(self.estimated.column, required=self.estimated.required))
        named += [Column(name) for name in (self.ean.column, self.scale_column) if name is not None]
        named += [Column(c.unit.column) for c in self.channels if isinstance(c.unit, UnitColumn)]  # a unit per row
        optional = [  # the reader does without them: no new meter, no cross-check, tariff left empty, no row dropped
            self.meter_column,
            *(self.row_carrier.columns if self.row_carrier else ()),  # without them the next rule decides
            self.total_check.column if self.total_check else None,
            *(c.tariff.column for c in self.channels if isinstance(c.tariff, TariffColumn)),
            *(drop.column for drop in self.table.drop_rows),
            *(check.column for check in self.cross_checks),
            *(c.estimated.column for c in self.channels if c.estimated is not None),  # checked per channel read
        ]
        named += [Column(name, required=False) for name in optional if name is not None]
        named += [c for c in self.signature_columns if all(c.header != n.header for n in named)]
        named += [Column(name, required=False) for name in self.table.signature_any]
        seen: dict[str, Column] = {}
        for column in named:
            seen.setdefault(column.header, column)
        return tuple(self.table.spelled(column) for column in seen.values())


TableSpec.model_rebuild()
Channel.model_rebuild()  # its `estimated` is an EstimatedFlag, defined below it
