"""The monthly steps on a tiny company, against DuckDB and PostgreSQL alike.

Expected emissions are a quantity times a factor of the 2026 list, written out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from company_files import (
    ALL_FILES,
    CONFIG,
    ELECTRICITY_EAN,
    FUEL,
    METERS,
    PERIOD,
    SUPPLIER,
    make_company,
    write_list_copy,
)

from footprint import emissions, schemas
from footprint.config.workspace import Workspace
from footprint.emissions import compute_emissions, restate_for_factor_lists
from footprint.ingest import load as ingest_load
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.ingest.results import FileResult
from footprint.resources import close_warehouses, warehouse
from footprint.warehouse import bulk

# (market-based kg CO2e, location-based kg CO2e) per emission row, by hand.
EXPECTED = [
    (50 * 3.251, 50 * 3.251),  # Diesel B7
    (-10 * 2.794, -10 * 2.794),  # Benzine E10, credit note
    (1000 * 0.483, 1000 * 0.244),  # grey electricity; location-based: grid mix
    (100 * 2.134, 100 * 2.134),  # Aardgas (G-gas), m3 taken as Nm3
    (2 * 371 * 0.234, 2 * 371 * 0.234),  # flight under 700 km, per passenger-km
    (100 * 0.224, 100 * 0.224),  # private car, diesel, per km
    (250.5, 250.5),  # the supplier's own kg CO2e
]


@pytest.fixture
def company(tmp_path: Path, warehouse_url: str):
    ws = make_company(tmp_path / "co", warehouse_url, ALL_FILES)
    yield ws
    close_warehouses()


def _ingest(ws: Workspace) -> list[FileResult]:
    results = load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
    compute_emissions(ws, PERIOD)
    return results


def test_emissions_are_quantity_times_factor(company: Workspace) -> None:
    results = _ingest(company)
    assert {r.file_name: (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_excluded) for r in results} == {
        "fuel.csv": (3, 3, 0, 1),
        "meters.csv": (2, 2, 0, 0),
        "flights.csv": (1, 1, 0, 0),
        "km.csv": (1, 1, 0, 0),
        "co2.csv": (1, 1, 0, 0),
    }
    with warehouse(company).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.activity_table, e.source, e.ladder_scope, e.ghg_scope, e.ghg_category, "
                "e.emissions_kg_co2e, e.location_emissions_kg_co2e, e.data_quality, f.name "
                "FROM emissions e LEFT JOIN factors f ON f.factor_id = e.factor_id ORDER BY e.emissions_kg_co2e"
            )
        ).all()
    got = sorted((round(r[5], 9), round(r[6], 9)) for r in rows)
    assert got == sorted((round(m, 9), round(loc, 9)) for m, loc in EXPECTED)
    by_factor = {r[8]: r for r in rows}
    assert by_factor["Diesel B7"][2:5] == (1, 1, None)
    assert by_factor["Grijze Stroom"][2:5] == (2, 2, None)
    assert by_factor["Aardgas (G-gas)"][7] == "secondary"  # estimated meter reading
    assert by_factor["Regionaal (<700 km)"][2:5] == (2, 3, 6)  # business travel: ladder 2, GHG scope 3 cat. 6
    assert by_factor[None][2:5] == (3, 3, 1)  # supplier-reported, category from the statement


def test_personal_data_is_pseudonymised(company: Workspace) -> None:
    _ingest(company)
    with warehouse(company).connect() as conn:
        cards, drivers = zip(*conn.execute(sa.text("SELECT card_id, driver_id FROM fuel_transactions")).all())
    assert "7083540100012001" not in cards and "Jan de Vries" not in drivers
    assert len(set(cards)) == 1 and len(cards[0]) == 16


def test_one_broken_row_quarantined_the_rest_loaded(tmp_path: Path, warehouse_url: str) -> None:
    broken = FUEL.replace("-10,00;L", "tien;L")
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": broken})
    try:
        [result] = _ingest(ws)
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
        with warehouse(ws).connect() as conn:
            quarantine = conn.execute(sa.text("SELECT file_name, source_row, column_name, reason FROM quarantine")).all()
            loaded = conn.execute(sa.text("SELECT source_row FROM fuel_transactions ORDER BY 1")).scalars().all()
    finally:
        close_warehouses()
    assert [(f, r, c) for f, r, c, _ in quarantine] == [("fuel.csv", 3, "quantity")]
    assert "quantity" in quarantine[0][3]
    assert loaded == [2, 4]


def test_a_file_loads_all_or_nothing(company: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    real_insert = bulk.insert_frame

    def failing_insert(conn, table, frame):
        if table == "raw_files":
            raise RuntimeError("disk full while recording the file")
        return real_insert(conn, table, frame)

    monkeypatch.setattr(ingest_load, "insert_frame", failing_insert)
    with pytest.raises(RuntimeError):
        load_files(company, PERIOD, pull_inbox(company, PERIOD).paths)
    with warehouse(company).connect() as conn:
        counts = [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in
                  ("fuel_transactions", "meter_usage", "supplier_activity", "quarantine", "raw_files")]
    assert counts == [0, 0, 0, 0, 0]
    monkeypatch.setattr(ingest_load, "insert_frame", real_insert)
    assert sum(r.rows_loaded for r in _ingest(company)) == 8


def test_unreadable_file_is_rejected_by_name_and_the_others_load(tmp_path: Path, warehouse_url: str) -> None:
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": FUEL, "notes.csv": "Hallo;Wereld\n1;2\n"})
    try:
        results = {r.file_name: r for r in _ingest(ws)}
    finally:
        close_warehouses()
    assert results["fuel.csv"].outcome == "loaded"
    assert results["notes.csv"].outcome == "rejected"
    assert "notes.csv" in results["notes.csv"].message
    assert "fuelcard_nl_portal" in results["notes.csv"].message


PORTAL = """Tijdstip;Afname kWh;Injectie kWh
2025-03-01 00:15;0,25;0,00
2025-03-01 00:30;0,50;0,10
2025-03-01 00:45;1,25;0,00
"""
PORTAL_PROFILE = """name: my_portal
description: a metering portal's quarter hours
source: constructed for this test (2026)
table: {type: csv, delimiter: ";", decimal: ",", signature: [Tijdstip, Afname kWh]}
time: {column: Tijdstip, formats: ["%Y-%m-%d %H:%M"], marks: end, interval: 15min}
values: usage
channels:
  - {column: Afname kWh, carrier: electricity, direction: consumption, tariff: single, unit: kWh}
  - {column: Injectie kWh, carrier: electricity, direction: feed_in, tariff: single, unit: kWh}
