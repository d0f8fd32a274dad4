"""Loading factor lists into the warehouse: the official co2emissiefactoren.nl spreadsheet and own lists.

`load_factor_list` takes either kind of file: an own list (footprint.factors.own) is recognised by
its first line, anything else is read as the official spreadsheet (footprint.factors.official).
Official lists are stored with `factor_lists.kind = 'official'`, own lists with 'own'.

Versions: a list is identified by its kind, list year and version date (the sheet title "Factoren
2026 dd 20-08-2026", or line 1 of an own list). A newer version of the same kind and list year
supersedes the older ones; `superseded_at` is the newer version's date. An own list never supersedes
an official one or the other way round: both stay current, and resolving takes the own list first.
`valid_from` is 1 January of the list year for every version, corrections included: a correction
restates the whole list year (the ladder restates earlier periods with a trace), while `version`
says when it was published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Final

import sqlalchemy as sa

from footprint.activity_mapping import ActivityMapping
from footprint.errors import FactorError
from footprint.factors import own
from footprint.factors.official import (
    EXPECTED_LAYOUT,
    SOURCE_NAME,
    FactorSheet,
    read_factor_workbook,
)
from footprint.warehouse.migrations import advisory_xact_lock

SHIPPED_LIST: Final = "co2emissiefactoren_nl_2026.xlsx"
OFFICIAL: Final = "official"
_WORKBOOK_MAGIC: Final = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


@dataclass(frozen=True)
class FactorListLoad:
    """What load_factor_list did, for the run log and the CLI.

    For an own list, covered_keys are the activity keys whose factor it holds and fallback_keys the
    ones it leaves to the other lists along the factor policy.
    """

    list_id: str
    list_year: int
    version: date
    factors_loaded: int
    skipped: int
    already_loaded: bool
    is_current: bool
    superseded_list_ids: tuple[str, ...] = field(default=())
    kind: str = OFFICIAL
    covered_keys: tuple[str, ...] = field(default=())
    fallback_keys: tuple[str, ...] = field(default=())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_id_for(list_year: int, version: date) -> str:
    """Deterministic, readable list id: reloading the same version into a new warehouse gives the same ids."""
    return f"co2ef-{list_year}-{version:%Y%m%d}"


def _is_text_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return not handle.read(8).startswith(_WORKBOOK_MAGIC)


def read_factor_list(path: str | Path, mapping: ActivityMapping | None = None) -> FactorSheet:
    """An own list (recognised by its line 1) or else the official spreadsheet, read and checked."""
    path = Path(path)
    if own.is_own_list(path):
        return own.read_own_list(path, mapping)
    if path.is_file() and _is_text_file(path):
        raise FactorError(
            f"{path}: neither an own factor list (line 1 `{own.MARKER};YYYY;version DD-MM-YYYY`, see "
            f"`footprint factors template`) nor {EXPECTED_LAYOUT}"
        )
    return read_factor_workbook(path)


def _source(sheet: FactorSheet) -> str:
    if sheet.kind == own.KIND:
        return f"{sheet.title}, {sheet.path.name}"
    return f"{SOURCE_NAME}, {sheet.title}, {sheet.path.name}"


def load_factor_list(
    engine: sa.Engine, path: str | Path, list_year: int | None = None, mapping: ActivityMapping | None = None
) -> FactorListLoad:
    """Load one version of a list; the same file twice changes nothing, a newer version supersedes.

    list_year defaults to the year in the file (sheet title, or line 1 of an own list); a different
    given year is refused, because a list filed under the wrong year would silently restate the
    wrong period. mapping checks an own list's subsections, names and units (default: the shipped one).
    """
    sheet = read_factor_list(path, mapping)
    path = sheet.path
    if list_year is not None and list_year != sheet.list_year:
        where = "line 1" if sheet.kind == own.KIND else f"the sheet title {sheet.title!r}"
        raise FactorError(f"{path}: list year {list_year} was asked for but {where} says {sheet.list_year}")
    covered, fallback = own.coverage(sheet.factors, mapping) if sheet.kind == own.KIND else ([], [])
    digest = _sha256(path)
    list_id = own.list_id_for(sheet.list_year, sheet.version) if sheet.kind == own.KIND else list_id_for(
        sheet.list_year, sheet.version
    )
    source = _source(sheet)
    loaded = {"kind": sheet.kind, "covered_keys": tuple(covered), "fallback_keys": tuple(fallback)}
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
                **loaded,
            )
        same_version = conn.execute(
            sa.text("SELECT source_file, source_sha256 FROM factor_lists WHERE list_id = :id"), {"id": list_id}
        ).first()
        if same_version is not None:
            where = "line 1" if sheet.kind == own.KIND else "its sheet title"
            raise FactorError(
                f"{path}: list {sheet.list_year} version {sheet.version} is already loaded from another file "
                f"({same_version.source_file}, sha256 {same_version.source_sha256[:12]}); a correction must "
                f"carry a new date in {where}"
            )
        valid_from = date(sheet.list_year, 1, 1)
        conn.execute(
            sa.text(
                "INSERT INTO factor_lists (list_id, list_year, version, valid_from, superseded_at, source, "
                "source_file, source_sha256, factor_count, kind) VALUES (:list_id, :list_year, :version, "
                ":valid_from, NULL, :source, :source_file, :sha, :factor_count, :kind)"
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
                "kind": sheet.kind,
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO factors (factor_id, list_id, list_year, version, valid_from, superseded_at, section, "
                "subsection, name, unit, wtw_kg_co2e_per_unit, ttw_kg_co2e_per_unit, wtt_kg_co2e_per_unit, "
                "biogenic_kg_co2e_per_unit, value_kg_co2e_per_unit, value_basis, source, source_row, mj_per_unit) "
                "VALUES (:factor_id, :list_id, :list_year, :version, :valid_from, NULL, :section, :subsection, :name, "
                ":unit, :wtw_kg_co2e_per_unit, :ttw_kg_co2e_per_unit, :wtt_kg_co2e_per_unit, "
                ":biogenic_kg_co2e_per_unit, :value_kg_co2e_per_unit, :value_basis, :source, :source_row, "
                ":mj_per_unit)"
            ),
            _factor_records(sheet, list_id, valid_from, source),
        )
        superseded = _restate_superseded(conn, sheet.list_year, sheet.kind)
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
        **loaded,
    )


def _factor_records(sheet: FactorSheet, list_id: str, valid_from: date, source: str) -> list[dict[str, object]]:
    """Insert parameters; an own list's row names the user's source after the list's."""
    frame = sheet.factors.assign(
        factor_id=list_id + "-r" + sheet.factors["source_row"].astype("int64").map("{:04d}".format),
        list_id=list_id,
        list_year=sheet.list_year,
        version=sheet.version,
        valid_from=valid_from,
    )
    if "source" in frame.columns:
        rows = frame["source_row"].astype("int64").astype(str)
        frame = frame.assign(source=source + ", row " + rows + ": " + frame["source"].astype(str))
    else:
        frame = frame.assign(source=source)
    frame = frame.astype(object).where(frame.notna(), None)
    return [{**record, "source_row": int(record["source_row"])} for record in frame.to_dict("records")]


def _restate_superseded(conn: sa.Connection, list_year: int, kind: str) -> list[str]:
    """Each version of a kind and list year is superseded by the next newer one, whatever the load order.

    Returns the lists that were current before this load and are not any more.
    """
    versions = conn.execute(
        sa.text(
            "SELECT list_id, version, superseded_at FROM factor_lists WHERE list_year = :y AND kind = :kind "
            "ORDER BY version"
        ),
        {"y": list_year, "kind": kind},
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
    """Load the shipped list when no official list is loaded yet: it is what a partial own list falls
    back to. A warehouse with any official list is left to the user's choice."""
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM factor_lists WHERE kind = :kind"), {"kind": OFFICIAL})
        official = count.scalar_one()
    if official == 0:
        load_factor_list(engine, shipped_list_path())
