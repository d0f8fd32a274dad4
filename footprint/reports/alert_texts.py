"""Section 4's alerts in the report's language, from each alert's rule, subject and evidence.

The warehouse keeps the English title and message that footprint.alerts.rules wrote (the e-mail
sends them); a report builds its own from the same evidence with a label per rule
(`alert_title.<rule>`, `alert_message.<rule>` in labels.yaml), so a Dutch report holds no English
sentence. The summary gives each alert an `about` (what its subject is: a meter, a vehicle, a file...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from footprint.alert_record import (
    FACTOR_RESTATEMENT,
    MISSING,
    MONTH_ON_MONTH,
    OUTLIER,
    QUARANTINE_RATE,
    TANK_EXCEEDED,
    TARGET_PATH,
    YEAR_ON_YEAR,
)
from footprint.periods import add_months, format_period, parse_period
from footprint.reports.texts import Texts, compact, number
from footprint.targets import METRIC_UNIT

_BASIS_OF_UNIT = {unit: basis for basis, unit in METRIC_UNIT.items()}


def subject(alert: dict[str, Any], t: Texts, cap: bool = False) -> Any:
    """What an alert is about, in words: 'meter 8716… (aardgas, hq)', 'voertuig VGH42K', 'bron vluchten'."""
    about = alert.get("about") or {"kind": "other"}
    kind = about["kind"]
    if kind == "meter":
        return t.meter(about["ean"], about.get("carrier"), about.get("site"), about.get("direction"), cap=cap)
    if kind == "source":
        return t.fill("subject_source", cap, source=t.code("source", about["source"]))
    if kind == "factor_list":
        return t.fill("subject_list", cap, list=t.factor_list(about.get("list")) if about.get("list")
                      else t.data(alert["subject"]))
    key = {"vehicle": "subject_vehicle", "supplier": "subject_supplier", "file": "subject_file",
           "target": "subject_target"}.get(kind, "subject_other")
    return t.fill(key, cap, name=t.data(alert["subject"]))


def _fields(alert: dict[str, Any], t: Texts) -> dict[str, Any]:
    """The figures a rule's labels use, formatted in the report's language."""
    e = alert.get("evidence") or {}
    period = alert["period"][:7]
    month = parse_period(period)
    fields: dict[str, Any] = {
        "subject": subject(alert, t), "Subject": subject(alert, t, cap=True), "period": period,
        "before": format_period(add_months(month, -1)), "last_year": format_period(add_months(month, -12)),
        "observed": t.num(e.get("observed")), "threshold": compact(e.get("threshold"), t.lang),
        "unit": t.unit(e.get("unit")), "change": t.pct(e.get("change_pct")),
    }
    rule = alert["rule"]
    if rule == MONTH_ON_MONTH:
        fields["previous"] = t.num(e.get("previous"))
    elif rule == YEAR_ON_YEAR:
        fields["year_before"] = t.num(e.get("year_before"))
    elif rule == OUTLIER:
        z = e.get("zscore") or 0.0
        fields |= {"direction": t.L["alert_above" if z > 0 else "alert_below"], "z": compact(round(z, 1), t.lang),
                   "months": e.get("history_months", "–"), "median": t.num(e.get("median")),
                   "year_before": t.num(e.get("year_before")), "usual": t.pct(e.get("usual_change_pct")),
                   "month_name": t.L["month_names_long"].split()[int(period[5:7]) - 1]}
    elif rule == TANK_EXCEEDED:
        at = str(e.get("transaction_at", ""))
        try:
            at = dt.datetime.strptime(at, "%Y-%m-%d %H:%M").strftime("%d-%m-%Y %H:%M")
        except ValueError:
            pass
        count = int(e.get("fuellings_over_tank") or 1)
        fields |= {"plate": t.data(alert["subject"]), "at": at, "station": t.data(e.get("station")),
                   "file": t.data(e.get("file_name")), "row": e.get("source_row", "–"),
                   "more": t.fill("alert_more_fuellings", count=count) if count > 1 else ""}
    elif rule == MISSING:
        cadence = int(e.get("cadence_months") or 1)
        fields |= {"last": e.get("last_delivered", "–"),
                   "rhythm": t.L["alert_every_month"] if cadence == 1 else t.fill("alert_every_months", n=cadence)}
    elif rule == QUARANTINE_RATE:
        fields |= {"file": t.data(e.get("file_name", alert["subject"])), "read": e.get("rows_read"),
                   "quarantined": e.get("rows_quarantined"), "share": number(e.get("observed"), 1, t.lang)}
    elif rule == FACTOR_RESTATEMENT:
        about = alert.get("about") or {}
        fields |= {"list": t.factor_list(about["list"]) if about.get("list") else t.data(alert["subject"]),
                   "base_year": about.get("base_year", "–"), "old": number((e.get("old_kg_co2e") or 0) / 1000, 1,
                                                                           t.lang),
                   "new": number((e.get("new_kg_co2e") or 0) / 1000, 1, t.lang)}
    elif rule == TARGET_PATH:
        about = alert.get("about") or {}
        achieved = e.get("achieved_reduction_pct")
        basis = about.get("basis") or _BASIS_OF_UNIT.get(str(e.get("unit")), "absolute")
        fields |= {"id": t.data(alert["subject"]), "scope": about.get("ladder_scope", "–"),
                   "reduction": number(about.get("reduction_pct"), 0, t.lang) if about.get("reduction_pct") else "–",
                   "target_year": e.get("target_year", "–"), "year": period[:4],
                   "unit": t.L[f"basis_{basis}"], "change": t.pct(-achieved if achieved is not None else None),
                   "expected": number(e.get("expected_reduction_pct"), 1, t.lang), "path": t.num(e.get("threshold"))}
    return fields


def _variant(alert: dict[str, Any]) -> str:
    """The label's name: the rule, or the rule's second form (a seasonal outlier, an unreadable file)."""
    rule, e = alert["rule"], alert.get("evidence") or {}
    if rule == OUTLIER and "usual_change_pct" in e:
        return "outlier_seasonal"
    if rule == QUARANTINE_RATE and "rows_read" not in e:
        return "quarantine_rate_rejected"
    return rule


def alert_text(alert: dict[str, Any], t: Texts) -> tuple[Any, Any]:
    """(title, message) of one alert of the summary, in the language of `t`."""
    variant = _variant(alert)
    if f"alert_title.{variant}" not in t.L:
        title = t.fill("alert_title.other", rule=t.code("alert_rule", alert["rule"]), Subject=subject(alert, t, True))
        return title, ""
    fields = _fields(alert, t)
    title, message = t.fill(f"alert_title.{variant}", **fields), t.fill(f"alert_message.{variant}", **fields)
    also = [t.code("alert_rule", other.get("rule")) for other in (alert.get("evidence") or {}).get("also", [])]
    if also:
        message = t.join([message, t.fill("alert_also", rules=t.join(also))], " ")
    return title, message


def alert_note(alert: dict[str, Any], t: Texts) -> Any:
    """The note under an alert: the quality officer's own words, or why footprint closed it as resolved."""
    if alert.get("status") == "resolved" and alert.get("noted_by") == "footprint":
        return t.L["alert_resolved_note"] if t.lang != "en" or not alert.get("note") else alert["note"]
    return t.data(alert["note"]) if alert.get("note") else ""
