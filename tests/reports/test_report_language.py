"""The report speaks one language (issue 14, 13): no code footprint stores and no English sentence in the
Dutch report, no code in the English one.

A company with every source, carrier, direction and unit, a partial meter month, expected sources that
are missing, factors from another list, restatements of every kind and an alert of every rule (made by
the alert rules' own functions, so their evidence is the real one) is reported in Dutch and in
English; the HTML's visible text and every text cell of the workbook are searched for:
(a) a code as a whole word, where the language's labels never use that word themselves;
(b) for Dutch, English words that give a sentence away.
Data values (names, files, ids: marked `<span class="data">` in HTML; in the workbook the columns
holding them) are left out of the search, and nothing else is.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import uuid
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from company_files import make_company

from footprint import schemas
from footprint.alert_record import RULES, SEVERITIES, STATUSES
from footprint.alert_store import record, set_status
from footprint.alerts.detect import consolidate
from footprint.alerts.missing import missing_alerts
from footprint.alerts.quarantine import quarantine_alerts
from footprint.alerts.restatement import factor_restatement_alerts
from footprint.alerts.tanks import tank_alerts
from footprint.alerts.target_path import target_alerts
from footprint.alerts.values import judge_values, subject_row
from footprint.config.alerting import AlertThresholds, MeasureStatus, Rhythm
from footprint.config.common import Carrier, Contract, Direction, TargetBasis
from footprint.emissions import (
    FactorRestatement,
    compute_emissions,
    restate_for_factor_lists,
)
from footprint.factors.loader import load_factor_list
from footprint.factors.own import write_factor_template
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import Half, add_months
from footprint.queries import STATUS_TEXT
from footprint.reports.charts import write_charts
from footprint.reports.html import render_halfyear_html
from footprint.reports.lineage import emission_lines
from footprint.reports.summary import build_summary
from footprint.reports.texts import LABELS_FILE, labels
from footprint.reports.workbook import write_halfyear_workbook
from footprint.resources import close_warehouses, warehouse

DATA = Path(__file__).parents[2] / "footprint" / "data"

# Check digits worked out with footprint.ean (GS1): the last digit makes each valid.
EL, PV, GAS, HEAT, WATER, QUARTER = ("871687120000000035", "871687120000000042", "871687140000000019",
                                     "871687160000000017", "871687180000000015", "871687120000000059")
CONFIG = {
    "organisation": "Bakkerij Zuid B.V.",
    "base_year": 2025,
    "years": {2025: {"revenue_eur": 2_000_000, "fte": 20}},
    "sites": [{"id": "zuid", "name": "Bakkerij"}],
    "meters": [
        {"ean": EL, "carrier": "electricity", "site": "zuid", "contract": "grey"},
        {"ean": PV, "carrier": "electricity", "site": "zuid", "direction": "generation"},
        {"ean": GAS, "carrier": "natural_gas", "site": "zuid"},
        {"ean": HEAT, "carrier": "district_heat", "site": "zuid"},
        {"ean": WATER, "carrier": "water", "site": "zuid"},
        {"ean": QUARTER, "carrier": "electricity", "site": "zuid", "contract": "green_gvo_nl"},
    ],
    "vehicles": [
        {"plate": "VGH-42-K", "site": "zuid", "fuel": "diesel", "tank_litres": 80},
        {"plate": "VGH-43-K", "site": "zuid", "fuel": "petrol"},
        {"plate": "VGH-44-K", "site": "zuid", "fuel": "lpg"},
        {"plate": "VGH-45-K", "site": "zuid", "fuel": "cng"},
        {"plate": "VGH-46-K", "site": "zuid", "fuel": "hvo100"},
    ],
    "targets": [{"id": "s1", "ladder_scope": 1, "target_year": 2030, "reduction_pct": 30, "basis": "absolute"}],
    "measures": [{"id": "M1", "description": "Bestelbussen elektrisch", "owner": "Wagenpark", "due": "2025-03",
                  "ladder_scope": 1, "expected_saving_kg_co2e": 1000, "status": "in_progress"}],
    "projects": [{"id": "p1", "name": "Nieuwbouw", "client": "Gemeente Gouda",
                  "vehicles": [{"plate": "VGH-42-K", "share_pct": 50}], "sites": [{"site": "zuid", "share_pct": 10}],
                  "suppliers": [{"source": "flights", "share_pct": 25}]}],
    "expected_sources": [{"source": "flights"}, {"source": "private_car"}, {"source": "train"},
                         {"source": "supplier_reported", "rhythm": "quarterly"}],
}
FUEL = """Datum;Tijd;Kaartnummer;Kenteken;Bestuurder;Station;Product;Hoeveelheid;Eenheid;Prijs per eenheid;Bedrag;Valuta;Kilometerstand
03-03-2025;07:42;7083540100012001;VGH-42-K;Jan Jansen;Tankstation Zuid;Diesel;50,00;L;1,859;92,95;EUR;123456
04-03-2025;08:00;7083540100012002;VGH-43-K;Jan Jansen;Tankstation Zuid;Euro 95;40,00;L;1,959;78,36;EUR;2000
05-03-2025;09:00;7083540100012003;VGH-44-K;Jan Jansen;Tankstation Zuid;LPG;30,00;L;0,959;28,77;EUR;3000
06-03-2025;10:00;7083540100012004;VGH-45-K;Jan Jansen;Tankstation Zuid;CNG;10,00;kg;1,500;15,00;EUR;4000
07-03-2025;11:00;7083540100012005;VGH-46-K;Jan Jansen;Tankstation Zuid;HVO100;20,00;L;2,100;42,00;EUR;5000
07-03-2025;11:12;7083540100012005;VGH-46-K;Jan Jansen;Tankstation Zuid;Wasstraat;1;st;14,95;14,95;EUR;-
"""
METERS = f"""EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status
{EL};Elektriciteit;01-03-2025;01-04-2025;1.000;kWh;Levering;Normaal;Gemeten
{EL};Elektriciteit;01-03-2025;01-04-2025;500;kWh;Levering;Dal;Gemeten
{EL};Elektriciteit;01-03-2025;01-04-2025;200;kWh;Teruglevering;Normaal;Gemeten
{PV};Elektriciteit;01-03-2025;01-04-2025;300;kWh;Opwek;Enkel;Gemeten
{GAS};Gas;01-03-2025;01-04-2025;100;m3;Levering;Enkel;Geschat
{HEAT};Warmte;01-03-2025;01-04-2025;10;GJ;Levering;Enkel;Gemeten
{WATER};Water;01-03-2025;01-04-2025;20;m3;Levering;Enkel;Gemeten
"""
FLIGHTS = """Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers
10-03-2025;AMS;LHR;371;Economy;2
11-03-2025;AMS;MAD;1460;Economy;1
12-03-2025;AMS;JFK;5850;Economy;1
"""
MILEAGE = """Datum;Medewerker;Vervoer;Brandstof;Kilometers;Omschrijving
12-03-2025;Piet Pietersen;Auto;Benzine;100;Klantbezoek
13-03-2025;Piet Pietersen;Auto;Diesel;50;Klantbezoek
14-03-2025;Piet Pietersen;Auto;Elektrisch;80;Klantbezoek
15-03-2025;Piet Pietersen;Auto;Onbekend;30;Klantbezoek
16-03-2025;Piet Pietersen;Trein;;120;Beurs
"""
SUPPLIER = """Leverancier;Periode;Categorie;Omschrijving;Hoeveelheid;Eenheid;kg CO2e;Methode;Datakwaliteit
Hygiena B.V.;2025-03;1;Schoonmaakmiddelen;100;kg;250,5;leverancierspecifiek;primair
"""


def _quarter_hours() -> str:
    """QUARTER's 15-minute rows from 1 March 00:00 to 6 March 14:00: a partial month."""
    start = pd.Timestamp("2025-03-01").tz_localize("Europe/Amsterdam")
    lines = [f"EAN;{QUARTER}", "Begin;Einde;Verbruik;Eenheid;Richting;Status"]
    for i in range(536):
        begin, end = start + pd.Timedelta(minutes=15 * i), start + pd.Timedelta(minutes=15 * (i + 1))
        lines.append(f"{begin.isoformat()};{end.isoformat()};0,25;kWh;Levering;Gemeten")
    return "\n".join(lines) + "\n"


