"""Compute: emission rows are the activity rows times the factor the policy picks for their month.

applied_factors holds, per month, activity table, key and unit, the factor and the unit route; the
emissions view multiplies. A factor list loaded later restates every month whose factors it changes.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint import schemas, units
from footprint.config.workspace import Workspace
from footprint.crashpoints import crash_point
from footprint.errors import FactorError
from footprint.factors.resolve import resolve_factors
from footprint.periods import format_period, parse_period
from footprint.resources import warehouse
from footprint.restatements import FactorRestatement
from footprint.warehouse.bulk import insert_frame, refresh_statistics
from footprint.warehouse.migrations import advisory_xact_lock


@dataclass(frozen=True)
class EmissionResult:
    period: str
    periods: list[str]  # every month recomputed: the period and months its files reach back to
    emission_rows: int
    emissions_kg_co2e: float
    factor_list: str
    duration_s: float
    # Which lists the factors came from where not from the policy's own list (a year without a list of
    # its own, a partial list): ingest prints them, so no fallback goes unsaid.
    factor_notes: tuple[str, ...] = ()


_APPLIED_FACTOR_COLUMNS = (
    "source", "ladder_scope", "ghg_scope", "ghg_category", "factor_id", "factor_kg_co2e_per_unit",
    "location_factor_id", "location_factor_kg_co2e_per_unit",
)


def _periods_delivered_for(conn: sa.Connection, month: dt.date) -> dict[dt.date, tuple[str, ...]]:
    """The months to recompute, each with its activity tables: the run's month whole, earlier months
    only for the tables that files delivered for this month carry rows of.

    A quarterly supplier statement delivered in March holds January and February rows too; their
    emissions belong to those months, so those months' supplier emissions are recomputed with the
    delivery. Their meter and fuel rows did not change: recomputing them would redo most of a month.
    """
    union = " UNION ".join(
        f"SELECT DISTINCT a.period, '{table}' FROM {table} a JOIN raw_files r ON r.file_sha256 = a.file_sha256 "
        "WHERE r.period = :period AND a.period <> :period"
        for table in schemas.DATASETS
    )
    tables: dict[dt.date, set[str]] = {}
    for period, table in conn.execute(sa.text(union), {"period": month}):
        tables.setdefault(period, set()).add(table)
    tables[month] = set(schemas.DATASETS)
    return {m: tuple(t for t in schemas.DATASETS if t in tables[m]) for m in sorted(tables)}


def recompute_period(
    conn: sa.Connection, month: dt.date, keymap: pd.DataFrame, tables: tuple[str, ...] = schemas.DATASETS
) -> None:
    """Rewrite the month's applied factors: one row per activity table, activity key and unit its rows carry.

    Each unit gets its route to the factor's unit (footprint.units): the emissions view multiplies a
    row's quantity by the route's multiplier and the factor. A key without a factor, or a unit without
    a route, stops the month with the reason: validation keeps such rows out, so it means the
    configuration changed under loaded rows (`footprint reprocess` re-reads them).
    """
    # Two runs recomputing a month at once would each delete, then each insert: rows twice.
    advisory_xact_lock(conn, "emissions", month)
    used = pd.DataFrame(
        conn.execute(
            sa.text(
                " UNION ALL ".join(
                    f"SELECT DISTINCT '{table}' AS activity_table, activity_key, unit FROM {table} "
                    "WHERE period = :period AND activity_key IS NOT NULL"
                    for table in tables
                )
            ),
            {"period": month},
        ).all(),
        columns=["activity_table", "activity_key", "unit"],
    )
    applied = _applied_factors(conn, month, used, keymap)
    delete = sa.text("DELETE FROM applied_factors WHERE period = :period AND activity_table IN :tables")
    conn.execute(delete.bindparams(sa.bindparam("tables", expanding=True)), {"period": month, "tables": list(tables)})
    for table in tables:
        insert_frame(conn, "applied_factors", applied[applied["activity_table"] == table].assign(period=month))
        crash_point("compute")  # reliability tests: die with the month's factors half rewritten


def _factor_rows(conn: sa.Connection, factor_ids: list[str]) -> pd.DataFrame:
    """Name, list and calorific value of the factors a month applies, for unit routes and their lineage."""
    columns = ["factor_id", "name", "list_id", "source_row", "mj_per_unit"]
    if not factor_ids:
        return pd.DataFrame(columns=columns).set_index("factor_id")
    query = sa.text(
        "SELECT factor_id, name, list_id, source_row, mj_per_unit FROM factors WHERE factor_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    return pd.DataFrame(conn.execute(query, {"ids": factor_ids}).all(), columns=columns).set_index("factor_id")


def _applied_factors(conn: sa.Connection, month: dt.date, used: pd.DataFrame, keymap: pd.DataFrame) -> pd.DataFrame:
    """The applied_factors rows of one month: per (table, key, unit) its factor and the route to the factor's unit."""
    factors = keymap.set_index("activity_key")
    problems: list[str] = []
    unknown = sorted(set(used["activity_key"]) - set(factors.index))
    problems += [f"no factor mapped for activity {key} (see footprint/data/activity_factors.yaml)" for key in unknown]
    if "unresolved" in factors.columns:
        unresolved = factors["unresolved"].dropna()
        problems += [str(unresolved[key]) for key in sorted(set(used["activity_key"]) & set(unresolved.index))]
    if problems:
        raise FactorError(f"{format_period(month)}: " + "; ".join(problems))
    picked = factors.loc[used["activity_key"]]
    calorific = [c for c in ("factor_id", "mj_factor_id") if c in factors.columns]
    details = _factor_rows(conn, sorted({str(f) for c in calorific for f in picked[c].dropna()}))
    records: list[dict[str, Any]] = []
    for table, key, unit in used.itertuples(index=False):  # a few dozen keys a month, not rows
        factor = factors.loc[key]
        factor_id = factor["factor_id"]
        mj_per_unit, source = None, "the factor list"
        # The calorific value comes from the factor's own row, or the row resolve_factors took it from.
        stated_by = factor.get("mj_factor_id") if "mj_factor_id" in factors.columns else None
        stated_by = stated_by if stated_by is not None and pd.notna(stated_by) else factor_id
        if pd.notna(stated_by) and stated_by in details.index:
            row = details.loc[stated_by]
            mj_per_unit = float(row["mj_per_unit"]) if pd.notna(row["mj_per_unit"]) else None
            source = f"list {row['list_id']}, {row['name']}, row {int(row['source_row'])}"
        try:
            unit_route = units.route(key, unit, mj_per_unit, calorific_source=source)
        except units.UnitRouteError as exc:
            problems.append(f"{table} rows of {key} in {unit}: {exc}")
            continue
        fallback = factor.get("fallback_note") if "fallback_note" in factors.columns else None
        records.append(
            {
                "activity_table": table,
                "activity_key": key,
                **{column: factor[column] for column in _APPLIED_FACTOR_COLUMNS},
                "unit": unit,
                "list_unit": unit_route.list_unit,
                "unit_multiplier": unit_route.multiplier,
                "unit_route": unit_route.route,
                "fallback_note": fallback if fallback is not None and pd.notna(fallback) else None,
            }
        )
    if problems:
        raise FactorError(f"{format_period(month)}: " + "; ".join(problems) + "; run `footprint reprocess` after "
                          "correcting the configuration")
    columns = ["activity_table", "activity_key", *_APPLIED_FACTOR_COLUMNS, "unit", "list_unit", "unit_multiplier",
               "unit_route", "fallback_note"]
    return pd.DataFrame.from_records(records, columns=columns)


