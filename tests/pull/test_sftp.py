"""The SFTP connector against a real SFTP server on loopback (footprint.demo.sftp_server)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footprint.config.pull import SftpSource
from footprint.demo.sftp_server import ServerInfo, new_host_key, serve
from footprint.pull.connector import CredentialError, SourceError
from footprint.pull.secrets import Secret
from footprint.pull.sftp import SftpConnector, connect

USER, PASSWORD = "fleet", "pw-Kr8!s"
SECRET = "FUEL_SFTP"


def epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def put(folder: Path, name: str, content: bytes, mtime_utc: str) -> Path:
    path = folder / name
    path.write_bytes(content)
    os.utime(path, (epoch(mtime_utc), epoch(mtime_utc)))
    return path


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


@pytest.fixture
def server(drop: Path) -> Iterator[ServerInfo]:
    with serve(drop, USER, PASSWORD) as info:
        yield info


@pytest.fixture
def known_hosts(tmp_path: Path, server: ServerInfo) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text(server.host_key_line_for_known_hosts + "\n")
    return path


def source(server: ServerInfo, known_hosts: Path, **overrides: object) -> SftpSource:
    fields = {"name": "fuelcards", "kind": "sftp", "secret": SECRET, "host": server.host, "port": server.port,
              "files": ["*.csv*"], "known_hosts": str(known_hosts), "timeout_s": 5.0, **overrides}
    return SftpSource.model_validate(fields)


def secret(**fields: str) -> Secret:
    return Secret(SECRET, "fuelcards", json.dumps(fields or {"username": USER, "password": PASSWORD}))


def opened(src: SftpSource, sec: Secret | None = None) -> SftpConnector:
    connector = connect(src, sec or secret())
    connector.attempts, connector.backoff_s = 2, 0.01
    return connector


def expected_fingerprint(known_hosts_line: str) -> str:
    """OpenSSH's SHA256 fingerprint of a known_hosts line's key: unpadded base64 of the blob's SHA-256."""
    blob = base64.b64decode(known_hosts_line.split()[2])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def test_lists_only_finished_regular_matching_files_and_fetches_their_exact_bytes(
        drop: Path, server: ServerInfo, known_hosts: Path) -> None:
    content = b"card;date;litres\n7001;2026-01-05;41,20\n" * 500
    put(drop, "transactions_2026-01.csv", content, "2026-02-01T08:00:00+00:00")
    put(drop, "notes.txt", b"not a csv", "2026-01-10T08:00:00+00:00")
    put(drop, ".hidden.csv", b"dot file", "2026-01-10T08:00:00+00:00")
    put(drop, "upload.csv.part", b"still uploading", "2026-01-10T08:00:00+00:00")
    (drop / "archive.csv").mkdir()
    (drop / "link.csv").symlink_to(drop / "transactions_2026-01.csv")
    connector = opened(source(server, known_hosts))
    try:
        items = connector.list_new("2026-01", {})
        assert [(i.key, i.channel, i.period, i.watermark) for i in items] == [
            (f"transactions_2026-01.csv:{len(content)}:{epoch('2026-02-01T08:00:00+00:00')}", ".", "2026-01",
             "2026-02-01T08:00:00Z")]
        assert items[0].request == f"sftp://127.0.0.1:{server.port}/~/transactions_2026-01.csv"
        [delivered] = connector.fetch(items[0])
    finally:
        connector.close()
    assert delivered.file_name == "transactions_2026-01.csv"
    assert sha256(delivered.content) == sha256(content)
    assert delivered.request == items[0].request
    assert connector.warnings == []


def test_an_unknown_host_key_is_refused_naming_its_fingerprint(
        tmp_path: Path, drop: Path, server: ServerInfo) -> None:
    put(drop, "fuel_2026-01.csv", b"x", "2026-01-20T08:00:00+00:00")
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    connector = opened(source(server, empty))
    with pytest.raises(SourceError) as refused:
        connector.list_new("2026-01", {})
    message = str(refused.value)
    assert "pull source fuelcards" in message and f"127.0.0.1:{server.port}" in message
    assert f"ssh-ed25519 {expected_fingerprint(server.host_key_line_for_known_hosts)}" in message
    assert f"ssh-keyscan -p {server.port} -t ed25519 127.0.0.1 >> {empty}" in message
    assert "\n" not in message
    assert empty.read_text() == ""  # nothing is ever added to known_hosts by the connector