FILES = {"tankpas.csv": FUEL, "meterstanden.csv": METERS, "vluchten.csv": FLIGHTS, "declaraties.csv": MILEAGE,
         "leveranciers.csv": SUPPLIER, "kwartier.csv": _quarter_hours()}
MARCH = dt.date(2025, 3, 1)


def _own_list(folder: Path) -> Path:
    """An own 2025 list holding diesel only (3.262 kg/l): every other factor falls back to the 2026 list."""
    path = next(p for p in write_factor_template(folder, 2025, dt.date(2025, 3, 1)) if p.suffix == ".csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = rows[1]
    for row in rows[2:]:
        if row[0] == "fuel:diesel":
            row[header.index("kg CO2e per unit")], row[header.index("source")] = "3,262", "leverancier"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return path


def _alerts(ws) -> list:
    """One alert of every rule, from the rules' own functions on figures made for them."""
    config = ws.org.alerts
    months = [add_months(MARCH, -i) for i in range(36, -1, -1)]
    flat = [100.0] * 36
    series = {  # subject: its monthly values; March 2025 last
        EL: [*flat, 300.0],  # month-on-month only (other thresholds off)
        GAS: [*[100.0] * 24, 40.0, *[100.0] * 12],  # year-on-year only: March 2024 was 40
        "VGH-43-K": [100.0 + (i % 3) for i in range(36)] + [400.0],  # outlier against its own history
        HEAT: [*flat, 260.0],  # seasonal outlier
        WATER: [*flat, 5.0],  # use on an inactive meter
        f"{EL}:feed_in": [*flat, 250.0],  # year-on-year and month-on-month: one alert, the other in "also"
    }
    wide = pd.DataFrame.from_dict(series, orient="index", columns=months)
    off = AlertThresholds(mom_pct=None, yoy_pct=None, zscore=None)
    subjects = pd.DataFrame.from_dict({
        EL: subject_row("meter", "meter", "kWh", off.model_copy(update={"mom_pct": 50.0})),
        GAS: subject_row("meter", "meter", "m3", off.model_copy(update={"yoy_pct": 50.0})),
        "VGH-43-K": subject_row("vehicle", "vehicle", "l", off.model_copy(update={"zscore": 3.5})),
        HEAT: subject_row("meter", "meter", "GJ", off.model_copy(update={"zscore": 3.5}), seasonal=True),
        WATER: subject_row("meter", "meter", "m3", off, active=False),
        f"{EL}:feed_in": subject_row("meter", "meter", "kWh", AlertThresholds(zscore=None)),
    }, orient="index")
    found = judge_values(wide, subjects, MARCH, config)
    fuellings = pd.DataFrame([{"plate": "VGH42K", "period": MARCH, "transaction_at": pd.Timestamp(
        "2025-03-03 06:42", tz="UTC"), "quantity": 120.0, "station": "Tankstation Zuid", "file_name": "tankpas.csv",
        "source_row": 2}])
    found += tank_alerts(fuellings, {"VGH42K": 80.0}, pd.DataFrame(), config)
    deliveries = pd.DataFrame([{"kind": "meter", "subject": PV, "period": add_months(MARCH, -i), "files": 1}
                               for i in range(2, 6)]
                              + [{"kind": "supplier", "subject": "Hygiena B.V.", "period": add_months(MARCH, -i),
                                  "files": 1} for i in range(2, 6)])
    found += missing_alerts(deliveries, {PV: ("meter", True), "Hygiena B.V.": ("supplier", True)}, MARCH, config)
    files = pd.DataFrame([{"file_name": "tankpas.csv", "dataset": "fuel_transactions", "rows_read": 40,
                           "rows_quarantined": 10, "message": None},
                          {"file_name": "kapot.csv", "dataset": "meter_usage", "rows_read": None,
                           "rows_quarantined": None, "message": "not a CSV file"}])
    shares = pd.DataFrame({"dataset": ["fuel_transactions"], "period": [MARCH], "share_pct": [25.0]})
    found += quarantine_alerts(files, shares, MARCH, config)
    kg = pd.DataFrame([{"year": y, "month": 3, "ladder_scope": 1, "kg": v} for y, v in ((2024, 100.0), (2025, 150.0))])
    found += target_alerts(kg, ws.org.model_copy(update={"base_year": 2024}), dt.date(2025, 6, 1))
    restated = [FactorRestatement("2025-03", "own-2025-20250301", "co2ef-2026-20260820", 100.0, 400.0)]
    found += [replace(a, period="2025-03") for a in factor_restatement_alerts(ws, restated)]
    return consolidate(found)


def _restatements(ws) -> None:
    """One restatement of each kind, as the pipeline and `footprint reprocess` write them."""
    rows = [("corrected_file", "tankpas.csv", None, None), ("factor_list", None, "co2ef-2026-20260820",
                                                           "own-2025-20250301, co2ef-2026-20260820"),
            ("reprocessed", "meterstanden.csv", None, None)]
    with warehouse(ws).begin() as conn:
        for kind, name, old, new in rows:
            conn.execute(sa.text(
                "INSERT INTO restatements (restatement_id, kind, period, file_name, old_factor_lists, new_factor_lists,"
                " old_kg_co2e, new_kg_co2e, restated_at) VALUES (:id, :kind, DATE '2025-03-01', :name, :old, :new, "
                "100, 90, CURRENT_TIMESTAMP)"), {"id": uuid.uuid4().hex, "kind": kind, "name": name, "old": old,
                                                  "new": new})


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def reports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_database):
    """The company's 2025H1 summary and its HTML and workbook in both languages: {lang: (summary, html, book)}."""
    root = tmp_path_factory.mktemp("language") / "co"

    def build(url: str):
        ws = make_company(root, url, FILES, **CONFIG)
        load_files(ws, "2025-03", pull_inbox(ws, "2025-03").paths)
        compute_emissions(ws, "2025-03")
        load_factor_list(warehouse(ws), _own_list(root.parent / "own"))
        restate_for_factor_lists(ws)
        _restatements(ws)
        stored = record(ws, _alerts(ws))
        set_status(ws, stored[0].alert_id, "explained", "Nieuwe oven in gebruik genomen", "kam")
        with warehouse(ws).begin() as conn:  # as footprint closes an alert whose cause went away
            conn.execute(sa.text("UPDATE alerts SET status = 'resolved', noted_by = 'footprint', note = :why "
                                 "WHERE alert_id = :id"), {"id": stored[1].alert_id, "why": "no longer found"})
        summary = build_summary(ws, "2025H1")
        lines = emission_lines(ws, Half.parse("2025H1"))
        out = {}
        for lang in ("nl", "en"):
            html = render_halfyear_html(summary, write_charts(summary, root / f"charts_{lang}", lang), lang)
            book = openpyxl.load_workbook(write_halfyear_workbook(summary, lines, root / f"report_{lang}.xlsx", lang))
            out[lang] = (summary, html, book)
        return out

    if request.param == "duckdb":
        yield build(f"duckdb:///{root / 'warehouse.duckdb'}")
    else:
        with postgres_database(f"footprint_language_{os.getpid()}") as url:
            yield build(url)
            close_warehouses()
    close_warehouses()


