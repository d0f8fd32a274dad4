"""Reading the official Dutch factor list (co2emissiefactoren.nl) and loading it into the warehouse.

The spreadsheet is published yearly and corrected during the year. Its sections are laid out
differently (fuels put the subsection name beside "Kg CO₂-eq / eenheid", electricity and heat split
it over two rows; some sections give WTW, some only TTW, refrigerants a GWP100, waste a "GHG
protocol" figure), so every block is read through its own column-header row rather than fixed
column positions: a later year's sheet with moved columns still loads.

Versions: a list is identified by its list year and its version date (both from the sheet title
"Factoren 2026 dd 20-08-2026"). A newer version of the same list year supersedes the older ones;
`superseded_at` is the newer version's date. `valid_from` is 1 January of the list year for every
version, corrections included: a correction restates the whole list year (the ladder restates
earlier periods with a trace), while `version` says when it was published.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd
import sqlalchemy as sa
from python_calamine import CalamineError, CalamineWorkbook

from footprint.errors import FactorError
from footprint.warehouse.migrations import advisory_xact_lock

SHIPPED_LIST: Final = "co2emissiefactoren_nl_2026.xlsx"
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
    """One version of the list as read from its spreadsheet, before it reaches the warehouse."""

    path: Path
    title: str
    list_year: int
    version: date
    factors: pd.DataFrame
    skipped: pd.DataFrame

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(self.factors["section"].tolist() + self.skipped["section"].tolist()))

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.skipped["reason"].value_counts(sort=False).items()}


@dataclass(frozen=True)
class FactorListLoad:
    """What load_factor_list did, for the run log and the CLI."""

    list_id: str
    list_year: int
    version: date
    factors_loaded: int
    skipped: int
    already_loaded: bool
    is_current: bool
    superseded_list_ids: tuple[str, ...] = field(default=())


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
    return {
        "unit": unit,
        "wtw_kg_co2e_per_unit": figures.get("total") if layout.total_basis == "WTW" else None,
        "ttw_kg_co2e_per_unit": figures.get("ttw"),
        "wtt_kg_co2e_per_unit": figures.get("wtt"),
        "biogenic_kg_co2e_per_unit": figures.get("biogenic"),
        "value_kg_co2e_per_unit": value,
        "value_basis": basis,
    }


def _frame(records: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    return frame.astype(columns)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_id_for(list_year: int, version: date) -> str:
    """Deterministic, readable list id: reloading the same version into a new warehouse gives the same ids."""
    return f"co2ef-{list_year}-{version:%Y%m%d}"


def load_factor_list(engine: sa.Engine, path: str | Path, list_year: int | None = None) -> FactorListLoad:
    """Load one version of the list; the same file twice changes nothing, a newer version supersedes.

    list_year defaults to the year in the sheet title; a different given year is refused, because a
    list filed under the wrong year would silently restate the wrong period.
    """
    sheet = read_factor_workbook(path)
    path = sheet.path
    if list_year is not None and list_year != sheet.list_year:
        raise FactorError(
            f"{path}: list year {list_year} was asked for but the sheet title {sheet.title!r} says {sheet.list_year}"
        )
    digest = _sha256(path)
    list_id = list_id_for(sheet.list_year, sheet.version)
    source = f"{SOURCE_NAME}, {sheet.title}, {path.name}"
    with engine.begin() as conn:
        advisory_xact_lock(conn, "factor_lists")  # runs starting together on a new warehouse seed it once
        same_file = conn.execute(
            sa.text("SELECT list_id, superseded_at FROM factor_lists WHERE source_sha256 = :sha"), {"sha": digest}
        ).first()
        if same_file is not None:
            return FactorListLoad(
                list_id=same_file.list_id,
                list_year=sheet.list_year,
                version=sheet.version,
                factors_loaded=0,
                skipped=len(sheet.skipped),
                already_loaded=True,
                is_current=same_file.superseded_at is None,
            )
        same_version = conn.execute(
            sa.text("SELECT source_file, source_sha256 FROM factor_lists WHERE list_id = :id"), {"id": list_id}
        ).first()
        if same_version is not None:
            raise FactorError(
                f"{path}: list {sheet.list_year} version {sheet.version} is already loaded from another file "
                f"({same_version.source_file}, sha256 {same_version.source_sha256[:12]}); a correction must "
                "carry a new date in its sheet title"
            )
        valid_from = date(sheet.list_year, 1, 1)
        conn.execute(
            sa.text(
                "INSERT INTO factor_lists (list_id, list_year, version, valid_from, superseded_at, source, "
                "source_file, source_sha256, factor_count) VALUES (:list_id, :list_year, :version, :valid_from, "
                "NULL, :source, :source_file, :sha, :factor_count)"
            ),
            {
                "list_id": list_id,
                "list_year": sheet.list_year,
                "version": sheet.version,
                "valid_from": valid_from,
                "source": source,
                "source_file": path.name,
                "sha": digest,
                "factor_count": len(sheet.factors),
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO factors (factor_id, list_id, list_year, version, valid_from, superseded_at, section, "
                "subsection, name, unit, wtw_kg_co2e_per_unit, ttw_kg_co2e_per_unit, wtt_kg_co2e_per_unit, "
                "biogenic_kg_co2e_per_unit, value_kg_co2e_per_unit, value_basis, source, source_row) VALUES "
                "(:factor_id, :list_id, :list_year, :version, :valid_from, NULL, :section, :subsection, :name, "
                ":unit, :wtw_kg_co2e_per_unit, :ttw_kg_co2e_per_unit, :wtt_kg_co2e_per_unit, "
                ":biogenic_kg_co2e_per_unit, :value_kg_co2e_per_unit, :value_basis, :source, :source_row)"
            ),
            _factor_records(sheet, list_id, valid_from, source),
        )
        superseded = _restate_superseded(conn, sheet.list_year)
        is_current = conn.execute(
            sa.text("SELECT superseded_at IS NULL FROM factor_lists WHERE list_id = :id"), {"id": list_id}
        ).scalar_one()
    return FactorListLoad(
        list_id=list_id,
        list_year=sheet.list_year,
        version=sheet.version,
        factors_loaded=len(sheet.factors),
        skipped=len(sheet.skipped),
        already_loaded=False,
        is_current=bool(is_current),
        superseded_list_ids=tuple(s for s in superseded if s != list_id),
    )


def _factor_records(sheet: FactorSheet, list_id: str, valid_from: date, source: str) -> list[dict[str, object]]:
    frame = sheet.factors.astype(object).where(sheet.factors.notna(), None)
    records = frame.to_dict("records")
    for record in records:
        record.update(
            factor_id=f"{list_id}-r{int(record['source_row']):04d}",
            list_id=list_id,
            list_year=sheet.list_year,
            version=sheet.version,
            valid_from=valid_from,
            source=source,
            source_row=int(record["source_row"]),
        )
    return records


def _restate_superseded(conn: sa.Connection, list_year: int) -> list[str]:
    """Each version of a list year is superseded by the next newer one, whatever order they were loaded in.

    Returns the lists that were current before this load and are not any more.
    """
    versions = conn.execute(
        sa.text("SELECT list_id, version, superseded_at FROM factor_lists WHERE list_year = :y ORDER BY version"),
        {"y": list_year},
    ).all()
    newly_superseded: list[str] = []
    for current, newer in zip(versions, [*versions[1:], None]):
        superseded_at = newer.version if newer is not None else None
        if current.superseded_at == superseded_at:
            continue
        for table in ("factor_lists", "factors"):
            conn.execute(
                sa.text(f"UPDATE {table} SET superseded_at = :at WHERE list_id = :id"),
                {"at": superseded_at, "id": current.list_id},
            )
        if current.superseded_at is None:
            newly_superseded.append(current.list_id)
    return newly_superseded


def shipped_list_path() -> Path:
    """The list footprint ships with; loaded into an empty warehouse so a first run has factors."""
    return Path(str(resources.files("footprint") / "data" / "factors" / SHIPPED_LIST))


def ensure_default_factors(engine: sa.Engine) -> None:
    """Load the shipped list when the warehouse has no factors yet; otherwise leave the choice to the user."""
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM factors")).scalar_one()
    if count == 0:
        load_factor_list(engine, shipped_list_path())
