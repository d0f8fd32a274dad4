"""A fuel-card export read by its profile: the provider's layout is data (fuelcard_schema), the reading is shared.

A delimited file is read as every text export is (csv_table); a fixed-width file is cut into its
fields record by record, and records of other types than transactions (file header, totals, trailer)
are skipped and counted in `frame.attrs["skipped_records"]`. Cells that cannot be read become missing
as in every format; a file that is not of the profile's layout at all is an InputFileError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import cell_text
from footprint.sources.cell_numbers import decimal, point_decimal, scaled_integer
from footprint.sources.cell_text import lookup, plate
from footprint.sources.cell_times import local_datetime, month_start
from footprint.sources.csv_table import read_table
from footprint.sources.fuelcard_schema import CURRENCY, FieldSpec, FuelCardProfile
from footprint.sources.text_head import (
    HEADER_SEARCH_LINES,
    SEPARATOR,
    read_text_bytes,
    sniff_header,
    text_lines,
)
from footprint.sources.vocabulary import FUEL_UNITS

DATASET: Final = schemas.FUEL_TRANSACTIONS
SKIPPED_RECORDS: Final = "skipped_records"  # frame.attrs key: record type -> lines skipped


def sniff(head: str, profile: FuelCardProfile) -> bool:
    if profile.layout == "delimited":
        return sniff_header(head, profile.signature_columns, profile.delimiter or SEPARATOR)
    return _sniff_fixed(head, profile)


def _record_types(lines: pa.Array, profile: FuelCardProfile) -> pa.Array:
    record = profile.record_type
    assert record is not None
    return pc.utf8_slice_codeunits(lines, record.start - 1, record.start - 1 + record.length)


def _sniff_fixed(head: str, profile: FuelCardProfile) -> bool:
    """Complete lines no longer than a record, alphanumeric record types, and at least one transaction."""
    assert profile.line_length is not None and profile.record_type is not None
    pieces = text_lines(head)
    # A head cut at HEAD_BYTES ends inside a line far below the lines looked at.
    lines = [line for line in pieces[:HEADER_SEARCH_LINES] if line.strip()]
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
        table = read_table(
            path, profile.name, profile.columns, profile.signature_columns, profile.delimiter or SEPARATOR
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
    text = read_text_bytes(path).decode("utf-8")
    lines = pa.array(text_lines(text), pa.string())
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
        return scaled_integer(values, spec.scale)
    return decimal(values) if profile.decimal == "," else point_decimal(values)


def _flag(values: pa.Array, true_values: Sequence[str], false_values: Sequence[str]) -> pd.Series:
    """True, False or <NA> (empty or an unknown word) per row."""
    words: Mapping[str, bool] = {v: True for v in true_values} | {v: False for v in false_values}
    return lookup(values, words)


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

    at = local_datetime(
        cell("transaction_date"), cell("transaction_time"), profile.date_formats, profile.time_formats
    )
    quantity = number("quantity")
    amount = number("amount")
    if profile.credit.marked_by == "flag":
        flag = _flag(cell("credit_flag"), profile.credit.credit_values, profile.credit.debit_values)
        empty = cell_text.text(cell("credit_flag")).isna().to_numpy()
        credit = flag.fillna(False).to_numpy(dtype=bool)
        unknown = flag.isna().to_numpy() & ~empty
        quantity = _signed(quantity, credit, unknown)
        amount = _signed(amount, credit, unknown)
    currency = cell_text.text(cell("currency")).str.upper().fillna(profile.currency)
    in_euro = (currency == CURRENCY).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "source_row": source_row,
            "transaction_at": at,
            "period": month_start(at),
            "card_number": cell_text.text(cell("card_number")),
            "driver": cell_text.text(cell("driver")),
            "plate": plate(cell("plate")),
            "station": cell_text.text(cell("station")),
            "product": cell_text.text(cell("product")),
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
    written = lookup(cell("unit"), {**FUEL_UNITS, **rule.words})
    has_cell = cell_text.text(cell("unit")).notna()
    unit = pd.Series(rule.default, index=pd.RangeIndex(n), dtype="string")
    if profile.fuel_flag is not None and rule.non_fuel is not None:
        fuel = _flag(cell("fuel_flag"), profile.fuel_flag.fuel_values, profile.fuel_flag.non_fuel_values)
        unit = unit.mask(fuel.eq(False).fillna(False).to_numpy(dtype=bool), rule.non_fuel)
    if rule.by_product:
        by_product = lookup(cell("product"), rule.by_product)
        unit = by_product.fillna(unit)
    return written.where(has_cell, unit).astype("string")