def _outputs(values: object) -> set[str]:
    """The codes a vocabulary section maps provider words to (booleans are no codes)."""
    if isinstance(values, dict):
        return set().union(*(_outputs(v) for v in values.values())) if values else set()
    if isinstance(values, list):
        return set().union(*(_outputs(v) for v in values)) if values else set()
    return {values} if isinstance(values, str) else set()


def all_codes() -> set[str]:
    """Every code footprint stores or configures that a reader might see."""
    mapping = yaml.safe_load((DATA / "activity_factors.yaml").read_text(encoding="utf-8"))["activities"]
    vocabulary = yaml.safe_load((DATA / "vocabulary.yaml").read_text(encoding="utf-8"))
    codes = {a["source"] for a in mapping.values()} | {a["unit"] for a in mapping.values()}
    codes |= {a["list_unit"] for a in mapping.values() if a["list_unit"]}
    codes |= _outputs(vocabulary) | set(schemas.DATASETS) | set(RULES) | set(STATUSES) | set(SEVERITIES)
    codes |= {e.value for enum in (Carrier, Contract, Direction, MeasureStatus, Rhythm, TargetBasis) for e in enum}
    codes |= {"corrected_file", "factor_list", "reprocessed"} | set(STATUS_TEXT)  # restatement kinds, coverage
    return codes


