"""Reading the official Dutch factor list (co2emissiefactoren.nl), one version per spreadsheet.

The spreadsheet is published yearly and corrected during the year. Its sections are laid out
differently (fuels put the subsection name beside "Kg CO₂-eq / eenheid", electricity and heat split
it over two rows; some sections give WTW, some only TTW, refrigerants a GWP100, waste a "GHG
protocol" figure), so every block is read through its own column-header row rather than fixed
column positions: a later year's sheet with moved columns still loads. The same goes for
"Conversie MJ", the calorific value beside a factor (MJ per unit of the factor: natural gas 31.65
MJ/Nm3, electricity 3.6 MJ/kWh), stored as mj_per_unit; empty where the sheet gives none.

A list is identified by its list year and its version date (both from the sheet title
"Factoren 2026 dd 20-08-2026"). Storing it is footprint.factors.loader's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from footprint.errors import FactorError

SOURCE_NAME: Final = "co2emissiefactoren.nl"
TITLE_PATTERN: Final = re.compile(
    r"^\s*Factoren\s+(?P<year>\d{4})\s+dd\s+(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<vyear>\d{4})\s*$",
    re.IGNORECASE,
)
EXPECTED_LAYOUT: Final = (
    "the co2emissiefactoren.nl spreadsheet: a sheet titled 'Factoren YYYY dd DD-MM-YYYY' with "
    "section rows, 'Kg CO₂-eq / eenheid' rows, column-header rows and factor rows"
)

FACTOR_COLUMNS: Final[dict[str, str]] = {
    "section": "string",
    "subsection": "string",
    "name": "string",
    "unit": "string",
    "wtw_kg_co2e_per_unit": "Float64",
    "ttw_kg_co2e_per_unit": "Float64",
    "wtt_kg_co2e_per_unit": "Float64",
    "biogenic_kg_co2e_per_unit": "Float64",
    "value_kg_co2e_per_unit": "Float64",
    "value_basis": "string",
    "mj_per_unit": "Float64",
    "source_row": "int64",
}
SKIPPED_COLUMNS: Final[dict[str, str]] = {
    "section": "string",
    "subsection": "string",
    "name": "string",
    "reason": "string",
    "source_row": "int64",
}

SKIP_WITHDRAWN: Final = "Vervallen (withdrawn)"
SKIP_VARIABLE: Final = "Variabel (no fixed factor)"
SKIP_NO_VALUE: Final = "no value"
_SKIP_MARKERS: Final = {"vervallen": SKIP_WITHDRAWN, "variabel": SKIP_VARIABLE}
_NOT_APPLICABLE: Final = {"", "-"}


@dataclass(frozen=True)
class FactorSheet:
    """One version of a list as read from its file, before it reaches the warehouse.

    kind is 'official' for a co2emissiefactoren.nl spreadsheet, 'own' for a user's list
    (footprint.factors.own): both give factors in FACTOR_COLUMNS, so storing them is one path; an
    own list's factors add a `source` column (where the user took each figure from).
    """

    path: Path
    title: str
    list_year: int
    version: date
    factors: pd.DataFrame
    skipped: pd.DataFrame
    kind: str = "official"

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(self.factors["section"].tolist() + self.skipped["section"].tolist()))

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.skipped["reason"].value_counts(sort=False).items()}


@dataclass(frozen=True)
class _Layout:
    """Where each kind of figure sits in one block, as its column-header row says."""

    headers: tuple[str, ...]
    unit: int
    total: int | None = None
    total_basis: str = "WTW"
    ttw: int | None = None
    wtt: int | None = None
    biogenic: int | None = None
    gwp100: int | None = None
    ghg_protocol: int | None = None
    mj: int | None = None

    def value_columns(self) -> dict[str, int]:
        kinds = ("total", "ttw", "wtt", "biogenic", "gwp100", "ghg_protocol")
        return {k: getattr(self, k) for k in kinds if getattr(self, k) is not None}


def _norm(cell: object) -> str:
    """Compare header texts without case, subscripts (CO₂) or doubled spaces mattering."""
    text = unicodedata.normalize("NFKC", "" if cell is None else str(cell))
    return " ".join(text.split()).casefold()


def _header_kind(text: str) -> str | None:
    if text in ("totaal (wtw)", "wtw"):
        return "total_wtw"
    if text == "totaal":
        return "total"
    if text in ("verbrandingsemissies (ttw)", "ttw") or text.startswith("productie-emissies"):
        return "ttw"
    if text in ("ketenemissies (wtt)", "wtt") or text.startswith("ketenemissies"):
        return "wtt"
    if text == "biogene emissies":
        return "biogenic"
    if text == "gwp100":
        return "gwp100"
    if text.startswith("ghg protocol"):
        return "ghg_protocol"
    if text == "eenheid":
        return "unit"
    if text.startswith("conversie mj"):
        return "mj"
    return None


def _layout(cells: list[object], path: Path, row: int) -> _Layout:
    """Interpret a column-header row. Electricity's "Productie-emissies energiecentrale" counts as
    TTW and its "Ketenemissies" as WTT; its "Infrastructuur (LCA benadering)" column is not
    biogenic and is not stored. "Totaal" counts as WTW where the block splits it into TTW and WTT.
    """
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        kind = _header_kind(_norm(cell))
        if kind is None:
            continue
        if kind in found or (kind.startswith("total") and any(k.startswith("total") for k in found)):
            raise FactorError(f"{path}, row {row}: column header {cell!r} appears twice; expected {EXPECTED_LAYOUT}")
        found[kind] = index
    if "unit" not in found:
        raise FactorError(f"{path}, row {row}: column-header row has no 'Eenheid' column; expected {EXPECTED_LAYOUT}")
    total = found.get("total_wtw", found.get("total"))
    if total is None and not {"ttw", "gwp100", "ghg_protocol"} & found.keys():
        raise FactorError(
            f"{path}, row {row}: column-header row has no value column (WTW, Totaal, TTW, GWP100 or "
            f"GHG protocol); expected {EXPECTED_LAYOUT}"
        )
    split = "ttw" in found and "wtt" in found
    return _Layout(
        headers=tuple(_norm_name(c) for c in cells),
        unit=found["unit"],
        total=total,
        total_basis="WTW" if "total_wtw" in found or split else "Totaal",
        ttw=found.get("ttw"),
        wtt=found.get("wtt"),
        biogenic=found.get("biogenic"),
        gwp100=found.get("gwp100"),
        ghg_protocol=found.get("ghg_protocol"),
        mj=found.get("mj"),
    )


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else None


def _number(cell: object, path: Path, row: int, column: str) -> float | str | None:
    """A figure, None for an empty or '-' cell, or the skip reason for 'Vervallen'/'Variabel'."""
    if isinstance(cell, bool):
        raise FactorError(f"{path}, row {row}, column {column!r}: {cell!r} is not a number")
    if isinstance(cell, (int, float)):
        return float(cell)
    text = _norm(cell)
    if text in _NOT_APPLICABLE:
        return None
    if text in _SKIP_MARKERS:
        return _SKIP_MARKERS[text]
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise FactorError(f"{path}, row {row}, column {column!r}: {cell!r} is not a number") from None


def _is_blank(cells: list[object]) -> bool:
    return all(_norm(c) == "" for c in cells)


def _is_units_row(cells: list[object]) -> bool:
    return _norm(_cell(cells, 1)).startswith("kg co2")


def _is_single_cell(cells: list[object]) -> bool:
    return _norm(_cell(cells, 0)) != "" and all(_norm(c) == "" for c in cells[1:])


def _factor_sheet_name(workbook: CalamineWorkbook, path: Path) -> tuple[str, re.Match[str]]:
    matches = [(name, m) for name in workbook.sheet_names if (m := TITLE_PATTERN.match(name))]
    if len(matches) != 1:
        found = "no sheet" if not matches else f"{len(matches)} sheets"
        raise FactorError(
            f"{path}: {found} titled like 'Factoren 2026 dd 20-08-2026' (sheets: {workbook.sheet_names}); "
            f"expected {EXPECTED_LAYOUT}"
        )
    return matches[0]


def read_factor_workbook(path: str | Path) -> FactorSheet:
    """Read one version of the official list; raises FactorError naming the file when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise FactorError(f"{path}: no such file; expected {EXPECTED_LAYOUT}")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError) as exc:
        raise FactorError(f"{path}: not an Excel workbook ({exc}); expected {EXPECTED_LAYOUT}") from None
    title, match = _factor_sheet_name(workbook, path)
    try:
        version = date(int(match["vyear"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise FactorError(f"{path}: sheet title {title!r} does not hold a valid date") from None
    rows = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)

    factors: list[dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    section: str | None = None
    subsection: str | None = None
    layout: _Layout | None = None
    next_filled = _next_filled_rows(rows)
    for index, cells in enumerate(rows):
        row = index + 1
        if _is_blank(cells):
            continue
        if _is_units_row(cells):
            if section is None:
                raise FactorError(f"{path}, row {row}: 'Kg CO₂-eq' row before any section row; expected {EXPECTED_LAYOUT}")
            subsection = _norm_name(_cell(cells, 0)) or section
            layout = None
            continue
        following = next_filled[index]
        if _is_single_cell(cells) and following is not None and _is_units_row(rows[following]):
            section, subsection, layout = _norm_name(cells[0]), None, None
            continue
        if section is None:
            continue
        if _norm(_cell(cells, 0)) == "":
            if subsection is None or not any(_norm(c) == "eenheid" for c in cells):
                raise FactorError(
                    f"{path}, row {row}: a row without a name that is not a column-header row "
                    f"('Eenheid', 'WTW', ...) after a 'Kg CO₂-eq' row; expected {EXPECTED_LAYOUT}"
                )
            layout = _layout(cells, path, row)
            continue
        if layout is None:
            raise FactorError(
                f"{path}, row {row}: factor row {_cell(cells, 0)!r} comes before a column-header row "
                f"('Eenheid', 'WTW', ...); expected {EXPECTED_LAYOUT}"
            )
        record = _factor_row(cells, layout, path, row)
        base = {
            "section": section,
            "subsection": subsection or section,
            "name": _norm_name(cells[0]),
            "source_row": row,
        }
        if isinstance(record, str):
            skipped.append({**base, "reason": record})
        else:
            factors.append({**base, **record})
    if not factors:
        raise FactorError(f"{path}: sheet {title!r} holds no factor rows; expected {EXPECTED_LAYOUT}")
    return FactorSheet(
        path=path,
        title=title,
        list_year=int(match["year"]),
        version=version,
        factors=_frame(factors, FACTOR_COLUMNS),
        skipped=_frame(skipped, SKIPPED_COLUMNS),
    )


def _next_filled_rows(rows: list[list[object]]) -> list[int | None]:
    """For each row, the index of the next non-blank row: a section row is one followed by a units row."""
    result: list[int | None] = [None] * len(rows)
    following: int | None = None
    for index in range(len(rows) - 1, -1, -1):
        result[index] = following
        if not _is_blank(rows[index]):
            following = index
    return result


def _norm_name(cell: object) -> str:
    return "" if cell is None else str(cell).strip()


def _factor_row(cells: list[object], layout: _Layout, path: Path, row: int) -> dict[str, object] | str:
    """The figures of one factor row, or the reason it is not a factor."""
    figures: dict[str, float | None] = {}
    for kind, index in layout.value_columns().items():
        parsed = _number(_cell(cells, index), path, row, layout.headers[index])
        if isinstance(parsed, str):
            return parsed
        figures[kind] = parsed
    unit = _norm_name(_cell(cells, layout.unit))
    if figures.get("total") is not None:
        value, basis = figures["total"], layout.total_basis
    elif figures.get("gwp100") is not None:
        value, basis = figures["gwp100"], "GWP100"
    elif figures.get("ghg_protocol") is not None:
        value, basis = figures["ghg_protocol"], "GHG protocol"
    elif figures.get("ttw") is not None:
        value, basis = figures["ttw"], "TTW"
    else:
        return SKIP_NO_VALUE
    if not unit:
        raise FactorError(f"{path}, row {row}, column 'Eenheid': factor {_norm_name(cells[0])!r} has no unit")
    mj_per_unit = None
    if layout.mj is not None:
        parsed = _number(_cell(cells, layout.mj), path, row, layout.headers[layout.mj])
        mj_per_unit = parsed if isinstance(parsed, float) else None
    return {
        "unit": unit,
        "wtw_kg_co2e_per_unit": figures.get("total") if layout.total_basis == "WTW" else None,
        "ttw_kg_co2e_per_unit": figures.get("ttw"),
        "wtt_kg_co2e_per_unit": figures.get("wtt"),
        "biogenic_kg_co2e_per_unit": figures.get("biogenic"),
        "value_kg_co2e_per_unit": value,
        "value_basis": basis,
        "mj_per_unit": mj_per_unit,
    }


def _frame(records: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return frame.astype(columns)

