"""Which factor a year's inventory applies to each activity key, and from which list.

The factor policy names a list year: the inventory year itself (per_year) or one list year for
every year (single_list). Lists may be partial (an own list holds only what the user filled in), so
each activity key takes its factor from the first list of a chain that holds it:
  - per_year, inventory year Y: the current lists of year Y, then earlier list years descending,
    then later list years ascending;
  - single_list with list_year X: the same chain starting at X (which must be loaded).
Within a list year an own list comes before the official one. Only current versions count (a
correction supersedes its predecessor of the same kind and year). A factor is found by subsection
and name; its unit must be the mapping's list unit.

The calorific value (mj_per_unit) is the factor row's; where that row states none, the first list
in the same chain that states one for the same factor and unit gives it. Whatever does not come
from the list the policy names says so in `fallback_note`, and a year without a list of its own
(per_year) says so too. An activity no list holds is `unresolved` with the reason: computing stops
only when rows use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd
import sqlalchemy as sa

from footprint.activity_mapping import (
    ActivityFactor,
    ActivityMapping,
    FactorRef,
    load_activity_mapping,
)
from footprint.config.assets import FactorPolicy
from footprint.errors import FactorError
from footprint.factors.official import SOURCE_NAME
from footprint.factors.own import KIND as OWN

RESOLVED_COLUMNS: Final[dict[str, str]] = {
    "activity_key": "string",
    "factor_id": "string",
    "factor_kg_co2e_per_unit": "Float64",
    "location_factor_id": "string",
    "location_factor_kg_co2e_per_unit": "Float64",
    "ladder_scope": "Int64",
    "ghg_scope": "Int64",
    "ghg_category": "Int64",
    "source": "string",
    "unit": "string",
    "list_id": "string",
    "list_year": "Int64",
    "list_unit": "string",
    "mj_per_unit": "Float64",
    "mj_factor_id": "string",
    "fallback_note": "string",
    "unresolved": "string",
}
_FACTOR_COLUMNS: Final = [
    "factor_id", "list_id", "subsection", "name", "unit", "value_kg_co2e_per_unit", "mj_per_unit", "source_row",
]


def _list_name(kind: str) -> str:
    return "own factor list" if kind == OWN else SOURCE_NAME


def list_label(kind: str, list_year: int, version: date) -> str:
    """How notes name a list: 'co2emissiefactoren.nl 2026 (version 20-08-2026)'."""
    return f"{_list_name(kind)} {list_year} (version {version:%d-%m-%Y})"


@dataclass(frozen=True)
class ResolvedFactors:
    """The factors one year's inventory uses; list_id ... kind describe the list the policy picked.

    table has one row per activity key (RESOLVED_COLUMNS); fallback_notes sum up its notes (a year
    without a list of its own first, then per list what was taken from it), for ingest and report.
    """

    year: int
    policy_mode: str
    list_id: str
    list_year: int
    version: date
    table: pd.DataFrame
    kind: str = "official"
    fallback_notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{_list_name(self.kind)} {self.list_year}, version {self.version:%d-%m-%Y} ({self.list_id})"

    @property
    def is_fallback(self) -> bool:
        """True when the year had no list of its own and a neighbouring year's list was used."""
        return self.list_year != self.year

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """Every factor, grid-average factor or calorific value taken from another list than the policy's."""
        return self.fallback_notes


def _current_lists(conn: sa.Connection) -> pd.DataFrame:
    rows = conn.execute(
        sa.text(
            "SELECT list_id, list_year, version, kind FROM factor_lists WHERE superseded_at IS NULL "
            "ORDER BY list_year, version"
        )
    ).all()
    return pd.DataFrame(rows, columns=["list_id", "list_year", "version", "kind"])


