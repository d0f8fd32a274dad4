"""A user's own factor list: some of the factors footprint uses, with figures taken from elsewhere.

An organisation may hold better figures than the official list for a few activities (its gas
supplier's statement, a list year that co2emissiefactoren.nl no longer offers for download). It
fills those in and leaves the rest empty; every activity it leaves out falls back along the factor
policy to the other loaded lists (footprint.factors.resolve).

`write_factor_template` (`footprint factors template --year 2024`) writes the list as a CSV and an
XLSX with the same rows:
  - line 1: `footprint factor list;2024;version 01-03-2024;...` names the list year and the version
    date. That line, not the file name, is how `footprint factors load` recognises an own list;
  - line 2: the header `activity;subsection;name;unit;kg CO2e per unit;MJ per unit;source`;
  - from line 3, one row per activity key of footprint/data/activity_factors.yaml that has a factor,
    with subsection, name and unit (the unit of the factor in the list: liter, Nm3, kWh, ...)
    filled in as the mapping references them. The user writes the figure (well-to-wheel, as the
    CO2-Prestatieladder asks) under `kg CO2e per unit` and where it comes from under `source`.
    The grid-average (location-based) factor of every electricity key is the row of
    electricity:supplier_mix ("Stroom (onbekend) gridmix").
`MJ per unit` is the calorific value (as "Conversie MJ" in the official list). It is not prefilled:
a figure copied in from the 2026 list would be stored as the user's own for their list year. Left
empty, the calorific value comes from the nearest list in the policy's chain that states it, and
the fallback note says which; natural gas invoiced in kWh converts to Nm3 either way.

Rows whose `kg CO2e per unit` is empty are not factors. A filled row is refused, naming file, row
and column, when a figure is not a number (decimal comma or point, no thousands separators), a
factor is negative or a calorific value not above zero, its unit differs from the mapping's list
unit, its subsection and name are not a factor the mapping uses, it repeats another row's factor, or
it has no source. The list year must lie in 2000-2100. The list is stored with kind 'own' and list id
`own-<year>-<version yyyymmdd>`; a later version date of the same year supersedes it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from footprint.activity_mapping import ActivityMapping, load_activity_mapping
from footprint.errors import FactorError
from footprint.factors.official import FACTOR_COLUMNS, SKIPPED_COLUMNS, FactorSheet

KIND: Final = "own"
MARKER: Final = "footprint factor list"
KEEP_LINE: Final = "laat deze regel staan / keep this line"
SECTION: Final = "own list"
VALUE_BASIS: Final = "WTW"
SKIP_EMPTY: Final = "left empty"
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
DATA_SHEET: Final = "Factoren"
NOTES_SHEET: Final = "Toelichting"
FILE_PREFIX: Final = "footprint_factor_list_"

ACTIVITY: Final = "activity"
SUBSECTION: Final = "subsection"
NAME: Final = "name"
UNIT: Final = "unit"
KG: Final = "kg CO2e per unit"
MJ: Final = "MJ per unit"
SOURCE: Final = "source"
HEADER: Final = (ACTIVITY, SUBSECTION, NAME, UNIT, KG, MJ, SOURCE)
REQUIRED: Final = (SUBSECTION, NAME, UNIT, KG, SOURCE)

_VERSION: Final = re.compile(r"^\s*(?:version|versie)?\s*(\d{1,2})-(\d{1,2})-(\d{4})\s*$", re.IGNORECASE)
_FIGURE: Final = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_EMPTY: Final = frozenset({"", "-"})
_WORKBOOK_MAGIC: Final = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_SEPARATORS: Final = (";", "\t", ",")


def list_id_for(list_year: int, version: date) -> str:
    """own-2024-20240301: an own list can never take an official list's id (co2ef-...)."""
    return f"{KIND}-{list_year}-{version:%Y%m%d}"


def list_title(list_year: int, version: date) -> str:
    return f"own factor list {list_year}, version {version:%d-%m-%Y}"


def references(mapping: ActivityMapping) -> pd.DataFrame:
    """Every factor the mapping uses (market and grid-average), with its list unit and the keys using it."""
    records = [
        {SUBSECTION: ref.subsection, NAME: ref.name, UNIT: entry.list_unit, ACTIVITY: key}
        for key, entry in mapping.activities.items()
        for ref in (entry.factor, entry.location_factor)
        if ref is not None
    ]
    frame = pd.DataFrame.from_records(records, columns=[SUBSECTION, NAME, UNIT, ACTIVITY])
    return frame.groupby([SUBSECTION, NAME], as_index=False, sort=False).agg({UNIT: "first", ACTIVITY: ", ".join})


