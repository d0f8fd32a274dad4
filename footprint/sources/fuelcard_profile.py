"""Fuel-card exports read by a profile: the provider's layout is a YAML file, the reading is shared.

A profile (footprint/data/fuelcard_profiles/*.yaml, or a user's file listed under
fuel_cards.profiles in footprint.yaml) names the provider's columns for footprint's fields, the
date, time and number formats, how a credit is marked (a negative quantity, or a D/C flag with a
positive quantity), how the unit is known, and the provider's product names. Two layouts exist:
`delimited` (a header line, any one-character separator) and `fixed_width` (records without a
header, the record type in the first characters; records of other types are skipped and counted in
`frame.attrs["skipped_records"]`).

Cells that cannot be read become missing as in every format; a profile that is wrong, or a file
that is not of the profile's layout at all, is a ConfigError or InputFileError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from footprint import schemas, yaml_strict
from footprint.errors import ConfigError, InputFileError, UserYamlError
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import FUEL_UNITS

if TYPE_CHECKING:
    from footprint.config import OrganisationConfig

DATASET: Final = schemas.FUEL_TRANSACTIONS
CURRENCY: Final = "EUR"  # the warehouse keeps euro amounts (unit_price_eur, amount_eur)
SKIPPED_RECORDS: Final = "skipped_records"  # frame.attrs key: record type -> lines skipped
PROFILE_SUFFIXES: Final = (".yaml", ".yml")
PROFILE_MAX_BYTES: Final = 1_000_000  # a layout is a few KB: anything larger is some other file
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
NUMBER_FIELDS: Final = ("quantity", "unit_price", "amount", "odometer")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, Field(min_length=1)]


class FieldSpec(_Strict):
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


class RecordTypes(_Strict):
    start: Annotated[int, Field(ge=1)] = 1
    length: Annotated[int, Field(ge=1)] = 2
    transaction: Annotated[tuple[Text, ...], Field(min_length=1)]


class CreditRule(_Strict):
    marked_by: Literal["negative_quantity", "flag"] = "negative_quantity"
    credit_values: tuple[Text, ...] = ()
    debit_values: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _flag_values(self) -> "CreditRule":
        if self.marked_by == "flag" and not (self.credit_values and self.debit_values):
            raise ValueError("marked_by flag needs credit_values and debit_values (e.g. [C] and [D])")
        return self


class FuelFlag(_Strict):
    fuel_values: Annotated[tuple[Text, ...], Field(min_length=1)]
    non_fuel_values: Annotated[tuple[Text, ...], Field(min_length=1)]


class UnitRule(_Strict):
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


class FuelCardProfile(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: Text
    layout: Literal["delimited", "fixed_width"]
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] | None = None
    line_length: Annotated[int, Field(ge=2)] | None = None
    record_type: RecordTypes | None = None
    signature: tuple[FieldName, ...] = ()
    decimal: Literal[",", "."] = ","
    date_formats: Annotated[tuple[Text, ...], Field(min_length=1)]
    time_formats: Annotated[tuple[Text, ...], Field(min_length=1)] = helpers.TIME_FORMATS
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


def load_profile(path: Path) -> FuelCardProfile:
    """A profile file, checked once per version of it; a wrong one is a ConfigError naming the file and key.

    Errors never quote the file: a profile path may point at any file (/etc/shadow).
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the fuel-card profile: {exc.strerror or exc}") from None
    if stat.st_size > PROFILE_MAX_BYTES:
        raise ConfigError(
            f"{path}: {stat.st_size:,} bytes, more than a fuel-card profile holds ({PROFILE_MAX_BYTES:,}): not read"
        )
    return _load_profile(path, stat.st_mtime_ns, stat.st_size)