def compute_emissions(ws: Workspace, period: str) -> EmissionResult:
    """Recompute the emission rows of the period (and of months its files reach back to) in one transaction."""
    started = time.perf_counter()
    month = parse_period(period)
    engine = warehouse(ws)
    lists: set[str] = set()
    notes: dict[str, None] = {}
    by_year: dict[int, Any] = {}
    with engine.begin() as conn:
        months = _periods_delivered_for(conn, month)
        for each, tables in months.items():
            if each.year not in by_year:
                by_year[each.year] = resolve_factors(engine, each.year, ws.org.factor_policy)
            resolved = by_year[each.year]
            lists.add(f"{resolved.list_year} (version {resolved.version})")
            notes.update({f"{each.year}: {note}": None for note in resolved.fallbacks})
            recompute_period(conn, each, resolved.table, tables)
        conn.execute(
            sa.text(
                "UPDATE restatements SET new_kg_co2e = (SELECT coalesce(sum(e.emissions_kg_co2e), 0) FROM emissions e "
                "WHERE e.file_sha256 = restatements.new_file_sha256) "
                "WHERE kind = 'corrected_file' AND period = :period"
            ),
            {"period": month},
        )
        rows, total = conn.execute(
            sa.text("SELECT count(*), coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE period = :period"),
            {"period": month},
        ).one()
    refresh_statistics(engine, ["applied_factors"])
    return EmissionResult(
        period=format_period(month),
        periods=[format_period(m) for m in months],
        emission_rows=int(rows),
        emissions_kg_co2e=float(total),
        factor_list=", ".join(sorted(lists)),
        duration_s=time.perf_counter() - started,
        factor_notes=tuple(notes),
    )


