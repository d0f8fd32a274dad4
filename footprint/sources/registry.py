"""The source formats footprint knows, and which of them a file is: recognised from its content, never its name.

Each format exposes NAME, DATASET, HEADER (the columns it expects), `sniff(head) -> bool` and
`read(path) -> DataFrame` in the canonical columns of footprint.schemas. A format is a module here
(adding one is adding a module and one line in FORMATS), or a fuel-card profile: every YAML file in
footprint/data/fuelcard_profiles is a format of its own (fuelcard_profile).

A format whose files come by the thousand may also offer `read_many(paths, eans) -> list`, with for
each path what `read(path, ean=eans[i])` gives: its frame, or the InputFileError it raises (as a
value, so one bad file does not stop the others). See BatchReader; ingestion uses it when present.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol

import pandas as pd

from footprint.errors import InputFileError, UsageError
from footprint.sources import (
    energiemissie_json,
    flights_csv,
    meetbedrijf_json,
    meter_interval_csv,
    meter_monthly_csv,
    meter_profile,
    meterbeheer_hub_json,
    mileage_csv,
    sheets,
    supplier_statement_csv,
    supplier_template,
)
from footprint.sources.fuelcard_profile import ProfileFormat, builtin_formats
from footprint.sources.text_head import read_head


class SourceFormat(Protocol):
    """What the registry needs of a format."""

    @property
    def NAME(self) -> str: ...

    @property
    def DATASET(self) -> str: ...

    def sniff(self, head: str) -> bool: ...

    def read(self, path: Path, *, ean: str | None = None) -> pd.DataFrame: ...


class BatchReader(Protocol):
    """The optional capability of a format: many files read at once, each with read()'s result for it.

    `read_many(paths, eans)[i]` equals `read(paths[i], ean=eans[i])`, dtypes, values and attrs alike,
    or is the InputFileError that call raises. `eans` may be None (no EAN given for any file).
    """

    def read_many(
        self, paths: Sequence[Path], eans: Sequence[str | None] | None = None
    ) -> list[pd.DataFrame | InputFileError]: ...


def batch_reader(fmt: object) -> BatchReader | None:
    """The format as a BatchReader, or None when it reads one file at a time."""
    return fmt if callable(getattr(fmt, "read_many", None)) else None  # type: ignore[return-value]


_BUILTIN_PROFILES: Final = builtin_formats()


def _profiles(layout: str) -> list[ProfileFormat]:
    return [fmt for fmt in _BUILTIN_PROFILES if fmt.profile.layout == layout]


FORMATS: Final[list[SourceFormat]] = [
    # The fuel-card profiles with a header line (footprint/data/fuelcard_profiles).
    *_profiles("delimited"),
    meter_interval_csv,
    meter_monthly_csv,
    energiemissie_json,
    meterbeheer_hub_json,
    meetbedrijf_json,
    flights_csv,
    mileage_csv,
    supplier_statement_csv,
    supplier_template,
    # Meter export profiles (footprint/data/meter_profiles): every real utility export, as data, not code.
    *meter_profile.builtin_formats(),
    # Fixed width, without a header line: checked after every format that has one.
    *_profiles("fixed_width"),
]


def format_names() -> list[str]:
    return [fmt.NAME for fmt in FORMATS]


def detect_format(path: Path, own: Sequence[SourceFormat] = ()) -> SourceFormat:
    """The format whose header the file's first lines match: the organisation's `own` formats first,
    then the first match in FORMATS. For a workbook every sheet is looked at, in order: data may
    follow a cover sheet.
    """
    head = read_head(path)
    heads = sheets.sheet_heads(path) if head.startswith(sheets.SHEET_HEAD_MARKER) else [head]
    for candidates in (own, FORMATS):  # the organisation's own on every sheet before any shipped one
        for each in heads:
            for fmt in candidates:
                if fmt.sniff(each):
                    return fmt
    raise InputFileError(
        path,
        "not a known source format: for a meter export, draft a profile with `footprint formats suggest "
        f"{quote_argument(str(path))}`, check it with `footprint formats check PROFILE FILE` and list it "
        "under meter_exports.profiles in footprint.yaml (footprint/sources/README.md, 'Your own export in "
        "ten minutes'); for a fuel-card export, a profile under fuel_cards.profiles ('Fuel-card profiles'); "
        f"if it is a known format with a different header, force one with --format (known: {', '.join(format_names())})",
    )


def quote_argument(name: str) -> str:
    """A file name as a shell argument a user can paste: quoted when it holds anything but safe characters."""
    return name if re.fullmatch(r"[\w.,+@%/-]+", name) else "'" + name.replace("'", "'\\''") + "'"


def get_format(name: str) -> SourceFormat:
    """The format called `name`, for a user who forces one (--format)."""
    for fmt in FORMATS:
        if fmt.NAME == name:
            return fmt
    raise UsageError(f"unknown format {name!r}; known formats: {', '.join(format_names())}")