def _chain(lists: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """The lists in the order a key looks for its factor, with rank 0 for the first.

    The first is the list the policy picks, as before lists could be partial: the start year's
    (own before official), else the nearest earlier year's, else the earliest later year's.
    """
    order = lists.assign(
        later=lists["list_year"] > start_year,
        distance=(lists["list_year"] - start_year).abs(),
        official=lists["kind"] != OWN,
    ).sort_values(["later", "distance", "official", "list_id"])
    return order[["list_id", "list_year", "version", "kind"]].reset_index(drop=True).rename_axis("rank").reset_index()


def _start_year(lists: pd.DataFrame, year: int, policy: FactorPolicy) -> int:
    if lists.empty:
        raise FactorError("no factor list is loaded: load one with load_factor_list (or ensure_default_factors)")
    if policy.mode != "single_list" or policy.list_year is None:
        return year
    if not (lists["list_year"] == policy.list_year).any():
        raise FactorError(
            f"factor policy single_list asks for the {policy.list_year} list, which is not loaded "
            f"(loaded list years: {sorted(lists['list_year'].unique().tolist())})"
        )
    return policy.list_year


def _label(row: pd.Series) -> str:
    return list_label(str(row["kind"]), int(row["list_year"]), row["version"])


def _candidates(conn: sa.Connection, chain: pd.DataFrame, mapping: ActivityMapping) -> pd.DataFrame:
    """Every current factor row the mapping could use, with its list's rank in the chain."""
    names = sorted({r.name for e in mapping.activities.values() for r in (e.factor, e.location_factor) if r})
    if not names:
        return pd.DataFrame(columns=[*_FACTOR_COLUMNS, "rank", "list_year", "version", "kind"])
    query = sa.text(
        "SELECT f.factor_id, f.list_id, f.subsection, f.name, f.unit, f.value_kg_co2e_per_unit, f.mj_per_unit, "
        "f.source_row FROM factors f JOIN factor_lists l ON l.list_id = f.list_id "
        "WHERE l.superseded_at IS NULL AND f.name IN :names"
    ).bindparams(sa.bindparam("names", expanding=True))
    factors = pd.DataFrame(conn.execute(query, {"names": names}).all(), columns=_FACTOR_COLUMNS)
    return factors.merge(chain, on="list_id").sort_values(["rank", "source_row"], kind="stable")


class _Finder:
    """Looks up one factor reference along the chain; the first list holding it wins."""

    def __init__(self, candidates: pd.DataFrame, chain: pd.DataFrame) -> None:
        self.by_ref = {ref: rows for ref, rows in candidates.groupby(["subsection", "name"], sort=False)}
        self.none = candidates.iloc[0:0]
        self.chain = chain

    def rows(self, ref: FactorRef) -> pd.DataFrame:
        return self.by_ref.get((ref.subsection, ref.name), self.none)

    def first(self, key: str, ref: FactorRef, list_unit: str | None, role: str = "factor") -> pd.Series | None:
        rows = self.rows(ref)
        if rows.empty:
            return None
        top = rows[rows["rank"] == rows["rank"].iloc[0]]
        factor = top.iloc[0]
        where = f"list {factor['list_id']} ({factor['list_year']}, version {factor['version']})"
        if len(top) > 1:
            numbers = ", ".join(str(r) for r in top["source_row"])
            raise FactorError(f"activity {key}: {role} {ref.name!r} in {ref.subsection!r} appears twice in {where} "
                              f"(rows {numbers})")
        if factor["unit"] != list_unit:
            raise FactorError(
                f"activity {key}: {role} {ref.name!r} in {where} is per {factor['unit']!r}, "
                f"but the mapping expects per {list_unit!r}"
            )
        return factor

    def calorific(self, ref: FactorRef, list_unit: str | None) -> pd.Series | None:
        """The first row along the chain stating a calorific value for this factor in this unit."""
        rows = self.rows(ref)
        stated = rows[(rows["unit"] == list_unit) & rows["mj_per_unit"].notna()]
        return None if stated.empty else stated.iloc[0]

    def missing(self, key: str, ref: FactorRef, role: str = "factor") -> str:
        searched = ", ".join(_label(row) for _, row in self.chain.iterrows())
        return f"activity {key}: {role} {ref.name!r} in {ref.subsection!r} is in none of the loaded lists ({searched})"


@dataclass(frozen=True)
class _Note:
    """One thing taken from another list: `subject` (a list) lacks `what` for `item`; `source` gave it."""

    subject: str
    what: str
    item: str
    source: str

    def text(self, items: str | None = None) -> str:
        return f"{self.subject} {self.what} {items or self.item}; taken from {self.source}"


def _notes(year_note: str | None, notes: list[_Note]) -> tuple[str, ...]:
    """The distinct notes of all keys, items taken from the same list for the same reason joined."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for note in notes:
        items = grouped.setdefault((note.subject, note.what, note.source), [])
        if note.item not in items:
            items.append(note.item)
    texts = [_Note(subject, what, "", source).text(", ".join(items)) for (subject, what, source), items in grouped.items()]
    return tuple([year_note, *texts] if year_note else texts)


def _record(
    key: str, entry: ActivityFactor, finder: _Finder, pick: pd.Series, year_note: str | None
) -> tuple[dict[str, object], list[_Note]]:
    """One activity key's row of the resolved table, and what of it came from another list than the pick."""
    record: dict[str, object] = {
        "activity_key": key,
        "ladder_scope": entry.ladder_scope,
        "ghg_scope": entry.ghg_scope,
        "ghg_category": entry.ghg_category,
        "source": entry.source,
        "unit": entry.unit,
    }
    if entry.factor is None:
        return record, []
    market = finder.first(key, entry.factor, entry.list_unit)
    if market is None:
        return {**record, "unresolved": finder.missing(key, entry.factor)}, []
    location = market
    notes: list[_Note] = []
    if market["list_id"] != pick["list_id"]:
        notes.append(_Note(_label(pick), "has no factor for", key, _label(market)))
    if entry.location_factor is not None:
        location = finder.first(key, entry.location_factor, entry.list_unit, "grid-average factor")
        if location is None:
            record["unresolved"] = finder.missing(key, entry.location_factor, "grid-average factor")
            location = pd.Series({"factor_id": None, "value_kg_co2e_per_unit": None, "list_id": None})
        elif location["list_id"] not in (pick["list_id"], market["list_id"]):
            notes.append(_Note(_label(pick), "has no grid-average factor for", key, _label(location)))
    mj = market if pd.notna(market["mj_per_unit"]) else finder.calorific(entry.factor, entry.list_unit)
    if mj is not None and mj["factor_id"] != market["factor_id"]:
        item = f"{entry.factor.name!r} ({float(mj['mj_per_unit']):g} MJ/{entry.list_unit})"
        notes.append(_Note(_label(market), "states no calorific value for", item, _label(mj)))
    texts = ([year_note] if year_note else []) + [note.text() for note in notes]
    record.update(
        factor_id=market["factor_id"],
        factor_kg_co2e_per_unit=market["value_kg_co2e_per_unit"],
        location_factor_id=location["factor_id"],
        location_factor_kg_co2e_per_unit=location["value_kg_co2e_per_unit"],
        list_id=market["list_id"],
        list_year=market["list_year"],
        list_unit=market["unit"],
        mj_per_unit=None if mj is None else mj["mj_per_unit"],
        mj_factor_id=None if mj is None else mj["factor_id"],
        fallback_note="; ".join(texts) if texts else None,
    )
    return record, notes


def resolve_factors(
    engine: sa.Engine, year: int, policy: FactorPolicy, mapping: ActivityMapping | None = None
) -> ResolvedFactors:
    """One row per activity key with the factor (and grid-average factor) a year's inventory applies.

    Raises only when no list is loaded, the single_list year is not, or a list holds a mapped factor
    twice or in another unit; a factor no list holds is reported in `unresolved` instead.
    """
    mapping = mapping or load_activity_mapping()
    with engine.connect() as conn:
        lists = _current_lists(conn)
        chain = _chain(lists, _start_year(lists, year, policy))
        candidates = _candidates(conn, chain, mapping)
    pick = chain.iloc[0]  # the policy's list for the year
    year_note = None
    if policy.mode == "per_year" and int(pick["list_year"]) != year:
        year_note = f"no list for {year} is loaded; {_label(pick)} applies (per_year policy falls back to the nearest list)"
    finder = _Finder(candidates, chain)
    records: list[dict[str, object]] = []
    notes: list[_Note] = []
    for key, entry in mapping.activities.items():
        record, key_notes = _record(key, entry, finder, pick, year_note)
        records.append(record)
        notes += key_notes
    table = pd.DataFrame.from_records(records, columns=list(RESOLVED_COLUMNS)).astype(RESOLVED_COLUMNS)
    return ResolvedFactors(
        year=year,
        policy_mode=policy.mode,
        list_id=str(pick["list_id"]),
        list_year=int(pick["list_year"]),
        version=pick["version"],
        table=table,
        kind=str(pick["kind"]),
        fallback_notes=_notes(year_note, notes),
    )


def list_labels(engine: sa.Engine) -> dict[str, str]:
    """Every loaded list's label by list id, for saying where factors come from."""
    with engine.connect() as conn:
        lists = conn.execute(sa.text("SELECT list_id, kind, list_year, version FROM factor_lists")).all()
    return {row.list_id: list_label(row.kind, row.list_year, row.version) for row in lists}