@cache
def _load_profile(path: Path, mtime_ns: int, size: int) -> FuelCardProfile:
    try:
        data = yaml_strict.load_file(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the fuel-card profile: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserYamlError.unparsable(path, "fuel-card profile", exc) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a fuel-card profile is a mapping of keys (name, layout, fields, ...)")
    try:
        return FuelCardProfile.model_validate(data)
    except ValidationError as exc:
        problems = exc.errors(include_input=False, include_url=False, include_context=False)
        raise UserYamlError.invalid(path, "fuel-card profile", problems) from None


def builtin_profile_dir() -> Path:
    return Path(str(resources.files("footprint") / "data" / "fuelcard_profiles"))


def builtin_profile_paths() -> list[Path]:
    return sorted(p for p in builtin_profile_dir().iterdir() if p.suffix in PROFILE_SUFFIXES)


@dataclass(frozen=True)
class ProfileFormat:
    """A profile as a source format of the registry: NAME, DATASET, sniff(head) and read(path)."""

    profile: FuelCardProfile
    source: Path

    @property
    def NAME(self) -> str:  # noqa: N802 - the registry's attribute names
        return self.profile.name

    @property
    def DATASET(self) -> str:  # noqa: N802
        return DATASET

    @property
    def HEADER(self) -> tuple[Column, ...]:  # noqa: N802
        return self.profile.columns

    @property
    def SIGNATURE(self) -> tuple[Column, ...]:  # noqa: N802
        return self.profile.signature_columns if self.profile.layout == "delimited" else ()

    def sniff(self, head: str) -> bool:
        return sniff(head, self.profile)

    def read(self, path: Path, *, ean: str | None = None) -> pd.DataFrame:
        return read(path, self.profile)


def builtin_format(name: str) -> ProfileFormat:
    """The shipped profile `name` (footprint/data/fuelcard_profiles/<name>.yaml) as a format."""
    path = builtin_profile_dir() / f"{name}.yaml"
    profile = load_profile(path)
    if profile.name != name:
        raise ConfigError(f"{path}: the profile's name is {profile.name!r}, not {name!r} as its file name says")
    return ProfileFormat(profile, path)


def profile_paths(org: OrganisationConfig, config_dir: Path) -> list[Path]:
    """The user's profile files (fuel_cards.profiles), relative paths taken from footprint.yaml's folder."""
    paths: list[Path] = []
    for i, entry in enumerate(org.fuel_cards.profiles):
        path = Path(entry).expanduser()
        path = path if path.is_absolute() else (config_dir / path)
        if not path.is_file():
            raise ConfigError(f"fuel_cards.profiles.{i}: {path}: no such fuel-card profile file")
        if path.suffix.lower() not in PROFILE_SUFFIXES:
            raise ConfigError(f"fuel_cards.profiles.{i}: {path}: a fuel-card profile is a .yaml or .yml file; not read")
        paths.append(path.resolve())
    return paths


def user_formats(org: OrganisationConfig, config_dir: Path) -> list[ProfileFormat]:
    """The formats of the user's own profiles; a name that repeats a shipped or another profile is an error."""
    taken = {f.NAME: f.source for f in builtin_formats()}
    formats: list[ProfileFormat] = []
    for path in profile_paths(org, config_dir):
        profile = load_profile(path)
        if profile.name in taken:
            raise ConfigError(
                f"{path}: profile name {profile.name!r} is already used by {taken[profile.name]}: give it its own name"
            )
        taken[profile.name] = path
        formats.append(ProfileFormat(profile, path))
    return formats


def sniff(head: str, profile: FuelCardProfile) -> bool:
    if profile.layout == "delimited":
        return helpers.sniff_header(head, profile.signature_columns, profile.delimiter or helpers.SEPARATOR)
    return _sniff_fixed(head, profile)


def _record_types(lines: pa.Array, profile: FuelCardProfile) -> pa.Array:
    record = profile.record_type
    assert record is not None
    return pc.utf8_slice_codeunits(lines, record.start - 1, record.start - 1 + record.length)


def _sniff_fixed(head: str, profile: FuelCardProfile) -> bool:
    """Complete lines no longer than a record, alphanumeric record types, and at least one transaction."""
    assert profile.line_length is not None and profile.record_type is not None
    pieces = helpers.text_lines(head)
    # A head cut at HEAD_BYTES ends inside a line far below the lines looked at.
    lines = [line for line in pieces[: helpers.HEADER_SEARCH_LINES] if line.strip()]
    if not lines or any(len(line) > profile.line_length for line in lines):
        return False
    record = profile.record_type
    types = [line[record.start - 1 : record.start - 1 + record.length] for line in lines]
    if not all(len(t) == record.length and t.isalnum() for t in types):
        return False
    shortest = max(spec.end for spec in profile.fields.values() if spec.required)
    return any(t in record.transaction and len(line) >= shortest for t, line in zip(types, lines, strict=True))


def read(path: Path, profile: FuelCardProfile) -> pd.DataFrame:
    """The file's transactions in canonical columns; frame.attrs["skipped_records"] counts other records."""
    if profile.layout == "delimited":
        table = helpers.read_table(
            path, profile.name, profile.columns, profile.signature_columns, profile.delimiter or helpers.SEPARATOR
        )
        cells = {name: table[spec.header] for name, spec in profile.fields.items() if spec.header is not None}
        frame = _transactions(cells, table.source_row, profile)
        frame.attrs[SKIPPED_RECORDS] = {}
        return frame
    cells, source_row, skipped = _fixed_width_cells(path, profile)
    frame = _transactions(cells, source_row, profile)
    frame.attrs[SKIPPED_RECORDS] = skipped
    return frame


def _fixed_width_cells(path: Path, profile: FuelCardProfile) -> tuple[dict[str, pa.Array], np.ndarray, dict[str, int]]:
    """Cut each transaction record into its fields; other record types are counted, blank lines ignored."""
    assert profile.line_length is not None and profile.record_type is not None
    text = helpers.read_text_bytes(path).decode("utf-8")
    lines = pa.array(helpers.text_lines(text), pa.string())
    filled = pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(lines)), 0).to_numpy(zero_copy_only=False)
    first = int(np.argmax(filled))
    first_line = lines[first].as_py()
    record = profile.record_type
    first_type = first_line[record.start - 1 : record.start - 1 + record.length]
    if len(first_line) > profile.line_length or not (len(first_type) == record.length and first_type.isalnum()):
        raise InputFileError(
            path,
            f"not a {profile.name} file: line {first + 1} is not a record of at most {profile.line_length} "
            f"characters starting with a record type such as {record.transaction[0]!r}",
            row=first + 1,
        )
    types = _record_types(lines, profile)
    is_transaction = pc.is_in(types, value_set=pa.array(record.transaction, pa.string())).to_numpy(zero_copy_only=False)
    full_length = pc.equal(pc.utf8_length(lines), profile.line_length).to_numpy(zero_copy_only=False)
    if not (is_transaction & filled).any() and not full_length.any():
        raise InputFileError(
            path,
            f"not a {profile.name} file: no line is a record of {profile.line_length} characters "
            f"or starts with a transaction record type ({', '.join(record.transaction)})",
        )
    other = filled & ~is_transaction
    counts = pc.value_counts(types.filter(pa.array(other))).to_pylist()
    skipped = {item["values"]: int(item["counts"]) for item in counts}
    keep = np.flatnonzero(is_transaction & filled)
    records = lines.take(pa.array(keep, pa.int64()))
    cells = {
        name: pc.utf8_slice_codeunits(records, spec.start - 1, spec.end)  # type: ignore[operator]
        for name, spec in profile.fields.items()
    }
    return cells, keep.astype(np.int64) + 1, skipped


