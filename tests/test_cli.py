"""The command line: exit codes 0 / 1 / 2 and one clear line instead of a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint_cli import app

runner = CliRunner()


@pytest.fixture
def company(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["init", str(tmp_path / "co"), "--organisation", "Test B.V."])
    assert result.exit_code == 0, result.output
    return tmp_path / "co" / "footprint.yaml"


def test_init_writes_a_valid_config_and_never_overwrites(company: Path) -> None:
    assert (company.parent / ".env").read_text().startswith("FOOTPRINT_PSEUDONYM_KEY=")
    again = runner.invoke(app, ["init", str(company.parent)])
    assert again.exit_code == 2
    assert "never overwrites" in again.output
    status = runner.invoke(app, ["status", "--config", str(company)])
    assert status.exit_code == 0, status.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["ingest", "--period", "2024-13"], id="month-13"),
        pytest.param(["ingest", "--period", "2024-01", "--from", "2024-01"], id="period-and-range"),
        pytest.param(["ingest", "--from", "2024-05", "--to", "2024-01"], id="range-backwards"),
        pytest.param(["ingest"], id="no-period"),
    ],
)
def test_bad_usage_exits_2_without_traceback(company: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--config", str(company)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "error:" in result.output


def test_bad_configuration_exits_2_naming_the_key(company: Path) -> None:
    company.write_text(company.read_text().replace("base_year: 2024", "base_year: 2019"))
    result = runner.invoke(app, ["status", "--config", str(company)])
    assert result.exit_code == 2
    assert "base year 2019" in result.output


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such configuration file" in result.output


def test_factor_file_that_is_not_a_list_exits_with_message(company: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "factors.xlsx"
    bogus.write_bytes(b"not a spreadsheet")
    result = runner.invoke(app, ["factors", "load", str(bogus), "--config", str(company)])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output
    assert "factors.xlsx" in result.output


def test_ingest_prints_one_line_per_file_and_warns_on_quarantine(prefect_harness: None, tmp_path: Path) -> None:
    from company_files import FUEL, METERS, write_company

    config = write_company(tmp_path / "co", {"fuel.csv": FUEL.replace("-10,00;L", "tien;L"), "meters.csv": METERS})
    result = runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "2025-03 " in line]
    assert len(lines) == 2
    assert any("fuel.csv: 3 read, 2 loaded, 1 quarantined, 1 non-fuel excluded" in line for line in lines)
    again = runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)])
    assert again.exit_code == 0
    assert "0 file(s) loaded" in again.output


def test_factors_load_an_older_list_once(company: Path, tmp_path: Path) -> None:
    from company_files import write_list_copy

    older = tmp_path / "co2emissiefactoren_2024.xlsx"
    write_list_copy(older, title="Factoren 2024 dd 15-01-2024", grey_kwh=0.536)  # 2024 value from the reference README
    first = runner.invoke(app, ["factors", "load", str(older), "--year", "2024", "--config", str(company)])
    assert first.exit_code == 0, first.output
    assert "loaded list 2024 version 2024-01-15" in first.output
    again = runner.invoke(app, ["factors", "load", str(older), "--config", str(company)])
    assert again.exit_code == 0
    assert "nothing changed" in again.output
    wrong_year = runner.invoke(app, ["factors", "load", str(older), "--year", "2023", "--config", str(company)])
    assert wrong_year.exit_code == 1
    assert "2023" in wrong_year.output and "Traceback" not in wrong_year.output


def test_template_supplier_writes_files_footprint_reads_back(tmp_path: Path) -> None:
    from footprint.sources.registry import detect_format

    result = runner.invoke(app, ["template", "supplier", "--dir", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.split() if line.endswith((".csv", ".xlsx"))]
    assert {p.suffix for p in written} == {".csv", ".xlsx"}
    assert all(detect_format(p).NAME == "supplier_template" for p in written)


REAL = Path(__file__).parent / "sources" / "real_samples"


def test_parse_writes_canonical_rows_of_a_real_export(tmp_path: Path) -> None:
    out = tmp_path / "gc.csv"
    sample = REAL / "GreenChoice" / "meterstanden_stroom_2023.csv"
    missing = runner.invoke(app, ["parse", str(sample), "--out", str(out)])
    assert missing.exit_code == 2 and "--ean" in missing.output
    result = runner.invoke(app, ["parse", str(sample), "--ean", "871687120058657526", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ean,start,end,quantity,unit,direction,tariff,estimated,source_file,source_row"
    totals: dict[tuple[str, str], float] = {}
    for row in csv.DictReader(lines):
        key = (row["direction"], row["tariff"])
        totals[key] = totals.get(key, 0.0) + float(row["quantity"])
    readings = list(csv.DictReader(sample.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    register = {
        ("consumption", "high"): "StandNormaal",
        ("consumption", "low"): "StandDal",
        ("feed_in", "high"): "TerugleveringNormaal",
        ("feed_in", "low"): "TerugleveringDal",
    }
    # Usage by differencing must add up to the last reading minus the first, per register.
    expected = {k: float(readings[0][col]) - float(readings[-1][col]) for k, col in register.items()}
    assert totals == pytest.approx(expected)
    assert "note:" in result.output


def test_parse_of_an_unknown_file_lists_the_formats_and_exits_2(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Kolom A;Kolom B\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(odd), "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "slimmemeterportal_xlsx" in result.output
    assert f"footprint formats suggest {odd}" in result.output.replace("\n", "")
    assert "meter_exports.profiles" in result.output


def test_report_writes_the_half_year_artefacts_through_the_flow(prefect_harness: None, tmp_path: Path) -> None:
    from company_files import ALL_FILES, write_company

    config = write_company(tmp_path / "co", ALL_FILES)
    assert runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)]).exit_code == 0
    bad = runner.invoke(app, ["report", "--half", "2025-1", "--config", str(config)])
    assert bad.exit_code == 2 and "2025H1" in bad.output
    result = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "co" / "reports" / "2025H1"
    assert {p.name for p in out.iterdir()} >= {"summary.json", "report.xlsx", "report.html", "charts"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["half"] == "2025H1"
    assert "First report of this half year: archived." in result.output
    again = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert "Same figures as the archived report of" in again.output
    corrected = tmp_path / "co" / "inbox" / "2025-03" / "fuel.csv"
    corrected.write_text(corrected.read_text(encoding="utf-8").replace("Diesel;50,00;L", "Diesel;40,00;L"), encoding="utf-8")
    assert runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)]).exit_code == 0
    changed = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert "Changed since the archived report of" in changed.output
    assert "input files: 1 new, 1 no longer used" in changed.output
    archived = sorted((tmp_path / "co" / "raw" / "reports" / "2025H1").iterdir())
    assert len(archived) == 3
    assert all(p.stat().st_mode & 0o222 == 0 for p in archived[0].rglob("*") if p.is_file())


def test_a_query_the_warehouse_cannot_finish_is_one_line_not_a_traceback(
    company: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from footprint import queries

    def out_of_memory(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError(
            "SELECT * FROM v_lineage", {}, Exception("Out of Memory Error: failed to allocate data of size 4.0 KiB\nmore")
        )

    monkeypatch.setattr(queries, "lineage", out_of_memory)
    result = runner.invoke(app, ["explain", "--period", "2025-03", "--config", str(company)])
    assert result.exit_code == 1, result.output
    assert "error: the warehouse could not answer: Out of Memory Error: failed to allocate" in result.output
    assert "Traceback" not in result.output and "more" not in result.output


# --- footprint parse checks every dataset (issue 14) ---------------------------------------------

FUEL_CARD = (
    "Datum;Tijd;Kaartnummer;Kenteken;Bestuurder;Station;Product;Hoeveelheid;Eenheid;Prijs per eenheid;Bedrag;Valuta;"
    "Kilometerstand\n"
    "03-03-2025;07:42;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;62,35;L;1,859;115,91;EUR;123456\n"
    "05-03-2025;10:00;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;-12,35;L;1,859;-22,96;EUR;-\n"
    "06-03-2025;09:00;7083540100099002;AB-123-C;Piet Jansen;Esso Houten;Euro 95;30,00;L;2,10;63,00;EUR;5000\n"
    "06-03-2025;09:05;7083540100099002;AB-123-C;Piet Jansen;Esso Houten;Wasstraat;1;st;14,95;14,95;EUR;-\n"
    "07-03-2025;18:00;7083540100099002;AB-123-C;Piet Jansen;Esso Houten;Premium [X] Diesel;10;L;2,00;20,00;EUR;-\n"
)
CARDS = ("7083540100012001", "7083540100099002")
DRIVERS = ("Jan de Vries", "Piet Jansen")
PLACEHOLDER_ENGIE = (
    '"Datum","EAN","Verbruik","Type","Piek"\n'
    '"2025-03-01T00:00:00+01:00","XXXXXXXXXXXXXXXXXX","0.5","Elektriciteit","true"\n'
    '"2025-03-01T00:00:00+01:00","XXXXXXXXXXXXXXXXXX","0.25","Teruglevering","true"\n'
    '"2025-03-01T01:00:00+01:00","XXXXXXXXXXXXXXXXXX","0.75","Elektriciteit","false"\n'
    '"2025-03-01T01:00:00+01:00","XXXXXXXXXXXXXXXXXX","1.25","Elektriciteit","true"\n'
)
GIVEN_EAN = "871687120000000004"
PSEUDONYM_KEY = "parse-test-key"


def _org(folder: Path, extra: str = "") -> Path:
    """A minimal footprint.yaml of its own, so the test knows every key and product in it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "footprint.yaml"
    config.write_text(
        "organisation: Parse B.V.\nbase_year: 2025\nyears: {2025: {revenue_eur: 1000000, fte: 10}}\n"
        "sites: [{id: hq, name: Head office}]\n" + extra,
        encoding="utf-8",
    )
    return config


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_parse_fuel_card_prints_totals_per_product_and_masks_personal_data(tmp_path: Path) -> None:
    card = tmp_path / "tankpas [bold]maart.csv"  # Rich would read the brackets as markup
    card.write_text(FUEL_CARD, encoding="utf-8")
    out = tmp_path / "fuel.csv"
    result = runner.invoke(app, ["parse", str(card), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "tankpas [bold]maart.csv: fuelcard_nl_portal (fuel_transactions), 5 row(s) read"
    assert "  Diesel: 2 rows, total 50 l -> diesel" in lines  # 62,35 - 12,35
    assert "  Euro 95: 1 row, total 30 l -> petrol" in lines
    assert "  Wasstraat: 1 row, total 1 pcs -> not fuel: car wash" in lines
    unmapped = next(line for line in lines if line.startswith("  Premium [X] Diesel: 1 row, total 10 l -> unmapped:"))
    assert 'add to footprint.yaml fuel_cards: {products: {"Premium [X] Diesel": ' in unmapped
    written = out.read_text(encoding="utf-8")
    assert not any(clear in written for clear in (*CARDS, *DRIVERS))
    rows = _csv_rows(out)
    assert [r["card_number"] for r in rows] == ["*" * 12 + "2001"] * 2 + ["*" * 12 + "9002"] * 3
    assert [r["driver"] for r in rows] == ["*" * 8 + "ries"] * 2 + ["*" * 7 + "nsen"] * 3
    assert rows[0]["transaction_at"] == "2025-03-03T07:42:00+01:00" and rows[0]["period"] == "2025-03-01"
    assert [float(r["quantity"]) for r in rows] == [62.35, -12.35, 30.0, 1.0, 10.0]
    assert list(rows[0])[-2:] == ["source_file", "source_row"]


def test_parse_with_config_maps_the_organisation_s_products_and_pseudonymises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import hmac

    monkeypatch.setenv("FOOTPRINT_PSEUDONYM_KEY", PSEUDONYM_KEY)
    config = _org(tmp_path / "co", 'fuel_cards: {products: {"Premium [X] Diesel": diesel}}\n')
    card = tmp_path / "card.csv"
    card.write_text(FUEL_CARD, encoding="utf-8")
    out = tmp_path / "fuel.csv"
    result = runner.invoke(app, ["parse", str(card), "-c", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "  Premium [X] Diesel: 1 row, total 10 l -> diesel" in result.output.splitlines()
    expected = {c: hmac.new(PSEUDONYM_KEY.encode(), c.encode(), hashlib.sha256).hexdigest()[:16] for c in CARDS}
    assert [r["card_number"] for r in _csv_rows(out)] == [expected[CARDS[0]]] * 2 + [expected[CARDS[1]]] * 3
    assert "pseudonymised" in result.output


def test_parse_detects_the_organisation_s_own_fuel_card_profile(tmp_path: Path) -> None:
    folder = tmp_path / "co"
    config = _org(folder, "fuel_cards: {profiles: [acme.yaml]}\n")
    (folder / "acme.yaml").write_text(
        "name: acme_card\ndescription: Acme fleet card export\nlayout: delimited\ndelimiter: '|'\ndecimal: '.'\n"
        "date_formats: ['%Y-%m-%d']\nsignature: [transaction_date, plate, product, quantity]\n"
        "unit: {default: l}\n"
        "fields:\n  transaction_date: {header: Date, required: true}\n  plate: {header: Plate, required: true}\n"
        "  product: {header: Fuel, required: true}\n  quantity: {header: Litres, required: true}\n",
        encoding="utf-8",
    )
    card = tmp_path / "acme.txt"
    card.write_text("Date|Plate|Fuel|Litres\n2025-03-03|VGH-42-K|Diesel|40.5\n2025-03-09|VGH-42-K|Diesel|20\n")
    unknown = runner.invoke(app, ["parse", str(card)])
    assert unknown.exit_code == 2 and "not a known source format" in unknown.output
    result = runner.invoke(app, ["parse", str(card), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "acme.txt: acme_card (fuel_transactions), 2 row(s) read" in result.output
    assert "  Diesel: 2 rows, total 60.5 l -> diesel" in result.output.splitlines()  # 40.5 + 20


def test_parse_supplier_template_totals_per_activity_type(tmp_path: Path) -> None:
    filled = tmp_path / "leverancier.csv"
    filled.write_text(
        "footprint template;supplier_statements;version 1\n"
        "Leverancier;Periode;Scope 3 categorie;Omschrijving;Hoeveelheid;Eenheid;Gerapporteerd kg CO2e;Methode;"
        "Datakwaliteit\n"
        "Hygiëna B.V.;2025-01;1;Schoonmaakmiddelen;1.112;kg;1.979,36;LCA;primair\n"
        "Hygiëna B.V.;2025-01;1;Werkkleding;42;st;319,20;spend-based;secundair\n"
        "Hygiëna B.V.;2025-02;1;Papier;300;kg;;;primair\n",
        encoding="utf-8",
    )
    out = tmp_path / "activity.csv"
    result = runner.invoke(app, ["parse", str(filled), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "leverancier.csv: supplier_template (supplier_activity), 3 row(s) read" in result.output
    # 1.979,36 + 319,20 = 2298.56; the third row reports no kg CO2e
    assert (
        "  supplier_reported: 3 rows, total 2298.56 kg_co2e (1 without a readable quantity)"
        in result.output.splitlines()
    )
    rows = _csv_rows(out)
    assert list(rows[0]) == [
        "period", "activity_date", "supplier", "activity_type", "description", "quantity", "unit", "distance_km",
        "ghg_category", "reported_kg_co2e", "method", "data_quality", "source_file", "source_row",
    ]
    assert [(r["period"], r["quantity"], r["source_row"]) for r in rows] == [
        ("2025-01-01", "1979.36", "3"), ("2025-01-01", "319.2", "4"), ("2025-02-01", "", "5"),
    ]
    assert rows[0]["description"] == "Schoonmaakmiddelen (1.112 kg)" and rows[0]["activity_date"] == ""


def test_parse_utility_file_with_a_placeholder_ean(tmp_path: Path) -> None:
    export = tmp_path / "engie_2025.csv"
    export.write_text(PLACEHOLDER_ENGIE, encoding="utf-8")
    refused = runner.invoke(app, ["parse", str(export)])
    assert refused.exit_code == 2
    assert "--ean" in refused.output and "files" in refused.output
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["parse", str(export), "--ean", GIVEN_EAN, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"  {GIVEN_EAN} consumption high: 2 rows, total 1.75 kWh" in lines  # 0.5 + 1.25
    assert f"  {GIVEN_EAN} consumption low: 1 row, total 0.75 kWh" in lines
    assert f"  {GIVEN_EAN} feed_in high: 1 row, total 0.25 kWh" in lines
    rows = _csv_rows(out)
    assert {r["ean"] for r in rows} == {GIVEN_EAN}
    assert [(r["direction"], r["unit"], float(r["quantity"])) for r in rows] == [
        ("consumption", "kWh", 0.5), ("feed_in", "kWh", 0.25), ("consumption", "kWh", 0.75),
        ("consumption", "kWh", 1.25),
    ]


def test_parse_with_config_takes_the_ean_of_the_meter_the_file_is_assigned_to(tmp_path: Path) -> None:
    config = _org(
        tmp_path / "co",
        f"meters: [{{ean: '{GIVEN_EAN}', carrier: electricity, site: hq, contract: grey, files: ['engie_*.csv']}}]\n",
    )
    export = tmp_path / "engie_2025.csv"
    export.write_text(PLACEHOLDER_ENGIE, encoding="utf-8")
    result = runner.invoke(app, ["parse", str(export), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert f"  {GIVEN_EAN} consumption high: 2 rows, total 1.75 kWh" in result.output.splitlines()
    other = tmp_path / "other.csv"
    other.write_text(PLACEHOLDER_ENGIE, encoding="utf-8")
    assert runner.invoke(app, ["parse", str(other), "-c", str(config)]).exit_code == 2  # no pattern takes it


def test_parse_errors_print_file_names_as_written(tmp_path: Path) -> None:
    odd = tmp_path / "[bold]odd.csv"
    odd.write_text("Kolom A;Kolom B\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(odd)])
    assert result.exit_code == 2
    assert "[bold]odd.csv" in result.output and "not a known source format" in result.output


def test_status_counts_rows_in_their_own_months_and_names_partial_meter_months(tmp_path: Path, monkeypatch) -> None:
    """A year file delivered in January's folder covers January to March; a 15-minute file stops on 6 March
    14:00; no expected_sources, so suppliers and travel are never missing."""
    import pandas as pd
    from company_files import ELECTRICITY_EAN, GAS_EAN, METERS, write_company

    from footprint.config.workspace import open_workspace
    from footprint.ingest.load import load_files
    from footprint.ingest.pull import pull_inbox
    from footprint.resources import close_warehouses

    quarter = "871687120000000011"
    start = pd.Timestamp("2025-03-01").tz_localize("Europe/Amsterdam")
    rows = [f"EAN;{quarter}", "Begin;Einde;Verbruik;Eenheid;Richting;Status"] + [
        f"{(start + pd.Timedelta(minutes=15 * i)).isoformat()};{(start + pd.Timedelta(minutes=15 * i + 15)).isoformat()}"
        ";0,25;kWh;Levering;Gemeten" for i in range(5 * 96 + 14 * 4)]
    meters = [{"ean": ELECTRICITY_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"},
              {"ean": GAS_EAN, "carrier": "natural_gas", "site": "hq"},
              {"ean": quarter, "carrier": "electricity", "site": "hq", "contract": "grey"}]
    config = write_company(tmp_path / "co", {"kwartier.csv": "\n".join(rows) + "\n"}, meters=meters, vehicles=[])
    january = tmp_path / "co" / "inbox" / "2025-01"
    january.mkdir()
    year = [METERS.splitlines()[0]] + [line.replace("01-03-2025;01-04-2025", f"01-{m:02d}-2025;01-{m + 1:02d}-2025")
                                       for m in (1, 2, 3) for line in METERS.splitlines()[1:]]
    (january / "jaar.csv").write_text("\n".join(year) + "\n", encoding="utf-8")
    ws = open_workspace(config)
    for period in ("2025-01", "2025-03"):
        load_files(ws, period, pull_inbox(ws, period).paths)
    close_warehouses()
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["status", "--from", "2025-01", "--to", "2025-03", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = [" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()]
    # Two meters' readings each month from the year file; in March also the 536 quarter hours.
    assert "2025-01 meter data 1 2 0 ok" in lines and "2025-02 meter data 1 2 0 ok" in lines
    assert "2025-03 meter data 2 538 0 ok" in lines
    assert f"2025-03 meter {quarter} (electricity, hq) 1 536 0 partial: data to 06-03-2025 14:00" in lines
    assert f"2025-02 meter {quarter} (electricity, hq) 0 0 0 missing" in lines
    assert not any(f"meter {ELECTRICITY_EAN}" in line or f"meter {GAS_EAN}" in line for line in lines)
    assert "2025-01 suppliers and travel 0 0 0 no data, none expected" in lines
    assert "never missing" in result.output