class _Visible(HTMLParser):
    """The text a reader sees: body text and image alt texts, without style, title and data values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title", "script") or ("class", "data") in attrs:
            self.hidden.append(tag)
        elif self.hidden and tag == self.hidden[-1]:
            self.hidden.append(tag)  # nested alike inside a hidden element
        if tag == "img" and not self.hidden:
            self.parts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_html(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


# Workbook columns whose cells are data values: names, files, ids, free text the user wrote.
DATA_COLUMNS = ("file_name", "subject", "factor_name", "list_source", "source_file", "stored_path", "file_sha256",
                "activity_id", "factor_id", "list_id", "source_format", "id", "name", "client", "description",
                "owner", "note", "noted_by", "site_id", "restatement_id")


def visible_workbook(book: openpyxl.Workbook, lang: str) -> str:
    """Every text cell of every sheet, sheet names included, but for the cells under a data column's header
    and the organisation's name on the overview."""
    L = labels(lang)
    data_headers = {L[f"col.{c}"] for c in DATA_COLUMNS} - {L["col.activity_table"]}
    texts = list(book.sheetnames)
    for sheet in book:
        skip: set[int] = set()
        for row in sheet.iter_rows(values_only=True):
            if row and row[0] == L["xl_organisation"]:
                continue
            if any(isinstance(v, str) and v in data_headers for v in row):
                skip = {i for i, v in enumerate(row) if v in data_headers}
            texts += [v for i, v in enumerate(row) if isinstance(v, str) and i not in skip]
    return "\n".join(texts)


