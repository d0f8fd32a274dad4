"""report.html: one self-contained, printable page in Dutch or English (charts inlined as data URIs)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

LANGUAGES = ("nl", "en")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Half-year report energy and CO2", "period": "Period", "base_year": "Base year",
        "generated": "Generated", "version": "Schema version", "draft": "Draft: management approval pending",
        "missing_warning": "Data missing: totals below are too low for these months and sources",
        "no_missing": "Every dataset and active meter delivered data for every month of the period.",
        "s1": "1. Energy use and emissions", "s2": "2. Comparison with base year and previous year",
        "s3": "3. Progress towards the targets", "s4": "4. Unexpected changes", "s5": "5. Data quality",
        "s6": "6. Emission factors and restatements", "s7": "7. Review of measures", "s8": "8. Per-project emissions",
        "scope": "Ladder scope", "ghg_scope": "GHG scope", "category": "category", "total": "Total",
        "market": "market-based", "location": "location-based", "electricity": "Purchased electricity",
        "source": "Source", "site": "Site", "quantity": "Quantity", "unit": "Unit", "carrier": "Carrier",
        "direction": "Direction", "estimated": "estimated", "org_wide": "(organisation-wide)",
        "year": "Year", "current": "This year", "previous": "Previous year", "revenue": "Revenue (pro rata)",
        "fte": "FTE (pro rata)", "per_meur": "per million EUR revenue", "per_fte": "per FTE",
        "change_base": "Change vs base year", "change_prev": "Change vs previous year",
        "target": "Target", "basis": "Basis", "base_value": "Base year", "now": "Now", "achieved": "Achieved",
        "path": "Path this year", "on_track": "On track", "yes": "yes", "no": "no", "unknown": "unknown",
        "no_targets": "No targets configured.", "no_alerts": "No alerts recorded (alerting is not built yet).",
        "primary": "Primary data (metered, invoiced)", "secondary": "Secondary data (estimates)",
        "quarantined": "Quarantined rows", "rows_read": "Rows read", "files_per_month": "Files per month",
        "month": "Month", "dataset": "Dataset", "files": "Files", "missing": "Missing",
        "factor_list": "Factor list", "factor_version": "version", "no_factor": "No factor list was used in this period.",
        "restatements": "Restatements", "no_restatements": "No restatements of months in this period.",
        "no_measures": "Measures are not configured yet: no review possible.",
        "no_projects": "Per-project reports are not configured yet: no projects with a CO2 award advantage.",
        "rule": "Rule", "charts_monthly": "Monthly emissions against the base year",
        "charts_targets": "Intensity against the target path", "charts_energy": "Energy per carrier",
        "half_only": "Second half only (Jul-Dec)", "old": "old", "new": "new", "kind": "kind",
        "no_data": "no data", "energy": "Energy per carrier",
    },
    "nl": {
        "title": "Halfjaarrapportage energie en CO2", "period": "Periode", "base_year": "Basisjaar",
        "generated": "Gemaakt", "version": "Schemaversie", "draft": "Concept: goedkeuring directie volgt",
        "missing_warning": "Ontbrekende gegevens: de totalen hieronder zijn voor deze maanden en bronnen te laag",
        "no_missing": "Elke gegevensbron en elke actieve meter leverde gegevens voor elke maand van de periode.",
        "s1": "1. Energieverbruik en emissies", "s2": "2. Vergelijking met basisjaar en vorig jaar",
        "s3": "3. Voortgang doelstellingen", "s4": "4. Onverwachte veranderingen", "s5": "5. Datakwaliteit",
        "s6": "6. Emissiefactoren en herberekeningen", "s7": "7. Evaluatie maatregelen", "s8": "8. Emissies per project",
        "scope": "Ladderscope", "ghg_scope": "GHG-scope", "category": "categorie", "total": "Totaal",
        "market": "marktgebaseerd", "location": "locatiegebaseerd", "electricity": "Ingekochte elektriciteit",
        "source": "Bron", "site": "Vestiging", "quantity": "Hoeveelheid", "unit": "Eenheid", "carrier": "Energiedrager",
        "direction": "Richting", "estimated": "geschat", "org_wide": "(hele organisatie)",
        "year": "Jaar", "current": "Dit jaar", "previous": "Vorig jaar", "revenue": "Omzet (naar rato)",
        "fte": "FTE (naar rato)", "per_meur": "per miljoen euro omzet", "per_fte": "per FTE",
        "change_base": "Verschil t.o.v. basisjaar", "change_prev": "Verschil t.o.v. vorig jaar",
        "target": "Doelstelling", "basis": "Grondslag", "base_value": "Basisjaar", "now": "Nu", "achieved": "Behaald",
        "path": "Pad dit jaar", "on_track": "Op koers", "yes": "ja", "no": "nee", "unknown": "onbekend",
        "no_targets": "Geen doelstellingen ingesteld.",
        "no_alerts": "Geen signaleringen vastgelegd (signaleren is nog niet gebouwd).",
        "primary": "Primaire gegevens (gemeten, gefactureerd)", "secondary": "Secundaire gegevens (schattingen)",
        "quarantined": "Rijen in quarantaine", "rows_read": "Rijen gelezen", "files_per_month": "Bestanden per maand",
        "month": "Maand", "dataset": "Gegevensbron", "files": "Bestanden", "missing": "Ontbreekt",
        "factor_list": "Factorenlijst", "factor_version": "versie",
        "no_factor": "In deze periode is geen factorenlijst gebruikt.",
        "restatements": "Herberekeningen", "no_restatements": "Geen herberekeningen van maanden in deze periode.",
        "no_measures": "Maatregelen zijn nog niet ingesteld: geen evaluatie mogelijk.",
        "no_projects": "Projectrapportages zijn nog niet ingesteld: geen projecten met CO2-gunningvoordeel.",
        "rule": "Rekenregel", "charts_monthly": "Emissies per maand tegenover het basisjaar",
        "charts_targets": "Intensiteit tegenover het doelpad", "charts_energy": "Energie per drager",
        "half_only": "Alleen tweede halfjaar (jul-dec)", "old": "oud", "new": "nieuw", "kind": "soort",
        "no_data": "geen gegevens", "energy": "Energie per drager",
    },
}


def _number(value: float | None, decimals: int, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def tonnes(kg: float | None, lang: str = "en") -> str:
    """kg CO2e as tonnes in text: one decimal from 10 t, two below, three below 1 t."""
    if kg is None:
        return "–"
    t = kg / 1000
    decimals = 1 if abs(t) >= 10 else 2 if abs(t) >= 1 else 3
    return f"{_number(t, decimals, lang)} t CO2e"


def quantity(value: float | None, unit: str, lang: str = "en") -> str:
    if value is None:
        return "–"
    decimals = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{_number(value, decimals, lang)} {unit}"


def pct(value: float | None, lang: str = "en", signed: bool = True) -> str:
    if value is None:
        return "–"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{_number(value, 1, lang)} %"


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(summary: dict[str, Any], charts: dict[str, Path], lang: str = "en") -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
    env = Environment(loader=PackageLoader("footprint.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["t"] = lambda kg: tonnes(kg, lang)
    env.filters["q"] = lambda value, unit: quantity(value, unit, lang)
    env.filters["pct"] = lambda value, signed=True: pct(value, lang, signed)
    env.filters["num"] = lambda value, decimals=0: _number(value, decimals, lang)
    return env.get_template("report.html.j2").render(
        s=summary, L=LABELS[lang], lang=lang, charts={k: _data_uri(p) for k, p in charts.items()})


def write_html(summary: dict[str, Any], charts: dict[str, Path], path: Path, lang: str = "en") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, charts, lang), encoding="utf-8")
    return path