def _number(values: pa.Array, spec: FieldSpec, profile: FuelCardProfile) -> np.ndarray:
    if spec.scale is not None:
        return helpers.scaled_integer(values, spec.scale)
    return helpers.decimal(values) if profile.decimal == "," else helpers.point_decimal(values)


def _flag(values: pa.Array, true_values: Sequence[str], false_values: Sequence[str]) -> pd.Series:
    """True, False or <NA> (empty or an unknown word) per row."""
    words: Mapping[str, bool] = {v: True for v in true_values} | {v: False for v in false_values}
    return helpers.lookup(values, words)


def _signed(numbers: np.ndarray, credit: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """A credit is negative whatever the sign written; a row whose credit flag cannot be read has no number."""
    return np.where(unknown, np.nan, np.where(credit, -np.abs(numbers), numbers))


def _transactions(cells: Mapping[str, pa.Array], source_row: np.ndarray, profile: FuelCardProfile) -> pd.DataFrame:
    n = len(source_row)

    def cell(name: str) -> pa.Array:
        found = cells.get(name)
        return found if found is not None else pa.nulls(n, pa.string())

    def number(name: str) -> np.ndarray:
        spec = profile.fields.get(name)  # type: ignore[call-overload]
        return _number(cell(name), spec, profile) if spec is not None else np.full(n, np.nan)

    at = helpers.local_datetime(
        cell("transaction_date"), cell("transaction_time"), profile.date_formats, profile.time_formats
    )
    quantity = number("quantity")
    amount = number("amount")
    if profile.credit.marked_by == "flag":
        flag = _flag(cell("credit_flag"), profile.credit.credit_values, profile.credit.debit_values)
        empty = helpers.text(cell("credit_flag")).isna().to_numpy()
        credit = flag.fillna(False).to_numpy(dtype=bool)
        unknown = flag.isna().to_numpy() & ~empty
        quantity = _signed(quantity, credit, unknown)
        amount = _signed(amount, credit, unknown)
    currency = helpers.text(cell("currency")).str.upper().fillna(profile.currency)
    in_euro = (currency == CURRENCY).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "source_row": source_row,
            "transaction_at": at,
            "period": helpers.month_start(at),
            "card_number": helpers.text(cell("card_number")),
            "driver": helpers.text(cell("driver")),
            "plate": helpers.plate(cell("plate")),
            "station": helpers.text(cell("station")),
            "product": helpers.text(cell("product")),
            "quantity": quantity,
            "unit": _units(cell, profile, n),
            "unit_price_eur": np.where(in_euro, number("unit_price"), np.nan),
            "amount_eur": np.where(in_euro, amount, np.nan),
            "odometer_km": number("odometer"),
        }
    )
    return schemas.conform(frame, DATASET)


