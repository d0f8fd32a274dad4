"""`footprint pull` and the monthly flow against real servers on loopback: a metering API, an SFTP drop, a mailbox.

A wrong or missing credential is one line naming the source and its secret, exit code 1, and the
other sources are pulled all the same; the monthly flow then ingests what they brought.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from company_files import ELECTRICITY_EAN, FUEL, write_company
from typer.testing import CliRunner

from footprint.demo import imap_server, meetbedrijf_server, sftp_server
from footprint.resources import close_warehouses
from footprint_cli import app

MONTH = "2025-03"
QUARTER_HOURS = 31 * 96 - 4  # March 2025: the clock goes forward on the 30th
KWH_PER_QUARTER = 0.5
API_KEY = "api-key-for-test"
# The mailed export is another day's transactions: a copy of the SFTP file would be passed over as loaded already.
MAILED_FUEL = FUEL.replace("03-03-2025;07:42", "04-03-2025;08:15").replace("05-03-2025", "06-03-2025")
USER, PASSWORD = "co", "sftp-and-imap-password"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    drop = tmp_path_factory.mktemp("drop")
    (drop / "transacties_2025-03.csv").write_text(FUEL, encoding="utf-8")
    data = {ELECTRICITY_EAN: {MONTH: [KWH_PER_QUARTER] * QUARTER_HOURS}}
    with meetbedrijf_server.serve(data, API_KEY) as url, sftp_server.serve(drop, USER, PASSWORD) as sftp, \
            imap_server.serve(USER, PASSWORD) as (imap_host, imap_port):
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "facturen@leverancier.example", "co2@co.example", "Opgave"
        mail.set_content("Zie bijlage.")
        mail.add_attachment(MAILED_FUEL.encode(), maintype="text", subtype="csv", filename="tankpas_maart.csv")
        arrived = dt.datetime(2025, 3, 31, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
        imap_server.deliver(imap_host, imap_port, USER, PASSWORD, mail.as_bytes(), internal_date=arrived)
        yield {"url": url, "sftp": sftp, "imap": (imap_host, imap_port)}


def _company(root: Path, servers: dict[str, object], env: dict[str, str]) -> Path:
    sftp = servers["sftp"]
    assert isinstance(sftp, sftp_server.ServerInfo)
    (root / "known_hosts").parent.mkdir(parents=True, exist_ok=True)
    (root / "known_hosts").write_text(sftp.host_key_line_for_known_hosts + "\n", encoding="utf-8")
    host, port = servers["imap"]  # type: ignore[misc]
    pull = [
        {"name": "meetbedrijf", "kind": "meetbedrijf", "url": servers["url"], "secret": "CO_METEN",
         "eans": [ELECTRICITY_EAN], "start": MONTH},
        {"name": "tankpas", "kind": "sftp", "host": sftp.host, "port": sftp.port, "known_hosts": str(root / "known_hosts"),
         "files": ["*.csv"], "secret": "CO_SFTP"},
        {"name": "post", "kind": "imap", "host": host, "port": port, "security": "none",
         "senders": ["facturen@leverancier.example"], "secret": "CO_IMAP"},
    ]
    config = write_company(root, {}, pull=pull)
    with (root / ".env").open("a", encoding="utf-8") as file:
        file.writelines(f"{name}='{value}'\n" for name, value in env.items())
    return config


def _login(password: str) -> str:
    return json.dumps({"username": USER, "password": password})


def test_a_wrong_and_a_missing_secret_fail_their_sources_alone(
    prefect_harness: None, servers: dict[str, object], tmp_path: Path
) -> None:
    config = _company(tmp_path / "co", servers, {"CO_METEN": API_KEY, "CO_SFTP": _login("wrong")})
    result = CliRunner().invoke(app, ["pull", "--period", MONTH, "--config", str(config)])
    close_warehouses()
    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if "✗" in line]
    assert len(failed) == 2, result.output
    assert "pull source tankpas" in failed[0] and "check secret CO_SFTP" in failed[0]
    assert result.output.count("check secret CO_SFTP") == 1  # the flow's log line is not printed a second time
    assert "pull source post: secret CO_IMAP is not set" in failed[1]
    assert "wrong" not in result.output and API_KEY not in result.output
    assert "✓ meetbedrijf (meetbedrijf): 1 new item(s), 2 file(s)" in result.output
    assert "2 of 3 source(s) failed" in result.output
    pulled = sorted(p.relative_to(tmp_path / "co" / "inbox").as_posix()
                    for p in (tmp_path / "co" / "inbox").rglob("*.json"))
    assert pulled == [f"meetbedrijf/{MONTH}/{ELECTRICITY_EAN}_{MONTH}.json",
                      f"meetbedrijf/{MONTH}/{ELECTRICITY_EAN}_{MONTH}_p2.json"]

    again = CliRunner().invoke(app, ["pull", "--period", MONTH, "--source", "meetbedrijf", "--config", str(config)])
    assert again.exit_code == 0, again.output
    assert "0 new item(s), 0 file(s)" in again.output  # the month is past the watermark: not asked again
    status = CliRunner().invoke(app, ["pull", "--status", "--config", str(config)])
    close_warehouses()
    assert status.exit_code == 0 and "meetbedrijf" in status.output and f"{ELECTRICITY_EAN} up to {MONTH}" in status.output


def test_the_monthly_flow_pulls_then_ingests(prefect_harness: None, servers: dict[str, object], tmp_path: Path) -> None:
    from flows.monthly_ingest import monthly_ingest

    config = _company(tmp_path / "co", servers,
                      {"CO_METEN": API_KEY, "CO_SFTP": _login(PASSWORD), "CO_IMAP": _login(PASSWORD)})
    summary = monthly_ingest(period=MONTH, config=str(config))
    close_warehouses()
    loaded = sorted(f.file_name for f in summary.files if f.outcome == "loaded")
    assert loaded == sorted([f"{ELECTRICITY_EAN}_{MONTH}.json", f"{ELECTRICITY_EAN}_{MONTH}_p2.json",
                             "transacties_2025-03.csv", "1_1_tankpas_maart.csv"])
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'co' / 'warehouse.duckdb'}")
    with engine.connect() as conn:
        kwh = conn.execute(sa.text("SELECT SUM(quantity) FROM meter_usage WHERE ean = :e"),
                           {"e": ELECTRICITY_EAN}).scalar_one()
        lineage = conn.execute(sa.text(
            "SELECT p.source, r.file_name FROM pulled_files p JOIN raw_files r ON r.file_sha256 = p.file_sha256 "
            "ORDER BY 1, 2")).all()
        traced = conn.execute(sa.text(
            "SELECT DISTINCT pulled_by, file_name FROM v_lineage WHERE pulled_by IS NOT NULL ORDER BY 1, 2")).all()
    engine.dispose()
    assert ("meetbedrijf", f"{ELECTRICITY_EAN}_{MONTH}.json") in traced and ("tankpas", "transacties_2025-03.csv") in traced
    assert kwh == pytest.approx(QUARTER_HOURS * KWH_PER_QUARTER)  # 2972 x 0.5 = 1486 kWh
    assert [source for source, _ in lineage] == ["meetbedrijf", "meetbedrijf", "post", "tankpas"]


def test_a_secret_from_a_prefect_block(prefect_harness: None, servers: dict[str, object], tmp_path: Path) -> None:
    """No environment variable and no .env line: the Prefect Secret block named like the secret serves it."""
    from prefect.blocks.system import Secret

    from flows.pull_sources import pull_sources

    Secret(value=API_KEY).save("co-meten-block", overwrite=True)
    config = _company(tmp_path / "co", servers, {})
    text = config.read_text(encoding="utf-8").replace("secret: CO_METEN", "secret: CO_METEN_BLOCK")
    config.write_text(text, encoding="utf-8")
    report = pull_sources(MONTH, str(config), ["meetbedrijf"])
    close_warehouses()
    assert [(r.source, r.error, r.files) for r in report.results] == [("meetbedrijf", None, 2)]


def test_a_pull_nobody_ingested_is_ingested_by_the_next_monthly_run(
    prefect_harness: None, servers: dict[str, object], tmp_path: Path
) -> None:
    """March pulled by hand and never ingested; April's run loads March's files too, though the API has no
    April (its source fails, alone, at the end of the run)."""
    from flows.monthly_ingest import PullFailed, monthly_ingest

    config = _company(tmp_path / "co", servers,
                      {"CO_METEN": API_KEY, "CO_SFTP": _login(PASSWORD), "CO_IMAP": _login(PASSWORD)})
    pulled = CliRunner().invoke(app, ["pull", "--period", MONTH, "--config", str(config)])
    assert pulled.exit_code == 0, pulled.output
    assert f"To load what was pulled: footprint ingest, for {MONTH}" in pulled.output
    with pytest.raises(PullFailed, match="pull source meetbedrijf: .*404"):
        monthly_ingest(period="2025-04", config=str(config))
    close_warehouses()
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'co' / 'warehouse.duckdb'}")
    with engine.connect() as conn:
        loaded = set(conn.execute(sa.text("SELECT file_name FROM raw_files")).scalars())
    engine.dispose()
    assert {f"{ELECTRICITY_EAN}_{MONTH}.json", "transacties_2025-03.csv", "1_1_tankpas_maart.csv"} <= loaded