def template_rows(mapping: ActivityMapping | None = None) -> pd.DataFrame:
    """One row per activity key with a factor, as the template lists them: figures and source empty."""
    mapping = mapping or load_activity_mapping()
    records = [
        {ACTIVITY: key, SUBSECTION: e.factor.subsection, NAME: e.factor.name, UNIT: e.list_unit, KG: "", MJ: "", SOURCE: ""}
        for key, e in mapping.activities.items()
        if e.factor is not None
    ]
    return pd.DataFrame.from_records(records, columns=list(HEADER))


def _marker_row(list_year: int, version: date) -> list[str]:
    return [MARKER, str(list_year), f"version {version:%d-%m-%Y}", KEEP_LINE]


def _check_year(list_year: int, where: str) -> None:
    if not FIRST_YEAR <= list_year <= LAST_YEAR:
        raise FactorError(f"{where}: list year {list_year} is out of range ({FIRST_YEAR}-{LAST_YEAR})")


def write_factor_template(
    directory: Path, list_year: int, version: date | None = None, mapping: ActivityMapping | None = None
) -> list[Path]:
    """Write the own-list template as CSV and XLSX; version defaults to today (line 1, editable)."""
    _check_year(list_year, "footprint factors template")
    version = version or date.today()
    rows = template_rows(mapping)
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"{FILE_PREFIX}{list_year}.csv"
    xlsx_path = directory / f"{FILE_PREFIX}{list_year}.xlsx"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(_marker_row(list_year, version))
        writer.writerow(HEADER)
        writer.writerows(rows.itertuples(index=False))
    _write_xlsx(xlsx_path, list_year, version, rows)
    return [csv_path, xlsx_path]


def _notes(list_year: int) -> list[list[str]]:
    return [
        [f"Eigen emissiefactoren {list_year} / own emission factors {list_year}"],
        [(f"Regel 1 ({MARKER};{list_year};version DD-MM-JJJJ) laten staan: zo herkent footprint de lijst. "
         "Een correctie krijgt een nieuwe datum / keep line 1; a correction gets a new date.")],
        [],
        ["Kolom / column", "Invullen / what to write"],
        [ACTIVITY, "footprint's activity (fuel:diesel, natural_gas, ...); for reference"],
        [SUBSECTION, "as written: the subsection of the factor in co2emissiefactoren.nl"],
        [NAME, "as written: the name of the factor in co2emissiefactoren.nl"],
        [UNIT, "as written: the unit the figure is per (liter, Nm3, kWh, ...)"],
        [KG, "kg CO2e per unit, well-to-wheel (WTW); leave empty to use the official list (fallback)"],
        [MJ, "calorific value, MJ per unit (optional); empty = the official list's value"],
        [SOURCE, "where the figure comes from (supplier statement, study, ...): required with a figure"],
        [],
        ["Decimale komma of punt, geen duizendtallen / decimal comma or point, no thousands separators."],
        [("Het gemiddelde net (locatie-gebaseerd) voor alle stroom is de rij electricity:supplier_mix / "
         "the grid average for all electricity is the electricity:supplier_mix row.")],
    ]


def _write_xlsx(path: Path, list_year: int, version: date, rows: pd.DataFrame) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    data.append(_marker_row(list_year, version))
    data.append(list(HEADER))
    for row in rows.itertuples(index=False):
        data.append([value if value != "" else None for value in row])
    for cell in data[2]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (26, 40, 40, 20, 18, 14, 40), strict=True):
        data.column_dimensions[letter].width = width
    data.freeze_panes = "A3"
    notes = workbook.create_sheet(NOTES_SHEET)
    for row in _notes(list_year):
        notes.append(row)
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 90
    workbook.save(path)


def _is_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(8).startswith(_WORKBOOK_MAGIC)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _is_marker_text(text: str) -> bool:
    return " ".join(text.split()).casefold() == MARKER


def _is_marker(cells: Sequence[object]) -> bool:
    return bool(cells) and _is_marker_text(_text(cells[0]))


def _text_rows(path: Path) -> list[list[object]] | None:
    """The rows of a CSV whose first line is the marker (separator ';', tab or ','), else None."""
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    for separator in _SEPARATORS:
        if _is_marker_text(first.split(separator, 1)[0]):
            return [list(r) for r in csv.reader(text.splitlines(), delimiter=separator)]
    return None