def _units(cell: Callable[[str], pa.Array], profile: FuelCardProfile, n: int) -> pd.Series:
    """The unit cell when filled (an unknown word is <NA>); else by product, non-fuel flag, default."""
    rule = profile.unit
    written = helpers.lookup(cell("unit"), {**FUEL_UNITS, **rule.words})
    has_cell = helpers.text(cell("unit")).notna()
    unit = pd.Series(rule.default, index=pd.RangeIndex(n), dtype="string")
    if profile.fuel_flag is not None and rule.non_fuel is not None:
        fuel = _flag(cell("fuel_flag"), profile.fuel_flag.fuel_values, profile.fuel_flag.non_fuel_values)
        unit = unit.mask(fuel.eq(False).fillna(False).to_numpy(dtype=bool), rule.non_fuel)
    if rule.by_product:
        by_product = helpers.lookup(cell("product"), rule.by_product)
        unit = by_product.fillna(unit)
    return written.where(has_cell, unit).astype("string")


def builtin_formats() -> list[ProfileFormat]:
    return [ProfileFormat(load_profile(path), path) for path in builtin_profile_paths()]


def product_sources(org: OrganisationConfig | None = None, config_dir: Path | None = None) -> list[ProfileFormat]:
    """Profiles whose product names extend the shipped mapping: the built-in ones, then the user's."""
    formats = builtin_formats()
    if org is not None and org.fuel_cards.profiles:
        formats += user_formats(org, config_dir or Path.cwd())
    return formats


def skipped_records(frame: pd.DataFrame) -> dict[str, int]:
    """Record types a fixed-width file had besides transactions, with how many lines each."""
    return dict(frame.attrs.get(SKIPPED_RECORDS, {}))