def _raw_codes(text: str, lang: str) -> dict[str, list[str]]:
    """Codes appearing as whole words, except those the language's own labels use as words (kWh, kg, open)."""
    own_words = " ".join(labels(lang).values())
    found = {}
    for code in sorted(all_codes()):
        word = re.compile(rf"(?<![\w.-]){re.escape(code)}(?![\w-])")
        if word.search(own_words):
            continue
        hits = [text[max(m.start() - 40, 0):m.end() + 40] for m in word.finditer(text)]
        if hits:
            found[code] = hits[:3]
    return found


GIVEAWAYS = [r"\bmissing\b", r"\bconsumption\b", r"\bquarantined\b", r"\brestated\b", r"\bthe\s", r"\sof\s"]


def _english(text: str) -> dict[str, list[str]]:
    found = {}
    for pattern in GIVEAWAYS:
        hits = [text[max(m.start() - 40, 0):m.end() + 40] for m in re.finditer(pattern, text, re.IGNORECASE)]
        if hits:
            found[pattern] = hits[:3]
    return found


def test_the_company_has_everything_the_test_needs(reports) -> None:
    """The search below proves something only if the report shows every kind of code."""
    summary = reports["nl"][0]
    sources = {r["source"] for r in summary["emissions"]["by_source"]}
    mapping = yaml.safe_load((DATA / "activity_factors.yaml").read_text(encoding="utf-8"))["activities"]
    assert sources == {a["source"] for a in mapping.values()}
    energy = summary["energy"]["by_carrier"]
    assert {r["carrier"] for r in energy} >= {c.value for c in Carrier}
    assert {r["direction"] for r in energy} == {d.value for d in Direction}
    units = {r["unit"] for r in summary["emissions"]["by_source"]} | {r["unit"] for r in energy}
    assert units >= {"l", "kg", "m3", "kWh", "GJ", "pkm", "km", "kg_co2e"}
    assert {a["rule"] for a in summary["alerts"]} == set(RULES)
    assert {a["status"] for a in summary["alerts"]} >= {"open", "explained", "resolved"}
    assert {r["kind"] for r in summary["restatements"]} == {"corrected_file", "factor_list", "reprocessed"}
    assert summary["missing"]["partial_count"] == 1
    assert {i["source"] for i in summary["missing"]["items"] if i["kind"] == "source"} == {
        "flights", "private_car", "train", "supplier_reported"}
    year = summary["factor_years"][0]
    assert {r["reason"] for f in year["fallbacks"] for r in f["reasons"]} >= {"factor", "calorific"}
    assert any(a.get("evidence", {}).get("also") for a in summary["alerts"])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_code_in_the_html(reports, lang: str) -> None:
    text = visible_html(reports[lang][1])
    assert "4. " in text and len(text) > 5000
    assert _raw_codes(text, lang) == {}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_code_in_the_workbook(reports, lang: str) -> None:
    text = visible_workbook(reports[lang][2], lang)
    assert _raw_codes(text, lang) == {}


