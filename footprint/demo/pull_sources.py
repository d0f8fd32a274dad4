"""The demo's last quarter arrives the way a company's data does: pulled from where it lives.

The generator writes every month into the inbox. For April to June 2026 the demo takes three kinds
of file out again and serves them from local stand-ins it starts on loopback: the head office's
quarter-hour values from a metering company's API (Het Meetbedrijf's shape), the fuel-card
transaction files from the card provider's SFTP drop, and the supplier's quarterly CO2 statement
from a mailbox (pymap). footprint.yaml gets a `pull:` section naming them, the .env their secrets,
and the pull brings the files back into the inbox under `<source>/YYYY-MM/`: the same content (the
meter values as JSON), so the demo's figures do not change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

from footprint.demo import company as co
from footprint.demo import imap_server, meetbedrijf_server, sftp_server
from footprint.periods import next_month, parse_period
from footprint.schemas import LOCAL_TZ

PULLED_MONTHS: Final = ("2026-04", "2026-05", "2026-06")
SOURCES_DIR: Final = "demo-sources"  # beside the inbox: what the stand-ins serve
USER: Final = "glansrijk"


def _meter_values(path: Path) -> tuple[list[float], list[str]]:
    """The quarter-hour values and status words of a demo interval file (four preamble lines, decimal commas)."""
    table = pd.read_csv(path, sep=";", skiprows=4, decimal=",", dtype={"Verbruik": "float64", "Status": "str"})
    return table["Verbruik"].tolist(), table["Status"].str.lower().tolist()


def _statement_mail(path: Path, month: str) -> tuple[bytes, dt.datetime]:
    message = EmailMessage()
    message["From"] = "co2@hygiena.example"
    message["To"] = "administratie@glansrijk.example"
    message["Subject"] = f"CO2-opgave {path.stem}"
    message.set_content("Bijgaand onze CO2-opgave over het afgelopen kwartaal.")
    message.add_attachment(path.read_bytes(), maintype="text", subtype="csv", filename=path.name)
    last_day = next_month(parse_period(month)) - dt.timedelta(days=1)
    return message.as_bytes(), dt.datetime.combine(last_day, dt.time(16, 30), tzinfo=ZoneInfo(LOCAL_TZ))


@contextmanager
def demo_sources(workdir: Path) -> Iterator[list[str]]:
    """Start the stand-ins with the last quarter's files taken out of the inbox; yields what was moved.

    footprint.yaml's pull section and the .env's secrets point at this run's ports, so a demo run
    again (new ports) still pulls. What an earlier run pulled from the API and the SFTP drop is in the
    ledger and not fetched again; the mailbox stand-in is new each run (a new UIDVALIDITY), so its
    message is fetched again and passed over by ingestion as loaded already.
    """
    inbox, served = workdir / "inbox", workdir / SOURCES_DIR
    sftp_root = served / "tankpas"
    sftp_root.mkdir(parents=True, exist_ok=True)
    meter = co.METER_BY_KEY[co.INTERVAL_METER]
    moved: list[str] = []
    values: dict[str, dict[str, list[float]]] = {meter.ean: {}}
    statuses: dict[str, dict[str, list[str]]] = {meter.ean: {}}
    mails: list[tuple[bytes, dt.datetime]] = []
    for month in PULLED_MONTHS:
        folder = inbox / month
        fuel = folder / f"tankpas_transacties_{month}.csv"
        fuel.replace(sftp_root / fuel.name)
        dropped = dt.datetime.combine(next_month(parse_period(month)), dt.time(6, 0), tzinfo=ZoneInfo(LOCAL_TZ))
        os.utime(sftp_root / fuel.name, (dropped.timestamp(), dropped.timestamp()))  # the provider's drop time
        interval = folder / f"kwartierwaarden_{meter.ean}_{month}.csv"
        values[meter.ean][month], statuses[meter.ean][month] = _meter_values(interval)
        interval.unlink()
        moved += [fuel.name, interval.name]
        for statement in sorted(folder.glob("co2_opgave_hygiena_*.csv")):
            mails.append(_statement_mail(statement, month))
            statement.unlink()
            moved.append(statement.name)
    keys = {name: secrets.token_hex(16) for name in ("api", "sftp", "imap")}
    with ExitStack() as stack:
        api_url = stack.enter_context(meetbedrijf_server.serve(values, keys["api"], statuses=statuses))
        sftp = stack.enter_context(sftp_server.serve(sftp_root, USER, keys["sftp"]))
        imap_host, imap_port = stack.enter_context(imap_server.serve(USER, keys["imap"]))
        for message, arrived in mails:
            imap_server.deliver(imap_host, imap_port, USER, keys["imap"], message, internal_date=arrived)
        known_hosts = served / "known_hosts"
        known_hosts.write_text(sftp.host_key_line_for_known_hosts + "\n", encoding="utf-8")
        _configure(workdir, api_url, meter.ean, sftp, known_hosts, (imap_host, imap_port), keys)
        yield moved


def _configure(workdir: Path, api_url: str, ean: str, sftp: sftp_server.ServerInfo, known_hosts: Path,
               imap: tuple[str, int], keys: dict[str, str]) -> None:
    pull = [
        {"name": "meetbedrijf", "kind": "meetbedrijf", "url": api_url, "secret": "DEMO_MEETBEDRIJF_KEY",
         "eans": [ean], "start": PULLED_MONTHS[0]},
        {"name": "tankpas-sftp", "kind": "sftp", "host": sftp.host, "port": sftp.port, "folder": ".",
         "files": ["tankpas_transacties_*.csv"], "known_hosts": str(known_hosts), "secret": "DEMO_TANKPAS_SFTP"},
        {"name": "hygiena-mail", "kind": "imap", "host": imap[0], "port": imap[1], "security": "none",
         "senders": ["co2@hygiena.example"], "attachments": ["*.csv"], "secret": "DEMO_HYGIENA_IMAP"},
    ]
    config = workdir / "footprint.yaml"
    text = config.read_text(encoding="utf-8").split("\n# Pulled at the source", 1)[0].rstrip("\n")
    note = ("\n\n# Pulled at the source (written by footprint demo for its local stand-ins, new ports each run;\n"
            "# the secrets are in .env): docs/operations.md, 'Pulling data at the source'.\n")
    config.write_text(text + note + yaml.safe_dump({"pull": pull}, sort_keys=False), encoding="utf-8")
    env = workdir / ".env"
    kept = [line for line in env.read_text(encoding="utf-8").splitlines() if not line.startswith("DEMO_")]
    login = {"DEMO_TANKPAS_SFTP": keys["sftp"], "DEMO_HYGIENA_IMAP": keys["imap"]}
    added = [f"DEMO_MEETBEDRIJF_KEY={keys['api']}"] + [
        f"{name}='{json.dumps({'username': USER, 'password': password})}'" for name, password in login.items()]
    env.write_text("\n".join([*kept, *added]) + "\n", encoding="utf-8")
