"""Annual public summary: figures by hand, one A4 page, no internal detail, both languages, CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from company_files import ALL_FILES, ELECTRICITY_EAN, GAS_EAN, write_company
from pypdf import PdfReader
from typer.testing import CliRunner

from footprint.config.workspace import Settings, Workspace, open_workspace
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.reports.public import public_summary
from footprint.reports.summary import build_summary
from footprint.reports.write import write_public_report
from footprint.resources import close_warehouses
from footprint_cli import app

TARGETS = [
    {"id": "s1_rev", "ladder_scope": 1, "target_year": 2026, "reduction_pct": 30, "basis": "per_revenue"},
    {"id": "s2_abs", "ladder_scope": 2, "target_year": 2026, "reduction_pct": 50, "basis": "absolute"},
]
YEARS = {2024: {"revenue_eur": 1_000_000, "fte": 10}, 2025: {"revenue_eur": 2_000_000, "fte": 20}}
# Grey power in the base year 2024, Dutch wind with guarantees of origin from 2025.
METERS = [
    {"ean": ELECTRICITY_EAN, "carrier": "electricity", "site": "hq", "contract": "grey",
     "contract_from": {"2025-01": "green_gvo_nl"}},
    {"ean": GAS_EAN, "carrier": "natural_gas", "site": "hq"},
]

# March of each year, the same files (tests/company_files.py), quantity x factor of the 2026 list, by hand.
SCOPE_1 = 50 * 3.251 - 10 * 2.794 + 100 * 2.134
TRAVEL = 2 * 371 * 0.234 + 100 * 0.224
SCOPE_2_BASE = 1000 * 0.483 + TRAVEL
SCOPE_2 = 1000 * 0.0 + TRAVEL  # green power counts 0
SCOPE_3 = 250.5
TOTAL_BASE, TOTAL = SCOPE_1 + SCOPE_2_BASE + SCOPE_3, SCOPE_1 + SCOPE_2 + SCOPE_3

# What a public page must never show: plates, EANs, card numbers, drivers, file and supplier names, sites.
INTERNAL = ["VGH-42-K", "VGH42K", ELECTRICITY_EAN, GAS_EAN, "7083540100012001", "Jan de Vries", "Piet Jansen",
            "fuel.csv", "meters.csv", "co2.csv", "Hygiena", "Kantoor", "Shell", "quarantine", "Quarantaine",
            "co2emissiefactoren_nl_2026.xlsx", "s1_rev"]

runner = CliRunner()


@pytest.fixture(scope="module")
def public_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("public") / "co"
    config = write_company(root, ALL_FILES, base_year=2024, years=YEARS, targets=TARGETS, meters=METERS)
    ws = open_workspace(config, Settings(pseudonym_key="test-key"))
    inbox = Path(ws.inbox) / "2024-03"
    inbox.mkdir(parents=True)
    for name, text in ALL_FILES.items():
        (inbox / name).write_text(text.replace("-2025", "-2024").replace("2025-03", "2024-03"), encoding="utf-8")
    for period in ("2024-03", "2025-03"):
        load_files(ws, period, pull_inbox(ws, period).paths)
        compute_emissions(ws, period)
    yield ws
    close_warehouses()


def test_figures_in_tonnes_by_hand(public_ws: Workspace) -> None:
    s = public_summary(public_ws, "2025H2")
    assert (s["organisation"], s["year"], s["year_to_date"], s["base_year"]) == ("Klein B.V.", 2025, False, 2024)
    assert s["emissions_t_co2e"] == pytest.approx(
        {"scope_1": SCOPE_1 / 1000, "scope_2": SCOPE_2 / 1000, "scope_3": SCOPE_3 / 1000, "total": TOTAL / 1000})
    assert s["base_year_emissions_t_co2e"] == pytest.approx(
        {"scope_1": SCOPE_1 / 1000, "scope_2": SCOPE_2_BASE / 1000, "scope_3": SCOPE_3 / 1000,
         "total": TOTAL_BASE / 1000})
    change = s["change_vs_base_year_pct"]
    assert change["absolute"]["scope_1"] == 0.0  # float noise around zero is tidied, never "-0.0 %"
    assert change["absolute"]["total"] == pytest.approx((TOTAL / TOTAL_BASE - 1) * 100)
    # Revenue doubled: 2 million EUR in 2025 against 1 million in 2024.
    assert change["per_million_eur_revenue"]["total"] == pytest.approx(((TOTAL / 2) / TOTAL_BASE - 1) * 100)
    assert s["t_co2e_per_million_eur"]["current"]["total"] == pytest.approx(TOTAL / 1000 / 2)
    targets = {t["ladder_scope"]: t for t in s["targets"]}
    # Scope 1 per revenue: -50 % achieved; the path asks 30 % x 1/2 = 15 % in 2025.
    assert targets[1]["achieved_reduction_pct"] == pytest.approx(50) and targets[1]["expected_reduction_pct"] == 15
    assert targets[1]["on_track"] is True
    assert targets[2]["achieved_reduction_pct"] == pytest.approx((1 - SCOPE_2 / SCOPE_2_BASE) * 100)
    assert s["green_electricity"] == {"share_pct": 100.0, "purchased_kwh": 1000.0, "green_kwh": 1000.0,
                                      "own_generation_kwh": 0.0}
    assert s["data_complete"] is False and "2025-01" in s["months_with_gaps"]
    assert s["emissions_t_co2e"]["total"] * 1000 == pytest.approx(
        build_summary(public_ws, "2025H2")["emissions"]["total_kg_co2e"])


def test_first_half_is_the_year_to_date(public_ws: Workspace) -> None:
    s = public_summary(public_ws, "2025H1")
    assert s["year_to_date"] is True and s["period"]["from"] == "2025-01" and s["period"]["to"] == "2025-06"
    assert s["emissions_t_co2e"]["total"] == pytest.approx(TOTAL / 1000)
    assert s["base_year"] == 2024 and s["green_electricity"]["share_pct"] == 100.0


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Our CO2 footprint 2025", "Klein B.V.", "Emissions per scope", "Our reduction targets",
                "Green electricity", "100.0 %", "How we count", "not complete"]),
        ("nl", ["Onze CO2-footprint 2025", "Uitstoot per scope", "Onze reductiedoelstellingen", "Groene stroom",
                "100,0 %", "Zo rekenen wij", "nog niet compleet"]),
    ],
)
def test_one_page_without_internal_detail(public_ws: Workspace, tmp_path: Path, lang: str, words: list[str]) -> None:
    paths = write_public_report(public_ws, "2025H2", tmp_path, lang)
    assert set(paths) == {"public.json", "public.html", "public.pdf"}
    assert len(PdfReader(paths["public.pdf"]).pages) == 1
    text = _pdf_text(paths["public.pdf"])
    for word in words:
        assert word in text, word
    published = [text, paths["public.html"].read_text(), paths["public.json"].read_text()]
    for secret in INTERNAL:
        assert not any(secret.lower() in p.lower() for p in published), secret


def test_report_cli_public(prefect_harness: None, public_ws: Workspace, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--half", "2025H1", "--public", "--lang", "en", "--out", str(tmp_path),
                                 "--config", str(public_ws.config_path)])
    assert result.exit_code == 0, result.output
    assert f"public.pdf: {tmp_path / 'public.pdf'}" in result.output
    data = json.loads((tmp_path / "public.json").read_text())
    assert data["half"] == "2025H1" and data["year_to_date"] is True
