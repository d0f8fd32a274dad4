"""The keys of a fuel-card profile (footprint/data/fuelcard_profiles/*.yaml, or a user's own), checked by pydantic.

A profile names the provider's columns for footprint's fields, the date, time and number formats, how
a credit is marked (a negative quantity, or a D/C flag with a positive quantity), how the unit is
known, and the provider's product names. Two layouts exist: `delimited` (a header line, any
one-character separator) and `fixed_width` (records without a header, the record type in the first
characters). The keys are described in footprint/sources/README.md ("Fuel-card profiles").
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

from footprint.sources.cell_times import TIME_FORMATS
from footprint.sources.text_head import Column
from footprint.sources.vocabulary import FUEL_UNITS
from footprint.yaml_strict import FrozenModel

CURRENCY: Final = "EUR"  # the warehouse keeps euro amounts (unit_price_eur, amount_eur)
CANONICAL_UNITS: Final = frozenset(FUEL_UNITS.values())

FieldName = Literal[
    "transaction_date",
    "transaction_time",
    "card_number",
    "driver",
    "plate",
    "station",
    "product",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "currency",
    "odometer",
    "credit_flag",
    "fuel_flag",
]
Text = Annotated[str, Field(min_length=1)]


class FieldSpec(FrozenModel):
    """Where a field is: a column `header` (delimited) or `start`/`length` characters (fixed width)."""

    header: Text | None = None
    aliases: tuple[Text, ...] = ()
    required: bool = False
    start: Annotated[int, Field(ge=1)] | None = None
    length: Annotated[int, Field(ge=1)] | None = None
    # Set for whole numbers counting a fraction of the unit (0.01: cents); a sign may follow the digits.
    scale: Annotated[float, Field(gt=0)] | None = None

    @property
    def end(self) -> int:
        return (self.start or 1) + (self.length or 0) - 1


class RecordTypes(FrozenModel):
    start: Annotated[int, Field(ge=1)] = 1
    length: Annotated[int, Field(ge=1)] = 2
    transaction: Annotated[tuple[Text, ...], Field(min_length=1)]


class CreditRule(FrozenModel):
    marked_by: Literal["negative_quantity", "flag"] = "negative_quantity"
    credit_values: tuple[Text, ...] = ()
    debit_values: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _flag_values(self) -> "CreditRule":
        if self.marked_by == "flag" and not (self.credit_values and self.debit_values):
            raise ValueError("marked_by flag needs credit_values and debit_values (e.g. [C] and [D])")
        return self


class FuelFlag(FrozenModel):
    fuel_values: Annotated[tuple[Text, ...], Field(min_length=1)]
    non_fuel_values: Annotated[tuple[Text, ...], Field(min_length=1)]


class UnitRule(FrozenModel):
    """The unit of a row: the unit cell when there is one, else by product, else non_fuel or default."""

    default: str | None = None
    non_fuel: str | None = None
    by_product: dict[Text, str] = {}
    words: dict[Text, str] = {}  # the provider's unit words beyond footprint.sources.vocabulary.FUEL_UNITS

    @model_validator(mode="after")
    def _canonical(self) -> "UnitRule":
        allowed = ", ".join(sorted(CANONICAL_UNITS))
        named = {"default": self.default, "non_fuel": self.non_fuel}
        named |= {f"by_product[{k!r}]": v for k, v in self.by_product.items()}
        named |= {f"words[{k!r}]": v for k, v in self.words.items()}
        for key, unit in named.items():
            if unit is not None and unit not in CANONICAL_UNITS:
                raise ValueError(f"{key}: unit {unit!r} is not one of {allowed}")
        return self


class FuelCardProfile(FrozenModel):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: Text
    layout: Literal["delimited", "fixed_width"]
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    line_length: Annotated[int, Field(ge=2)] | None = None
    record_type: RecordTypes | None = None
    signature: tuple[FieldName, ...] = ()
    decimal: Literal[",", "."] = ","
    date_formats: Annotated[tuple[Text, ...], Field(min_length=1)]
    time_formats: Annotated[tuple[Text, ...], Field(min_length=1)] = TIME_FORMATS
    credit: CreditRule = CreditRule()
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = CURRENCY
    fuel_flag: FuelFlag | None = None
    unit: UnitRule = UnitRule()
    fields: dict[FieldName, FieldSpec]
    fuel_products: dict[Text, Text] = {}
    non_fuel_products: dict[Text, Text] = {}

    @model_validator(mode="after")
    def _layout(self) -> "FuelCardProfile":
        for needed in ("transaction_date", "plate", "product", "quantity"):
            if needed not in self.fields:
                raise ValueError(f"fields: {needed} is needed")
        if self.credit.marked_by == "flag" and "credit_flag" not in self.fields:
            raise ValueError("credit marked_by flag needs a credit_flag field")
        if "fuel_flag" in self.fields and self.fuel_flag is None:
            raise ValueError("a fuel_flag field needs fuel_flag: {fuel_values: [...], non_fuel_values: [...]}")
        if "unit" not in self.fields and self.unit.default is None:
            raise ValueError("without a unit field the profile needs unit.default")
        if self.layout == "delimited":
            self._delimited()
        else:
            self._fixed_width()
        return self

    def _delimited(self) -> None:
        if self.delimiter is None:
            raise ValueError("layout delimited needs delimiter")
        if self.line_length is not None or self.record_type is not None:
            raise ValueError("line_length and record_type belong to layout fixed_width")
        for name, spec in self.fields.items():
            if spec.header is None or spec.start is not None or spec.length is not None:
                raise ValueError(f"fields.{name}: a delimited field has a header, not start/length")
        if not self.signature:
            raise ValueError("signature: name the fields whose columns identify the header line")
        for name in self.signature:
            if name not in self.fields:
                raise ValueError(f"signature: {name} is not one of the fields")

    def _fixed_width(self) -> None:
        if self.line_length is None or self.record_type is None:
            raise ValueError("layout fixed_width needs line_length and record_type")
        if self.delimiter is not None or self.signature:
            raise ValueError("delimiter and signature belong to layout delimited")
        record = self.record_type
        if record.start + record.length - 1 > self.line_length:
            raise ValueError("record_type lies beyond line_length")
        for name, spec in self.fields.items():
            if spec.start is None or spec.length is None or spec.header is not None or spec.aliases:
                raise ValueError(f"fields.{name}: a fixed-width field has start and length, not a header")
            if spec.end > self.line_length:
                raise ValueError(f"fields.{name}: ends at {spec.end}, beyond line_length {self.line_length}")

    @property
    def columns(self) -> tuple[Column, ...]:
        """The header columns of a delimited profile, in the profile's field order."""
        return tuple(
            Column(spec.header, required=spec.required, aliases=spec.aliases)
            for spec in self.fields.values()
            if spec.header is not None
        )

    @property
    def signature_columns(self) -> tuple[Column, ...]:
        by_header = {c.header: c for c in self.columns}
        return tuple(by_header[self.fields[name].header] for name in self.signature)  # type: ignore[index]