def test_no_english_in_the_dutch_report(reports) -> None:
    _, html, book = reports["nl"]
    assert _english(visible_html(html)) == {}
    assert _english(visible_workbook(book, "nl")) == {}


def test_the_search_finds_what_it_looks_for() -> None:
    """A raw code, an English sentence and a code inside marked data: the first two are found, the last not."""
    page = ('<body><p>natural_gas 3 m3</p><p>The meter of the site is missing</p>'
            '<span class="data">natural_gas.csv</span><img alt="kg_co2e"></body>')
    text = visible_html(page)
    assert set(_raw_codes(text, "nl")) == {"natural_gas", "m3", "kg_co2e", "missing"}
    assert set(_english(text)) == {r"\bmissing\b", r"\bthe\s", r"\sof\s"}
    assert "natural_gas.csv" not in text


def test_every_label_has_both_languages_and_every_code_group_is_labelled() -> None:
    entries = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    assert [k for k, texts in entries.items() if set(texts) != {"en", "nl"} or not all(texts.values())] == []
    mapping = yaml.safe_load((DATA / "activity_factors.yaml").read_text(encoding="utf-8"))["activities"]
    wanted = ({f"source.{a['source']}" for a in mapping.values()} | {f"unit.{a['unit']}" for a in mapping.values()}
              | {f"activity.{key}" for key in mapping} | {f"dataset.{d}" for d in schemas.DATASETS}
              | {f"alert_rule.{r}" for r in RULES} | {f"alert_status.{s}" for s in STATUSES}
              | {f"severity.{s}" for s in SEVERITIES} | {f"carrier.{c.value}" for c in Carrier}
              | {f"direction.{d.value}" for d in Direction} | {f"rhythm.{r.value}" for r in Rhythm}
              | {f"contract.{c.value}" for c in Contract} | {f"coverage.{c}" for c in STATUS_TEXT}
              | {f"alert_title.{r}" for r in RULES} | {f"alert_message.{r}" for r in RULES})
    assert sorted(wanted - set(entries)) == []