def _sheet_rows(path: Path) -> list[list[object]] | None:
    """The rows of the first sheet whose cell A1 is the marker, else None."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if _is_marker((sheet.to_python(skip_empty_area=False, nrows=1) or [[]])[0]):
                return sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError):
        return None
    return None


def _rows(path: Path) -> list[list[object]] | None:
    if not path.is_file():
        return None
    return _sheet_rows(path) if _is_workbook(path) else _text_rows(path)


def is_own_list(path: str | Path) -> bool:
    """Whether a file is an own factor list: its first line (CSV) or cell A1 (XLSX) is the marker."""
    return _rows(Path(path)) is not None


def _list_year(cells: Sequence[object], path: Path) -> int:
    cell = cells[1] if len(cells) > 1 else None
    text = _text(cell)
    if not re.fullmatch(r"\d{4}", text):
        raise FactorError(f"{path}, row 1, column 2 (list year): {text!r} is not a year; line 1 is "
                          f"`{MARKER};YYYY;version DD-MM-YYYY`")
    list_year = int(text)
    _check_year(list_year, f"{path}, row 1, column 2 (list year)")
    return list_year


def _version(cells: Sequence[object], path: Path) -> date:
    cell = cells[2] if len(cells) > 2 else None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    match = _VERSION.match(_text(cell))
    try:
        if match is None:
            raise ValueError
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise FactorError(
            f"{path}, row 1, column 3 (version): {_text(cell)!r} is not a version date; write `version DD-MM-YYYY`"
        ) from None


def _header(rows: list[list[object]], path: Path) -> tuple[int, dict[str, int]]:
    """The index of the header row (the first filled row after the marker) and each column's position."""
    index = next((i for i in range(1, len(rows)) if any(_text(c) for c in rows[i])), None)
    if index is None:
        raise FactorError(f"{path}: no header row after line 1; expected {';'.join(HEADER)}")
    positions = {_text(c).casefold(): i for i, c in enumerate(rows[index]) if _text(c)}
    found = {column: positions[column.casefold()] for column in HEADER if column.casefold() in positions}
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        raise FactorError(
            f"{path}, row {index + 1}, column {missing[0]!r}: missing from the header; expected {';'.join(HEADER)}"
        )
    return index, found


def _body(rows: list[list[object]], header_index: int, positions: dict[str, int]) -> pd.DataFrame:
    """The rows under the header as cells per column, with their row numbers; blank rows left out."""
    body = rows[header_index + 1 :]
    frame = pd.DataFrame(
        {
            column: [r[positions[column]] if column in positions and positions[column] < len(r) else None for r in body]
            for column in HEADER
        }
    )
    frame.insert(0, "source_row", np.arange(header_index + 2, header_index + 2 + len(body), dtype="int64"))
    texts = frame[list(HEADER)].map(_text)
    return frame[texts.ne("").any(axis=1)].reset_index(drop=True)


def _as_number(cell: object) -> float:
    """A figure from a typed cell or text with a decimal comma or point; NaN when it is neither."""
    if isinstance(cell, bool):
        return np.nan
    if isinstance(cell, (int, float)):
        return float(cell)
    text = _text(cell)
    return float(text.replace(",", ".")) if _FIGURE.match(text) else np.nan


def _refuse_first(frame: pd.DataFrame, bad: pd.Series, path: Path, column: str, why: str) -> None:
    if bad.any():
        first = frame[bad].iloc[0]
        value = first[column]
        raise FactorError(f"{path}, row {int(first['source_row'])}, column {column!r}: {_text(value)!r} {why}")


def _figures(frame: pd.DataFrame, column: str, path: Path) -> tuple[pd.Series, pd.Series]:
    """The column's figures (Float64) and which cells are empty; a cell that is neither is refused."""
    empty = frame[column].map(_text).isin(_EMPTY)
    numbers = pd.Series(frame[column].map(_as_number), index=frame.index, dtype="float64")
    _refuse_first(frame, ~empty & numbers.isna(), path, column, "is not a number (decimal comma or point)")
    return numbers.where(~empty).astype("Float64"), empty


