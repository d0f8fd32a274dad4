"""The IMAP connector against a real IMAP server (pymap, maildir backend) on loopback."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from imap_tools import MailBoxUnencrypted

from footprint.config.pull import ImapSource
from footprint.demo.imap_server import deliver, free_port, serve
from footprint.pull.connector import CredentialError, SourceError
from footprint.pull.imap import connect, file_name, period_of
from footprint.pull.secrets import Secret

USER, PASSWORD = "administratie@schoonmaak.nl", "zeep-en-emmer"
SUPPLIER, FUEL_CARD = "facturen@leverancier-a.nl", "export@tankpas.nl"
STATEMENTS_ADDRESS = "verbruik@schoonmaak.nl"
UTC = dt.UTC
CSV_BYTES = b"datum;kwh\n2026-01-01;12,5\n"
XLSX_BYTES = b"PK\x03\x04 not really a workbook \x00\xff\x10"
LATER_CSV_BYTES = b"datum;liter\n2026-03-01;40\n"


def _mail(sender: str, to: str, attachments: list[tuple[str, bytes]], date: str = "Thu, 15 Jan 2026 10:00:00 +0000",
          ) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"], message["Date"] = sender, to, "overzicht", date
    message.set_content("Zie bijlage.")
    for name, content in attachments:
        message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, object]]:
    """One server per module with six messages in INBOX; the tests that mark mail use senders of their own."""
    with serve(USER, PASSWORD) as (host, port):
        def put(raw: bytes, when: dt.datetime, mailbox: str = "INBOX") -> int:
            return deliver(host, port, USER, PASSWORD, raw, mailbox=mailbox, internal_date=when)

        uids = {
            "supplier_jan": put(_mail(SUPPLIER, USER, [("Overzicht januari.csv", CSV_BYTES)]),
                                dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC)),
            # Received 31 January 23:30 UTC: 1 February 00:30 in Amsterdam, whatever its Date header says.
            "fuel_feb": put(_mail(FUEL_CARD, USER, [("toelichting.pdf", b"%PDF-1.4"),
                                                    ("Transacties januari.XLSX", XLSX_BYTES)],
                                  date="Sat, 31 Jan 2026 23:30:00 +0000"),
                            dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
            # SEARCH FROM matches substrings: this address contains the supplier's but is not it.
            "lookalike": put(_mail("andere-" + SUPPLIER, USER, [("overzicht.csv", CSV_BYTES)]),
                             dt.datetime(2026, 1, 16, 9, 0, tzinfo=UTC)),
            "no_attachment": put(_mail(SUPPLIER, USER, []), dt.datetime(2026, 1, 17, 9, 0, tzinfo=UTC)),
            "to_address_mar": put(_mail("iemand@elders.nl", STATEMENTS_ADDRESS, [("verbruik.csv", LATER_CSV_BYTES)]),
                                  dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
            "supplier_feb": put(_mail(SUPPLIER, USER, [("overzicht februari.csv", CSV_BYTES)]),
                                dt.datetime(2026, 2, 10, 8, 0, tzinfo=UTC)),
        }
        with MailBoxUnencrypted(host, port).login(USER, PASSWORD, initial_folder=None) as box:
            uidvalidity = box.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"]
        yield {"host": host, "port": port, "uids": uids, "uidvalidity": uidvalidity, "put": put}


def _source(server: dict[str, object], **fields: object) -> ImapSource:
    settings = {"name": "leveranciers", "kind": "imap", "secret": "IMAP_LEVERANCIERS", "host": server["host"],
                "port": server["port"], "security": "none", "senders": [SUPPLIER, FUEL_CARD],
                "to": STATEMENTS_ADDRESS, "attachments": ["*.csv", "*.xlsx"], **fields}
    return ImapSource.model_validate(settings)


def _secret(password: str = PASSWORD) -> Secret:
    return Secret("IMAP_LEVERANCIERS", "leveranciers", json.dumps({"username": USER, "password": password}))


def _flags(server: dict[str, object], uid: int, mailbox: str = "INBOX") -> tuple[str, ...]:
    with MailBoxUnencrypted(server["host"], server["port"]).login(USER, PASSWORD, initial_folder=mailbox) as box:
        status, lines = box.client.uid("FETCH", str(uid), "(FLAGS)")
    assert status == "OK"
    return tuple(lines[0].decode().split("FLAGS (")[1].split(")")[0].split())


def test_lists_the_listed_senders_and_address_oldest_first(server: dict[str, object]) -> None:
    uids, uv = server["uids"], server["uidvalidity"]
    connector = connect(_source(server), _secret())
    try:
        items = connector.list_new("2026-03", {})
    finally:
        connector.close()
    assert [item.key for item in items] == [
        f"{uv}:{uids['supplier_jan']}", f"{uv}:{uids['fuel_feb']}", f"{uv}:{uids['to_address_mar']}",
        f"{uv}:{uids['supplier_feb']}"]
    assert [item.period for item in items] == ["2026-01", "2026-02", "2026-03", "2026-02"]
    assert {item.channel for item in items} == {"INBOX"}
    assert items[0].request == f"imap 127.0.0.1 INBOX uid {uids['supplier_jan']}"
    assert connector.warnings == []


def test_a_later_month_waits_and_holds_the_watermark(server: dict[str, object]) -> None:
    uids, uv = server["uids"], server["uidvalidity"]
    connector = connect(_source(server), _secret())
    try:
        january = connector.list_new("2026-01", {})
        february = connector.list_new("2026-02", {})
    finally:
        connector.close()
    assert [item.key for item in january] == [f"{uv}:{uids['supplier_jan']}"]
    assert [item.key for item in february] == [
        f"{uv}:{uids['supplier_jan']}", f"{uv}:{uids['fuel_feb']}", f"{uv}:{uids['supplier_feb']}"]
    # The March message (delivered before supplier_feb) must still be past the watermark next month.
    assert february[-1].watermark == f"{uv}:{uids['to_address_mar'] - 1}"
    assert [item.watermark for item in february[:2]] == [f"{uv}:{uids['supplier_jan']}", f"{uv}:{uids['fuel_feb']}"]


def test_watermark_continuation_and_a_changed_uidvalidity(server: dict[str, object]) -> None:
    uids, uv = server["uids"], server["uidvalidity"]
    connector = connect(_source(server), _secret())
    try:
        after_fuel = connector.list_new("2026-03", {"INBOX": f"{uv}:{uids['fuel_feb']}"})
        other_validity = connector.list_new("2026-01", {"INBOX": f"{uv + 1}:{uids['supplier_feb']}"})
    finally:
        connector.close()
    assert [item.key for item in after_fuel] == [f"{uv}:{uids['to_address_mar']}", f"{uv}:{uids['supplier_feb']}"]
    assert [item.key for item in other_validity] == [f"{uv}:{uids['supplier_jan']}"]


def test_fetch_returns_the_matching_attachments_exactly_without_setting_seen(server: dict[str, object]) -> None:
    uids = server["uids"]
    connector = connect(_source(server), _secret())
    try:
        fuel = next(item for item in connector.list_new("2026-02", {}) if item.key.endswith(f":{uids['fuel_feb']}"))
        delivered = connector.fetch(fuel)
        again = connector.fetch(fuel)
    finally:
        connector.close()
    assert [d.file_name for d in delivered] == [f"{uids['fuel_feb']}_2_Transacties_januari.XLSX"]
    assert [d.request for d in delivered] == [f"imap 127.0.0.1 INBOX uid {uids['fuel_feb']} part 2"]
    assert hashlib.sha256(delivered[0].content).hexdigest() == hashlib.sha256(XLSX_BYTES).hexdigest()
    assert again == delivered
    assert "\\Seen" not in _flags(server, uids["fuel_feb"])


def test_taken_marks_the_message_for_people_and_the_ledger_decides(server: dict[str, object]) -> None:
    """The keyword shows who shares the mailbox what footprint took; what is listed again is the ledger's
    business (the run skips a key it holds), so two sources on one mailbox both get their mail."""
    sender = "taken@leverancier-c.nl"
    uid = server["put"](_mail(sender, USER, [("c.csv", CSV_BYTES)]), dt.datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    connector = connect(_source(server, senders=[sender], to=None), _secret())
    try:
        first = connector.list_new("2026-01", {})
        connector.taken(first[0])
        again = connector.list_new("2026-01", {})
        past = connector.list_new("2026-01", {"INBOX": first[0].watermark})
    finally:
        connector.close()
    assert [item.key for item in first] == [f"{server['uidvalidity']}:{uid}"]
    assert "$FootprintTaken" in _flags(server, uid)
    assert again == first and past == []
    assert connector.warnings == []


def test_start_leaves_older_mail_alone(server: dict[str, object]) -> None:
    sender = "start@leverancier-e.nl"
    server["put"](_mail(sender, USER, [("old.csv", CSV_BYTES)]), dt.datetime(2025, 11, 20, 12, 0, tzinfo=UTC))
    new = server["put"](_mail(sender, USER, [("new.csv", CSV_BYTES)]), dt.datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    connector = connect(_source(server, senders=[sender], to=None, start="2026-01"), _secret())
    try:
        listed = connector.list_new("2026-01", {})
    finally:
        connector.close()
    assert [item.key for item in listed] == [f"{server['uidvalidity']}:{new}"]


def test_a_mailbox_without_keywords_warns_and_relies_on_the_ledger(server: dict[str, object]) -> None:
    sender = "archief@leverancier-d.nl"
    uid = server["put"](_mail(sender, USER, [("d.csv", CSV_BYTES)]), dt.datetime(2026, 1, 21, 12, 0, tzinfo=UTC),
                        mailbox="Archief")
    connector = connect(_source(server, senders=[sender], to=None, mailbox="Archief"), _secret())
    try:
        first = connector.list_new("2026-01", {})
        connector.taken(first[0])
        second = connector.list_new("2026-01", {})
    finally:
        connector.close()
    assert [item.channel for item in first] == ["Archief"]
    assert [item.key.split(":")[1] for item in second] == [str(uid)]
    assert len(connector.warnings) == 1  # the mark is missing; the run's ledger still takes it once
    assert "keeps no keyword $FootprintTaken" in connector.warnings[0]


def test_a_wrong_password_is_a_credential_error_naming_source_and_secret(server: dict[str, object]) -> None:
    with pytest.raises(CredentialError) as refused:
        connect(_source(server), _secret("verkeerd-wachtwoord"), backoff_s=0.01)
    message = str(refused.value)
    assert "leveranciers" in message and "IMAP_LEVERANCIERS" in message
    assert "verkeerd-wachtwoord" not in message and "\n" not in message


def test_a_closed_port_is_a_source_error_after_quick_retries(server: dict[str, object]) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as failed:
        connect(_source(server, port=free_port()), _secret(), attempts=2, backoff_s=0.05)
    assert time.monotonic() - started < 5
    assert "pull source leveranciers" in str(failed.value) and "after 2 attempts" in str(failed.value)


def test_starttls_on_the_tls_port_is_a_source_error_saying_what_to_change(server: dict[str, object]) -> None:
    with pytest.raises(SourceError, match="use security tls, or starttls on port 143"):
        connect(_source(server, security="starttls", port=993), _secret(), attempts=1)


@pytest.mark.parametrize(("internal_date", "period"), [
    ("31-Jan-2026 22:59:59 +0000", "2026-01"),
    ("31-Jan-2026 23:00:00 +0000", "2026-02"),
    (" 1-Feb-2026 00:30:00 +0100", "2026-02"),
    ("31-Mar-2026 21:59:59 +0000", "2026-03"),
    ("31-Mar-2026 22:00:00 +0000", "2026-04"),
    ("01-Jan-2026 01:00:00 +0500", "2025-12"),
], ids=["winter-before-midnight", "winter-midnight", "local-offset", "summer-before-midnight", "summer-midnight",
        "east-offset"])
def test_period_is_the_amsterdam_month_of_internaldate(internal_date: str, period: str) -> None:
    assert period_of(internal_date) == period


@pytest.mark.parametrize(("original", "expected"), [
    ("Overzicht januari.csv", "7_1_Overzicht_januari.csv"),
    ("../../etc/passwd.csv", "7_1_passwd.csv"),
    ("C:\\temp\\data.XLSX", "7_1_data.XLSX"),
    ("a\x00b\tc.csv", "7_1_a_b_c.csv"),
    (".verborgen.csv", "7_1_.verborgen.csv"),
    ("x" * 200 + ".xlsx", "7_1_" + "x" * 115 + ".xlsx"),
], ids=["spaces", "path", "windows-path", "control", "leading-dot", "long"])
def test_file_names_are_safe_and_keep_the_extension(original: str, expected: str) -> None:
    assert file_name(7, 1, original) == expected