def test_a_changed_host_key_is_refused_naming_both_keys(tmp_path: Path, server: ServerInfo) -> None:
    other = new_host_key()
    stale = tmp_path / "known_hosts"
    stale.write_text(f"[127.0.0.1]:{server.port} ssh-ed25519 {other.get_base64()}\n")
    with pytest.raises(SourceError, match="CHANGED") as refused:
        opened(source(server, stale)).list_new("2026-01", {})
    message = str(refused.value)
    assert expected_fingerprint(server.host_key_line_for_known_hosts) in message
    assert expected_fingerprint(f"x ssh-ed25519 {other.get_base64()}") in message


def test_without_host_key_checking_it_connects_and_warns(tmp_path: Path, drop: Path, server: ServerInfo) -> None:
    put(drop, "fuel_2026-01.csv", b"abc", "2026-01-20T08:00:00+00:00")
    nowhere = tmp_path / "no_known_hosts"
    connector = opened(source(server, nowhere, host_key_checking=False))
    items = connector.list_new("2026-01", {})
    connector.close()
    assert [i.key for i in items] == [f"fuel_2026-01.csv:3:{epoch('2026-01-20T08:00:00+00:00')}"]
    [warning] = connector.warnings
    assert "host-key checking is off" in warning and "fuelcards" in warning
    assert expected_fingerprint(server.host_key_line_for_known_hosts) in warning
    assert not nowhere.exists()


def test_a_wrong_password_is_a_credential_error_naming_source_and_secret(
        server: ServerInfo, known_hosts: Path) -> None:
    connector = opened(source(server, known_hosts), secret(username=USER, password="wrong-Pw-123"))
    with pytest.raises(CredentialError) as refused:
        connector.list_new("2026-01", {})
    message = str(refused.value)
    assert "pull source fuelcards" in message and f"check secret {SECRET}" in message
    assert "wrong-Pw-123" not in message and PASSWORD not in message


def test_a_private_key_logs_in(drop: Path, tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    text = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.BestAvailableEncryption(b"phrase-9")).decode()
    public = paramiko.Ed25519Key.from_private_key(io.StringIO(text), password="phrase-9")
    put(drop, "fuel_2026-01.csv", b"abc", "2026-01-20T08:00:00+00:00")
    with serve(drop, USER, "unused-" + PASSWORD, public_key=public) as info:
        hosts = tmp_path / "known_hosts"
        hosts.write_text(info.host_key_line_for_known_hosts + "\n")
        connector = opened(source(info, hosts), secret(username=USER, private_key=text, passphrase="phrase-9"))
        assert len(connector.list_new("2026-01", {})) == 1
        connector.close()
    with pytest.raises(CredentialError, match="encrypted; add its passphrase"):
        connect(source(info, hosts), secret(username=USER, private_key=text))


def test_the_month_comes_from_the_name_when_it_names_one_else_from_the_time_in_amsterdam(
        drop: Path, server: ServerInfo, known_hosts: Path) -> None:
    put(drop, "fuel_2026-01.csv", b"1", "2026-03-02T10:00:00+00:00")
    put(drop, "fuel_202602.csv", b"2", "2026-03-02T10:00:01+00:00")
    put(drop, "fuel_2025_12.csv", b"3", "2026-03-02T10:00:02+00:00")
    put(drop, "export.csv", b"4", "2026-01-31T23:30:00+00:00")  # 00:30 on 1 February in Amsterdam
    put(drop, "from_2026-01_to_2026-02.csv", b"5", "2026-03-01T12:00:00+00:00")  # two months: its time
    put(drop, "day_20260115.csv", b"6", "2026-02-28T22:59:59+00:00")  # a date, no month: 23:59:59 in Amsterdam
    connector = opened(source(server, known_hosts))
    periods = {i.key.split(":")[0]: i.period for i in connector.list_new("2026-03", {})}
    connector.close()
    assert periods == {"fuel_2026-01.csv": "2026-01", "fuel_202602.csv": "2026-02", "fuel_2025_12.csv": "2025-12",
                       "export.csv": "2026-02", "from_2026-01_to_2026-02.csv": "2026-03",
                       "day_20260115.csv": "2026-02"}


def test_a_file_of_a_later_month_waits_and_holds_the_watermark_back(
        drop: Path, server: ServerInfo, known_hosts: Path) -> None:
    put(drop, "fuel_2026-02.csv", b"feb", "2026-01-20T08:00:00+00:00")  # uploaded early
    put(drop, "fuel_2026-01.csv", b"jan", "2026-01-31T08:00:00+00:00")
    connector = opened(source(server, known_hosts))
    january = connector.list_new("2026-01", {})
    assert [(i.key.split(":")[0], i.period, i.watermark) for i in january] == [
        ("fuel_2026-01.csv", "2026-01", "2026-01-20T08:00:00Z")]
    february = connector.list_new("2026-02", {".": january[-1].watermark})
    connector.close()
    assert [(i.key.split(":")[0], i.period, i.watermark) for i in february] == [
        ("fuel_2026-02.csv", "2026-02", "2026-01-20T08:00:00Z"),
        ("fuel_2026-01.csv", "2026-01", "2026-01-31T08:00:00Z")]