"""


def test_an_unknown_export_names_formats_suggest_and_holds_back_nothing_else(
    tmp_path: Path, warehouse_url: str
) -> None:
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": FUEL, "portal.csv": PORTAL})
    try:
        results = {r.file_name: r for r in _ingest(ws)}
    finally:
        close_warehouses()
    assert results["fuel.csv"].outcome == "loaded"
    assert results["portal.csv"].outcome == "rejected"
    assert "portal.csv" in results["portal.csv"].message
    # the inbox path, to paste as it is
    assert f"footprint formats suggest {ws.inbox / PERIOD / 'portal.csv'}" in results["portal.csv"].message


def test_an_own_meter_profile_in_footprint_yaml_reads_the_export(tmp_path: Path, warehouse_url: str) -> None:
    root = tmp_path / "co"
    root.mkdir()
    (root / "my_portal.yaml").write_text(PORTAL_PROFILE, encoding="utf-8")
    meters = [dict(m) for m in CONFIG["meters"]]
    meters[0]["files"] = ["portal*.csv"]
    ws = make_company(
        root, warehouse_url, {"portal.csv": PORTAL}, meter_exports={"profiles": ["my_portal.yaml"]}, meters=meters
    )
    try:
        results = {r.file_name: r for r in _ingest(ws)}
        with warehouse(ws).connect() as conn:
            rows = conn.execute(
                sa.text("SELECT ean, direction, count(*), sum(quantity) FROM meter_usage GROUP BY 1, 2 ORDER BY 2")
            ).all()
    finally:
        close_warehouses()
    assert results["portal.csv"].outcome == "loaded", results["portal.csv"].message
    # 0,25 + 0,50 + 1,25 = 2,00 kWh taken; 0,00 + 0,10 + 0,00 = 0,10 kWh fed in
    assert [(e, d, n, round(q, 6)) for e, d, n, q in rows] == [
        (ELECTRICITY_EAN, "consumption", 3, 2.0),
        (ELECTRICITY_EAN, "feed_in", 3, 0.1),
    ]


def test_a_duplicate_names_the_file_and_line_it_repeats(tmp_path: Path, warehouse_url: str) -> None:
    first_row = FUEL.splitlines()[1]
    ws = make_company(tmp_path / "co", warehouse_url, {"a.csv": FUEL, "b.csv": FUEL.splitlines()[0] + "\n" + first_row + "\n"})
    try:
        _ingest(ws)
        with warehouse(ws).connect() as conn:
            reasons = conn.execute(sa.text("SELECT file_name, source_row, reason FROM quarantine")).all()
    finally:
        close_warehouses()
    assert [(f, r) for f, r, _ in reasons] == [("b.csv", 2)]
    assert "repeats row 2 of a.csv" in reasons[0][2]


def _totals(ws: Workspace) -> dict[str, float]:
    with warehouse(ws).connect() as conn:
        return dict(conn.execute(sa.text("SELECT source, sum(emissions_kg_co2e) FROM emissions GROUP BY source")).all())


def test_a_corrected_file_restates_its_month(tmp_path: Path, warehouse_url: str) -> None:
    corrected = FUEL.replace("Diesel;50,00;L", "Diesel;40,00;L")
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": FUEL})
    try:
        _ingest(ws)
        inbox_file = ws.inbox / PERIOD / "fuel.csv"
        inbox_file.write_text(corrected, encoding="utf-8")
        [result] = _ingest(ws)
        restated = _totals(ws)
        with warehouse(ws).connect() as conn:
            restatement = conn.execute(
                sa.text("SELECT kind, file_name, old_kg_co2e, new_kg_co2e FROM restatements")
            ).one()
            files = conn.execute(sa.text("SELECT superseded_by IS NULL FROM raw_files ORDER BY loaded_at")).scalars().all()
            rows = conn.execute(sa.text("SELECT count(*) FROM fuel_transactions")).scalar_one()
        stored = sorted(p.read_text(encoding="utf-8") for p in ws.raw_store.rglob("fuel.csv"))
    finally:
        close_warehouses()
    assert "restates" in result.message
    assert restatement[:2] == ("corrected_file", "fuel.csv")
    assert restatement[2] == pytest.approx(50 * 3.251 - 10 * 2.794)
    assert restatement[3] == pytest.approx(40 * 3.251 - 10 * 2.794)
    assert files == [False, True] and rows == 3
    assert stored == sorted([FUEL, corrected])  # nothing is deleted from the raw store
    fresh = make_company(tmp_path / "fresh", f"duckdb:///{tmp_path / 'fresh.duckdb'}", {"fuel.csv": corrected})
    try:
        [fresh_result] = _ingest(fresh)
        assert fresh_result.outcome == "loaded"
        assert _totals(fresh) == pytest.approx(restated)
    finally:
        close_warehouses()


def test_a_new_factor_list_restates_the_months_it_now_governs(company: Workspace, tmp_path: Path) -> None:
    from footprint.factors.loader import load_factor_list

    _ingest(company)
    before = _totals(company)
    older = tmp_path / "co2emissiefactoren_2025.xlsx"
    write_list_copy(older, title="Factoren 2025 dd 10-01-2025", grey_kwh=0.497)
    load_factor_list(warehouse(company), older)
    [restated] = restate_for_factor_lists(company)
    assert (restated.period, restated.old_factor_list, restated.new_factor_list) == (
        PERIOD, "co2ef-2026-20260820", "co2ef-2025-20250110"
    )
    # Only grey electricity differs in the copy: 1000 kWh x (0.497 - 0.483).
    assert restated.new_kg_co2e - restated.old_kg_co2e == pytest.approx(1000 * (0.497 - 0.483))
    after = _totals(company)
    assert after["electricity"] == pytest.approx(1000 * 0.497)
    assert {k: v for k, v in after.items() if k != "electricity"} == pytest.approx(
        {k: v for k, v in before.items() if k != "electricity"}
    )
    assert restate_for_factor_lists(company) == []
    fresh = make_company(tmp_path / "fresh", f"duckdb:///{tmp_path / 'fresh.duckdb'}", ALL_FILES)
    try:
        load_factor_list(warehouse(fresh), older)
        _ingest(fresh)
        assert _totals(fresh) == pytest.approx(after)
    finally:
        close_warehouses()


def test_an_unmapped_product_names_the_line_that_maps_it(tmp_path: Path, warehouse_url: str) -> None:
    odd = FUEL.replace(";Euro 95;", ";Premium Benzine X;")
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": odd})
    try:
        [result] = _ingest(ws)
        with warehouse(ws).connect() as conn:
            [(column, reason)] = conn.execute(sa.text("SELECT column_name, reason FROM quarantine")).all()
    finally:
        close_warehouses()
    assert (result.rows_loaded, result.rows_quarantined, column) == (2, 1, "product")
    assert 'add to footprint.yaml fuel_cards: {products: {"Premium Benzine X": ' in reason
    mapped = make_company(
        tmp_path / "mapped", f"duckdb:///{tmp_path / 'mapped.duckdb'}", {"fuel.csv": odd},
        fuel_cards={"products": {"Premium Benzine X": "petrol"}},
    )
    try:
        [result] = _ingest(mapped)
    finally:
        close_warehouses()
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)


def test_a_portal_export_without_ean_inside_is_matched_by_its_file_name(tmp_path: Path) -> None:
    """A SlimmeMeterPortal year file names its meter only in the file name; January loads, the rest waits."""
    import datetime as dt
    import shutil

    import openpyxl

    from footprint.config.workspace import Settings, open_workspace

    sample = Path(__file__).parent / "sources" / "real_samples" / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"
    root = tmp_path / "co"
    config = {
        "organisation": "Portaal B.V.", "base_year": 2023, "years": {2023: {"revenue_eur": 1e6, "fte": 5}},
        "sites": [{"id": "hq", "name": "Kantoor"}],
        "meters": [{"ean": "871687140002948685", "carrier": "natural_gas", "site": "hq"}],
    }
    (root / "inbox" / "2023-01").mkdir(parents=True)
    (root / "footprint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.copy(sample, root / "inbox" / "2023-01" / sample.name)
    ws = open_workspace(root / "footprint.yaml", Settings(warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", pseudonym_key="k"))
    try:
        results = load_files(ws, "2023-01", pull_inbox(ws, "2023-01").paths)
        compute_emissions(ws, "2023-01")
        [result] = results
        with warehouse(ws).connect() as conn:
            m3, kg = conn.execute(
                sa.text("SELECT sum(quantity), sum(emissions_kg_co2e) FROM emissions WHERE period = '2023-01-01'")
            ).one()
            year_m3 = conn.execute(sa.text("SELECT sum(quantity) FROM emissions")).scalar_one()
            traced = conn.execute(sa.text("SELECT DISTINCT file_name, source_sheet FROM v_lineage")).all()
    finally:
        close_warehouses()
    # Independently from the cells: the timestamp ends the hour, so January is (1 Jan 00:00, 1 Feb 00:00].
    sheet = openpyxl.load_workbook(sample, read_only=True).active
    january = year = 0.0
    rows = 0
    for stamp, delivered, *_ in sheet.iter_rows(min_row=2, values_only=True):
        rows += 1
        end = dt.datetime.strptime(stamp, "%d-%m-%Y %H:%M:%S %z")
        if delivered not in (None, "", "-"):
            year += float(delivered.replace(",", "."))
            if end <= dt.datetime(2023, 2, 1, tzinfo=end.tzinfo):
                january += float(delivered.replace(",", "."))
    # A year export in January's folder: every row counts in its own month (issue 14, point 5).
    assert result.outcome == "loaded" and result.rows_read == rows
    assert (result.rows_loaded, result.rows_quarantined) == (rows, 0)
    assert m3 == pytest.approx(january)
    assert year_m3 == pytest.approx(year)
    assert kg == pytest.approx(january * 2.134)
    assert traced == [(sample.name, "Data for 2023")]


def test_a_year_export_reaches_back_and_a_later_download_replaces_it(tmp_path: Path) -> None:
    """Delivered in June with half a year, then again in December with all of it: counted once."""
    import shutil

    import openpyxl

    from footprint.config.workspace import Settings, open_workspace

    sample = Path(__file__).parent / "sources" / "real_samples" / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"
    root = tmp_path / "co"
    config = {
        "organisation": "Portaal B.V.", "base_year": 2023, "years": {2023: {"revenue_eur": 1e6, "fte": 5}},
        "sites": [{"id": "hq", "name": "Kantoor"}],
        "meters": [{"ean": "871687140002948685", "carrier": "natural_gas", "site": "hq"}],
    }
    root.mkdir()
    (root / "footprint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    workbook = openpyxl.load_workbook(sample)
    sheet = workbook.active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    first_half = [r for r in cells if r[0][3:5] <= "06" and r[0][6:10] == "2023"]
    sheet.delete_rows(2 + len(first_half), sheet.max_row)
    for month, source in (("2023-06", None), ("2023-12", sample)):
        folder = root / "inbox" / month
        folder.mkdir(parents=True)
        if source is None:
            workbook.save(folder / sample.name)
        else:
            shutil.copy(source, folder / sample.name)

    def delivered(rows: list[tuple]) -> float:
        return sum(float(r[1].replace(",", ".")) for r in rows if r[1] not in (None, "", "-"))

    ws = open_workspace(root / "footprint.yaml", Settings(warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", pseudonym_key="k"))
    try:
        for month in ("2023-06", "2023-12"):
            [result] = load_files(ws, month, pull_inbox(ws, month).paths)
            compute_emissions(ws, month)
            with warehouse(ws).connect() as conn:
                m3, months = conn.execute(sa.text("SELECT sum(quantity), count(DISTINCT period) FROM emissions")).one()
            if month == "2023-06":
                assert (result.rows_quarantined, months) == (0, 6)
                assert m3 == pytest.approx(delivered(first_half))
        with warehouse(ws).connect() as conn:
            restatement = conn.execute(sa.text("SELECT kind, old_kg_co2e, new_kg_co2e FROM restatements")).one()
    finally:
        close_warehouses()
    assert "restates" in result.message
    assert (result.rows_loaded, result.rows_quarantined, months) == (len(cells), 0, 12)
    assert m3 == pytest.approx(delivered(cells))
    assert restatement[0] == "corrected_file"
    assert restatement[1] == pytest.approx(delivered(first_half) * 2.134)
    assert restatement[2] == pytest.approx(delivered(cells) * 2.134)


def test_a_quarter_statement_recomputes_only_the_supplier_rows_of_earlier_months(
    tmp_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement delivered in March with a February line: February gains that line, its meter rows stay."""
    statement = SUPPLIER + "Hygiena B.V.;2025-02;1;Schoonmaakmiddelen;40;kg;99,5;leverancierspecifiek;primair\n"
    ws = make_company(tmp_path / "co", warehouse_url, {"meters.csv": METERS, "co2.csv": statement})
    february = ws.inbox / "2025-02"
    february.mkdir()
    (february / "meters.csv").write_text(METERS.replace("01-03-2025;01-04-2025", "01-02-2025;01-03-2025"), encoding="utf-8")
    recomputed: list[tuple[str, tuple[str, ...]]] = []
    original = emissions.recompute_period

    def spy(conn, month, keymap, tables=schemas.DATASETS):  # type: ignore[no-untyped-def]
        recomputed.append((month.isoformat()[:7], tuple(tables)))
        return original(conn, month, keymap, tables)

    monkeypatch.setattr(emissions, "recompute_period", spy)
    try:
        for period in ("2025-02", PERIOD):
            load_files(ws, period, pull_inbox(ws, period).paths)
            result = compute_emissions(ws, period)
        with warehouse(ws).connect() as conn:
            per_month = dict(
                conn.execute(sa.text("SELECT period, sum(emissions_kg_co2e) FROM emissions GROUP BY period")).all()
            )
    finally:
        close_warehouses()
    assert result.periods == ["2025-02", "2025-03"]
    assert recomputed == [
        ("2025-02", ("fuel_transactions", "meter_usage", "supplier_activity")),
        ("2025-02", ("supplier_activity",)),
        ("2025-03", ("fuel_transactions", "meter_usage", "supplier_activity")),
    ]
    meters = 1000 * 0.483 + 100 * 2.134  # grey electricity and gas, as in EXPECTED
    assert {p.isoformat()[:7]: kg for p, kg in per_month.items()} == pytest.approx(
        {"2025-02": meters + 99.5, "2025-03": meters + 250.5}
    )