def test_dutch_alerts_are_worded_from_their_evidence(reports) -> None:
    html = reports["nl"][1]
    text = re.sub(r"\s+", " ", visible_html(html))
    assert "Voertuig : een tankbeurt van 120 l is meer dan de tank van 80 l" in text  # plate marked as data
    assert "gesloten door footprint" in text and "opgelost (de oorzaak is weg)" in text
    english = re.sub(r"\s+", " ", visible_html(reports["en"][1]))
    assert "no longer found" in english and "resolved (its cause is gone)" in english


USED_KEYS = {"fuel:diesel", "fuel:petrol", "fuel:lpg", "fuel:cng", "fuel:hvo100", "natural_gas", "electricity:grey",
             "electricity:green_gvo_nl", "district_heat", "flight:short", "flight:medium", "flight:long",
             "private_car:petrol", "private_car:diesel", "private_car:electric", "private_car:unknown",
             "train:electric"}  # March's activity keys with a factor (supplier_reported has none)


def test_section_6_names_the_list_applied_and_each_factor_from_another_list(reports) -> None:
    """The own 2025 list holds diesel alone: every other key's factor, and diesel's calorific value, come from
    the 2026 list; the own list is the one the per-year policy applies to 2025."""
    summary, html, _ = reports["nl"]
    [year] = summary["factor_years"]
    own = {"list_id": "own-2025-20250301", "kind": "own", "list_year": 2025, "version": "01-03-2025"}
    assert (year["year"], year["applied_list"], year["list_of_its_own"], year["year_notes"]) == (2025, own, True, [])
    reasons = {f["activity_key"]: [r["reason"] for r in f["reasons"]] for f in year["fallbacks"]}
    assert reasons == {**{key: ["factor"] for key in USED_KEYS - {"fuel:diesel"}}, "fuel:diesel": ["calorific"]}
    text = re.sub(r"\s+", " ", visible_html(html))
    assert "Jaar 2025: toegepaste lijst eigen factorenlijst 2025 (versie 01-03-2025)" in text
    assert ("eigen factorenlijst 2025 (versie 01-03-2025) heeft geen factor voor LPG; overgenomen uit "
            "co2emissiefactoren.nl 2026 (versie 20-08-2026)") in text
    assert "geeft geen stookwaarde voor (35,9 MJ/liter)" in text  # 'Diesel B7' is data, marked as such
    english = re.sub(r"\s+", " ", visible_html(reports["en"][1]))
    assert ("own factor list 2025 (version 01-03-2025) has no factor for LPG; taken from co2emissiefactoren.nl "
            "2026 (version 20-08-2026)") in english


def test_data_in_an_alert_sentence_stays_escaped() -> None:
    """A supplier's name is data: escaped inside the Dutch sentence, never markup."""
    from footprint.reports.alert_texts import alert_text
    from footprint.reports.texts import texts

    alert = {"rule": "missing", "subject": "<script>x</script> B.V.", "period": "2025-02-01",
             "evidence": {"cadence_months": 3, "last_delivered": "2024-11"}, "about": {"kind": "supplier"}}
    title, message = alert_text(alert, texts("nl"))
    assert str(title) == ('Leverancier <span class="data">&lt;script&gt;x&lt;/script&gt; B.V.</span>: '
                          "geen levering sinds 2024-11")
    assert "elke 3 maanden tot en met 2024-11" in str(message) and "<script>" not in str(message)
    plain_title, _ = alert_text(alert, texts("nl", html=False))
    assert plain_title == "Leverancier <script>x</script> B.V.: geen levering sinds 2024-11"