def test_the_keys_say_what_is_new_a_changed_or_late_file_included(
        drop: Path, server: ServerInfo, known_hosts: Path) -> None:
    """The run skips the keys its ledger holds; the listing leaves out nothing by time, so a file uploaded
    late with its original modification time (put -p) is new too."""
    put(drop, "a_2026-01.csv", b"a", "2026-01-10T08:00:00+00:00")
    put(drop, "b_2026-01.csv", b"bb", "2026-01-11T08:00:00+00:00")
    connector = opened(source(server, known_hosts))
    first = connector.list_new("2026-01", {})
    assert [i.key for i in first] == [f"a_2026-01.csv:1:{epoch('2026-01-10T08:00:00+00:00')}",
                                      f"b_2026-01.csv:2:{epoch('2026-01-11T08:00:00+00:00')}"]
    pulled = {i.key for i in first}
    put(drop, "c_2026-01.csv", b"ccc", "2026-01-12T08:00:00+00:00")
    second = connector.list_new("2026-01", {".": first[-1].watermark})
    assert [i.key for i in second if i.key not in pulled] == [f"c_2026-01.csv:3:{epoch('2026-01-12T08:00:00+00:00')}"]
    pulled |= {i.key for i in second}
    put(drop, "b_2026-01.csv", b"bb, corrected", "2026-01-13T08:00:00+00:00")
    put(drop, "late_2026-01.csv", b"late", "2026-01-05T08:00:00+00:00")  # older than the watermark
    third = connector.list_new("2026-01", {".": second[-1].watermark})
    changed = [i for i in third if i.key not in pulled]
    assert [i.key for i in changed] == [f"late_2026-01.csv:4:{epoch('2026-01-05T08:00:00+00:00')}",
                                        f"b_2026-01.csv:13:{epoch('2026-01-13T08:00:00+00:00')}"]
    [delivered] = connector.fetch(changed[1])
    connector.close()
    assert (delivered.file_name, delivered.content) == ("b_2026-01.csv", b"bb, corrected")


def test_a_file_changed_after_the_listing_is_not_taken(drop: Path, server: ServerInfo, known_hosts: Path) -> None:
    put(drop, "fuel_2026-01.csv", b"first", "2026-01-20T08:00:00+00:00")
    connector = opened(source(server, known_hosts))
    [item] = connector.list_new("2026-01", {})
    put(drop, "fuel_2026-01.csv", b"first and more", "2026-01-20T08:05:00+00:00")
    with pytest.raises(SourceError, match="changed while it was downloaded.*the next run takes the new version"):
        connector.fetch(item)
    connector.close()


def test_the_server_refuses_paths_outside_its_folder(server: ServerInfo, known_hosts: Path) -> None:
    with pytest.raises(SourceError, match="listing folder '../' .* failed: .*[Pp]ermission denied"):
        opened(source(server, known_hosts, folder="../")).list_new("2026-01", {})


def test_a_server_that_is_down_is_a_source_error_after_the_retries(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    down = ServerInfo("127.0.0.1", port, "")
    connector = connect(source(down, tmp_path / "known_hosts"), secret())
    connector.attempts, connector.backoff_s = 3, 0.05
    started = time.monotonic()
    with pytest.raises(SourceError) as failed:
        connector.list_new("2026-01", {})
    assert time.monotonic() - started < 3.0
    message = str(failed.value)
    assert f"pull source fuelcards: listing folder '.' on 127.0.0.1:{port} failed after 3 attempt(s)" in message
    assert "Unable to connect" in message or "refused" in message


def test_a_server_that_never_answers_is_a_source_error_after_the_retries(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts the connection, never says a word
        mute = ServerInfo("127.0.0.1", silent.getsockname()[1], "")
        connector = connect(source(mute, tmp_path / "known_hosts", timeout_s=0.3), secret())
        connector.attempts, connector.backoff_s = 2, 0.05
        started = time.monotonic()
        with pytest.raises(SourceError, match="failed after 2 attempt"):
            connector.list_new("2026-01", {})
        assert 0.6 <= time.monotonic() - started < 3.0
