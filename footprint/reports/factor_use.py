"""Section 6 of the half-year report: the factor lists used, the list the policy applied per year with
every factor taken from another list (and why), and the restatements of the period's months.

Read from the warehouse's small tables (factor_lists, applied_factors: a few dozen rows a month,
restatements), never from the activity rows.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from footprint.config.workspace import Workspace
from footprint.reports.frames import frame as _frame
from footprint.reports.frames import records as _records
from footprint.reports.summary_types import (
    FactorListUse,
    FactorYear,
    ListRef,
    Restatement,
)
from footprint.reports.texts import parse_fallback_note


def factor_lists(ws: Workspace, start: dt.date, end: dt.date) -> list[FactorListUse]:
    """The list versions behind the period's emission rows, with the rows and kg CO2e each computed."""
    frame = _frame(
        ws,
        """
        SELECT f.list_id, f.list_year, f.version, l.source AS list_source, l.source_file,
               count(*) AS emission_rows, sum(e.emissions_kg_co2e) AS emissions_kg_co2e,
               min(e.period) AS first_period, max(e.period) AS last_period
        FROM emissions e JOIN factors f ON f.factor_id = e.factor_id
        LEFT JOIN factor_lists l ON l.list_id = f.list_id
        WHERE e.period >= :start AND e.period <= :end
        GROUP BY f.list_id, f.list_year, f.version, l.source, l.source_file
        ORDER BY f.list_year, f.version
        """,
        start=start, end=end,
    )
    return _records(frame)


UNCHANGED_KG = 0.0005  # a restatement that moves a month by no more than this is no restatement to show

_LISTS_SQL = "SELECT list_id, kind, list_year, version FROM factor_lists"


def list_refs(ws: Workspace) -> dict[str, ListRef]:
    """Every loaded factor list by id as {list_id, kind, list_year, version (dd-mm-yyyy)}: how reports name lists."""
    lists = _frame(ws, _LISTS_SQL)
    return {str(r.list_id): {"list_id": str(r.list_id), "kind": str(r.kind or "official"), "list_year": int(r.list_year),
                             "version": pd.Timestamp(r.version).strftime("%d-%m-%Y")} for r in lists.itertuples()}


_APPLIED_SQL = """
SELECT CAST(EXTRACT(YEAR FROM k.period) AS INTEGER) AS year, k.activity_table, k.activity_key, k.source,
       k.fallback_note, f.list_id, count(*) AS months
FROM applied_factors k LEFT JOIN factors f ON f.factor_id = k.factor_id
WHERE k.period >= :start AND k.period <= :end
GROUP BY CAST(EXTRACT(YEAR FROM k.period) AS INTEGER), k.activity_table, k.activity_key, k.source, k.fallback_note,
         f.list_id
ORDER BY year, k.activity_key
"""


def factor_years(ws: Workspace, start: dt.date, end: dt.date, refs: dict[str, ListRef]) -> list[FactorYear]:
    """Per year: the list the policy applied and each activity key whose factor came from another list, with why.

    From applied_factors (a few dozen rows a month): a key without a fallback note took its factor from the
    policy's list; a year without a list of its own says so in every key's note (reason no_year_list).
    """
    applied = _frame(ws, _APPLIED_SQL, start=start, end=end)
    years = []
    for year, rows in applied.groupby("year", sort=True):  # one or two years, each a few dozen keys
        reasons = {i: parse_fallback_note(note) for i, note in rows["fallback_note"].items()}
        year_notes = {str(r): r for rs in reasons.values() for r in rs if r["reason"] == "no_year_list"}
        # The policy's list: that of the factors no note says came from elsewhere; else the one the notes name.
        own = [i for i, rs in reasons.items() if not any(r["reason"] in ("factor", "other") for r in rs)]
        lists = rows.loc[own, "list_id"].dropna()
        named = [r["applied"] for r in year_notes.values()] + [
            r["list"] for rs in reasons.values() for r in rs if r["reason"] == "factor"]
        policy_list = refs.get(str(lists.mode().iloc[0])) if len(lists) else (named[0] if named else None)
        keys = []
        for i, row in rows.iterrows():
            key_reasons = [r for r in reasons[i] if r["reason"] != "no_year_list"]
            if key_reasons:
                keys.append({"activity_table": row["activity_table"], "activity_key": row["activity_key"],
                             "source": row["source"], "list": refs.get(str(row["list_id"])),
                             "note": row["fallback_note"], "reasons": key_reasons})
        years.append({"year": int(year), "applied_list": policy_list, "list_of_its_own": not year_notes,
                      "year_notes": list(year_notes.values()), "fallbacks": keys})
    return years


def restatements(ws: Workspace, start: dt.date, end: dt.date, refs: dict[str, ListRef]) -> list[Restatement]:
    """The period's restated months; one whose kg did not move (within UNCHANGED_KG) is left out."""
    frame = _frame(
        ws,
        """
        SELECT restatement_id, kind, period, file_name, old_factor_lists, new_factor_lists,
               old_kg_co2e, new_kg_co2e, restated_at
        FROM restatements
        WHERE period >= :start AND period <= :end
          AND (new_kg_co2e IS NULL OR abs(new_kg_co2e - old_kg_co2e) > :unchanged)
        ORDER BY period, restated_at
        """,
        start=start, end=end, unchanged=UNCHANGED_KG,
    )
    out = _records(frame)
    for r in out:  # a handful of restatements: their lists by name
        for side in ("old", "new"):
            ids = [i for i in (r[f"{side}_factor_lists"] or "").split(", ") if i]
            r[f"{side}_lists"] = [refs.get(i, {"list_id": i, "kind": None, "list_year": None, "version": None})
                                  for i in ids]
    return out