def read_own_list(path: str | Path, mapping: ActivityMapping | None = None) -> FactorSheet:
    """Read a (partly) filled own list; refuses it with file, row and column on the first problem."""
    path = Path(path)
    mapping = mapping or load_activity_mapping()
    rows = _rows(path)
    if rows is None:
        raise FactorError(f"{path}: not an own factor list: line 1 must be `{MARKER};YYYY;version DD-MM-YYYY`")
    list_year, version = _list_year(rows[0], path), _version(rows[0], path)
    header_index, positions = _header(rows, path)
    frame = _body(rows, header_index, positions)
    for column in (SUBSECTION, NAME, UNIT, SOURCE, ACTIVITY):
        frame[column] = frame[column].map(_text).astype("string")

    kg, kg_empty = _figures(frame, KG, path)
    mj, mj_empty = _figures(frame, MJ, path)
    _refuse_first(frame, (kg < 0).fillna(False), path, KG, "is negative: a factor is zero or more")
    _refuse_first(frame, (mj <= 0).fillna(False), path, MJ, "is not above zero: a calorific value is MJ per unit")
    _refuse_first(frame, kg_empty & ~mj_empty, path, MJ,
                  f"is given without {KG}: fill in both, or leave the row empty")
    filled = frame[~kg_empty].assign(value=kg[~kg_empty], mj=mj[~kg_empty])
    _refuse_first(filled, filled[SOURCE].eq(""), path, SOURCE,
                  "is empty: say where the figure comes from (supplier statement, study, list)")
    _check_references(filled, references(mapping), path)
    repeated = filled.duplicated([SUBSECTION, NAME], keep="first")
    _refuse_first(filled, repeated, path, NAME, "repeats a factor of an earlier row: give each factor once")
    if filled.empty:
        raise FactorError(f"{path}: no factor is filled in (column {KG!r}); fill in at least one")

    title = list_title(list_year, version)
    factors = pd.DataFrame(
        {
            "section": SECTION,
            "subsection": filled[SUBSECTION],
            "name": filled[NAME],
            "unit": filled[UNIT],
            "wtw_kg_co2e_per_unit": filled["value"],
            "ttw_kg_co2e_per_unit": pd.NA,
            "wtt_kg_co2e_per_unit": pd.NA,
            "biogenic_kg_co2e_per_unit": pd.NA,
            "value_kg_co2e_per_unit": filled["value"],
            "value_basis": VALUE_BASIS,
            "mj_per_unit": filled["mj"],
            "source_row": filled["source_row"],
        }
    ).astype(FACTOR_COLUMNS)
    factors["source"] = filled[SOURCE].to_numpy()
    empty_rows = frame[kg_empty]
    skipped = pd.DataFrame(
        {
            "section": SECTION,
            "subsection": empty_rows[SUBSECTION],
            "name": empty_rows[NAME],
            "reason": SKIP_EMPTY,
            "source_row": empty_rows["source_row"],
        },
        columns=list(SKIPPED_COLUMNS),
    ).astype(SKIPPED_COLUMNS)
    return FactorSheet(
        path=path,
        title=title,
        list_year=list_year,
        version=version,
        factors=factors.reset_index(drop=True),
        skipped=skipped.reset_index(drop=True),
        kind=KIND,
    )


def _check_references(filled: pd.DataFrame, refs: pd.DataFrame, path: Path) -> None:
    """Each filled row must be a factor the mapping uses, in the unit the mapping expects."""
    known = filled.merge(refs, on=[SUBSECTION, NAME], how="left", suffixes=("", "_expected"), indicator=True)
    known.index = filled.index
    unknown = known["_merge"].eq("left_only")
    if unknown.any():
        first = known[unknown].iloc[0]
        by_key = refs.assign(keys=refs[ACTIVITY].str.split(", ")).explode("keys")
        hint = by_key[by_key["keys"] == first[ACTIVITY]]
        uses = (
            f" ({first[ACTIVITY]} uses {hint.iloc[0][NAME]!r} in {hint.iloc[0][SUBSECTION]!r})" if len(hint) else ""
        )
        raise FactorError(
            f"{path}, row {int(first['source_row'])}, column {NAME!r}: {first[NAME]!r} in {first[SUBSECTION]!r} is "
            f"not a factor footprint's activity mapping uses{uses}; keep subsection and name as the template "
            "wrote them"
        )
    wrong = known[UNIT].ne(known[f"{UNIT}_expected"])
    if wrong.any():
        first = known[wrong].iloc[0]
        raise FactorError(
            f"{path}, row {int(first['source_row'])}, column {UNIT!r}: {first[UNIT]!r} differs from the unit of "
            f"{first[NAME]!r} in the mapping ({first[f'{UNIT}_expected']!r}); give the factor per "
            f"{first[f'{UNIT}_expected']}"
        )


def coverage(factors: pd.DataFrame, mapping: ActivityMapping | None = None) -> tuple[list[str], list[str]]:
    """The activity keys with a factor whose factor a list holds, and those it leaves to the fallback."""
    mapping = mapping or load_activity_mapping()
    held = set(zip(factors["subsection"], factors["name"]))
    keys = [
        (k, (e.factor.subsection, e.factor.name) in held) for k, e in mapping.activities.items() if e.factor is not None
    ]
    return [k for k, has in keys if has], [k for k, has in keys if not has]