_FACTOR_IDS = ["activity_key", "factor_id", "location_factor_id"]


_FACTOR_USE_COLUMNS = [*_FACTOR_IDS, "fallback_note"]


def _factor_use(conn: sa.Connection) -> pd.DataFrame:
    """Per computed month, which factors each of its activity keys applies."""
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT period, activity_key, factor_id, location_factor_id, fallback_note FROM applied_factors"
        )
    ).all()
    return pd.DataFrame(rows, columns=["period", *_FACTOR_USE_COLUMNS])


def _factor_set(frame: pd.DataFrame, columns: list[str]) -> set[tuple[Any, ...]]:
    """Per activity key its factor ids (and fallback note): what a month's figures and lineage rest on."""
    cells = frame[columns].astype(object)
    return set(cells.where(cells.notna(), None).itertuples(index=False, name=None))


def _list_ids(conn: sa.Connection, frame: pd.DataFrame, first: str | None = None) -> str:
    """The lists behind a month's factors, `first` (the policy's pick) leading when among them."""
    factor_ids = sorted(set(frame["factor_id"].dropna()) | set(frame["location_factor_id"].dropna()))
    if not factor_ids:
        return ""
    query = sa.text("SELECT DISTINCT list_id FROM factors WHERE factor_id IN :ids")
    ids = conn.execute(query.bindparams(sa.bindparam("ids", expanding=True)), {"ids": factor_ids}).scalars()
    return ", ".join(sorted(ids, key=lambda i: (i != first, i)))


def restate_for_factor_lists(ws: Workspace) -> list[FactorRestatement]:
    """Recompute every computed month whose factors change under the policy; record each restatement.

    Called after a factor list is loaded: a correction, an earlier year's list or an own list of a
    few factors may now give some of a month's activity keys another factor. A month is compared key
    by key, by factor and grid-average factor id, so a partial list restates exactly the months that
    use a key it changes. A month whose ids stay but whose fallback notes change (they name the lists
    looked in, and where a calorific value came from) is recomputed to keep its lineage true, and
    recorded as restated only if its total moves.
    """
    engine = warehouse(ws)
    restated: list[FactorRestatement] = []
    resolved_by_year: dict[int, Any] = {}
    with engine.begin() as conn:
        for month, used in _factor_use(conn).groupby("period", sort=True):
            if month.year not in resolved_by_year:
                resolved_by_year[month.year] = resolve_factors(engine, month.year, ws.org.factor_policy)
            resolved = resolved_by_year[month.year]
            now = resolved.table[resolved.table["activity_key"].isin(used["activity_key"])]
            if _factor_set(used, _FACTOR_USE_COLUMNS) == _factor_set(now, _FACTOR_USE_COLUMNS):
                continue
            total = sa.text("SELECT coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE period = :period")
            old_kg = float(conn.execute(total, {"period": month}).scalar_one())
            recompute_period(conn, month, resolved.table)
            new_kg = float(conn.execute(total, {"period": month}).scalar_one())
            unmoved = abs(new_kg - old_kg) <= 1e-9 * max(1.0, abs(old_kg))  # parallel sums differ in the last bits
            if _factor_set(used, _FACTOR_IDS) == _factor_set(now, _FACTOR_IDS) and unmoved:
                continue
            old_lists, new_lists = _list_ids(conn, used), _list_ids(conn, now, resolved.list_id)
            conn.execute(
                sa.text(
                    "INSERT INTO restatements (restatement_id, kind, period, old_factor_lists, new_factor_lists, "
                    "old_kg_co2e, new_kg_co2e, restated_at) VALUES "
                    "(:id, 'factor_list', :period, :old_list, :new_list, :old_kg, :new_kg, CURRENT_TIMESTAMP)"
                ),
                {
                    "id": uuid.uuid4().hex, "period": month, "old_list": old_lists, "new_list": new_lists,
                    "old_kg": old_kg, "new_kg": new_kg,
                },
            )
            restated.append(FactorRestatement(format_period(month), old_lists, new_lists, old_kg, new_kg))
    return restated
