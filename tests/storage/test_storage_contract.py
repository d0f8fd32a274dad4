"""One suite for the folder and the S3 implementations: pick-up, files still arriving, write-once, checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

from footprint.errors import ChecksumMismatchError, StorageError
from footprint.storage.files import sha256_of
from footprint.storage.inbox import copy_into_inbox

JANUARY = dt.date(2026, 1, 1)


def test_a_months_files_are_picked_up_in_both_layouts(backend) -> None:
    backend.drop("2026-01/fuel.csv", b"plain layout")
    backend.drop("meters/2026-01/usage.csv", b"per-source layout")
    backend.drop("meters/2026-01/detail/interval.csv", b"deeper below the month")
    backend.drop("meters/2026-02/usage.csv", b"next month")
    backend.drop("2026-01x/other.csv", b"not a month folder")
    backend.drop("readme.txt", b"beside the months")
    inbox = backend.inbox()

    scan = inbox.scan(JANUARY)

    assert [p.name for p in scan.files] == ["fuel.csv", "interval.csv", "usage.csv"]
    assert [p.read_bytes() for p in scan.files] == [b"plain layout", b"deeper below the month", b"per-source layout"]
    assert scan.skipped == []
    assert inbox.location_of(scan.files[2]).endswith("meters/2026-01/usage.csv")
    assert inbox.periods() == ["2026-01", "2026-02"]
    assert inbox.files_for(dt.date(2026, 3, 1)) == []


def test_the_deepest_month_folder_decides(backend) -> None:
    backend.drop("2026-01/2026-02/late.csv", b"x")
    assert [p.name for p in backend.inbox().files_for(dt.date(2026, 2, 1))] == ["late.csv"]
    assert backend.inbox().files_for(JANUARY) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("fuel.csv", b"", "empty (0 bytes)"),
        ("fuel.csv.part", b"x", "still uploading (temporary name .part)"),
        ("fuel.csv.tmp", b"x", "still uploading (temporary name .tmp)"),
        ("Export.xlsx.crdownload", b"x", "still uploading (temporary name .crdownload)"),
        ("fuel.csv.partial", b"x", "still uploading (temporary name .partial)"),
        (".fuel.csv.Xa81b", b"x", "hidden file"),
        ("~$usage.xlsx", b"x", "Office lock file"),
    ],
    ids=["empty", "part", "tmp", "crdownload", "partial", "hidden", "office-lock"],
)
def test_a_file_still_arriving_is_skipped_with_its_reason(backend, name: str, data: bytes, reason: str) -> None:
    backend.drop(f"fuelcards/2026-01/{name}", data)
    backend.drop("fuelcards/2026-01/complete.csv", b"done")

    scan = backend.inbox().scan(JANUARY)

    assert [p.name for p in scan.files] == ["complete.csv"]
    assert [(s.name, s.reason.startswith(reason)) for s in scan.skipped] == [(name, True)]
    assert scan.skipped[0].location.endswith(f"fuelcards/2026-01/{name}")


def test_a_new_file_waits_until_it_has_settled(backend) -> None:
    backend.drop("2026-01/fuel.csv", b"just written")

    waiting = backend.inbox(settle_seconds=3600).scan(JANUARY)
    settled = backend.inbox(settle_seconds=0).scan(JANUARY)

    assert waiting.files == []
    assert [(s.name, s.reason.split(" changed")[0]) for s in waiting.skipped] == [("fuel.csv", "still uploading?")]
    assert [p.read_bytes() for p in settled.files] == [b"just written"]


def _source(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "work" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o644)
    path.write_bytes(data)
    return path


def test_raw_store_keeps_each_content_once(backend, tmp_path: Path) -> None:
    store = backend.raw_store()
    source = _source(tmp_path, "fuel.csv", b"Datum;Product\n01-01-2024;Diesel\n")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()

    first = store.put(source)
    again = store.put(source, sha)
    copy = store.put(_source(tmp_path, "fuel (1).csv", source.read_bytes()))

    assert (first.sha256, first.size_bytes, first.already_stored) == (sha, source.stat().st_size, False)
    assert (again.already_stored, copy.already_stored) == (True, True)
    assert again.stored_path == copy.stored_path == first.stored_path
    assert first.stored_path.endswith(f"{sha[:2]}/{sha}/fuel.csv")
    assert backend.read(first.stored_path) == source.read_bytes()
    assert backend.stored() == [f"{sha[:2]}/{sha}/fuel.csv"]


def test_a_stored_file_is_fetched_back_only_as_stored(backend, tmp_path: Path) -> None:
    """footprint reprocess reads kept files again: the content must be what was stored, or nothing is read."""
    store = backend.raw_store()
    kept = store.put(_source(tmp_path, "fuel.csv", b"Datum;Product\n01-01-2024;Diesel\n"))
    fetched = store.fetch(kept.stored_path, kept.sha256, tmp_path / "staging")
    assert (fetched.name, fetched.read_bytes()) == ("fuel.csv", b"Datum;Product\n01-01-2024;Diesel\n")
    with pytest.raises(ChecksumMismatchError, match="changed since it was stored"):
        store.fetch(kept.stored_path, "0" * 64, tmp_path / "elsewhere")
    gone = kept.stored_path.replace(kept.sha256, "f" * 64)
    with pytest.raises(StorageError, match="gone from the raw store"):
        store.fetch(gone, "f" * 64, tmp_path / "staging")


def test_a_corrected_file_is_stored_beside_the_old_one(backend, tmp_path: Path) -> None:
    store = backend.raw_store()
    old = store.put(_source(tmp_path, "meter.csv", b"v1"))
    new = store.put(_source(tmp_path, "meter.csv", b"v2, corrected"))
    assert old.sha256 != new.sha256
    assert (backend.read(old.stored_path), backend.read(new.stored_path)) == (b"v1", b"v2, corrected")


def test_a_wrong_checksum_is_refused_and_nothing_stored(backend, tmp_path: Path) -> None:
    store = backend.raw_store()
    source = _source(tmp_path, "fuel.csv", b"real content")
    with pytest.raises(ChecksumMismatchError, match="not the expected"):
        store.put(source, hashlib.sha256(b"other content").hexdigest())
    assert backend.stored() == []


def test_content_changed_after_hashing_is_refused_and_nothing_stored(backend, tmp_path: Path) -> None:
    """Rewritten with the same size and mtime, its remembered SHA-256 is stale: the check after writing catches it."""
    source = _source(tmp_path, "fuel.csv", b"content A")
    stale = sha256_of(source)
    info = source.stat()
    source.write_bytes(b"content B")
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert sha256_of(source) == stale

    with pytest.raises(ChecksumMismatchError, match="changed while it was stored"):
        backend.raw_store().put(source)
    assert backend.stored() == []


def test_other_content_under_an_existing_checksum_is_refused(backend, tmp_path: Path) -> None:
    source = _source(tmp_path, "fuel.csv", b"the real file")
    sha = sha256_of(source)
    backend.plant(f"{sha[:2]}/{sha}/fuel.csv", b"something else entirely")

    with pytest.raises(StorageError, match="holds other content"):
        backend.raw_store().put(source)
    assert backend.stored() == [f"{sha[:2]}/{sha}/fuel.csv"]
    planted = f"{backend.raw_store().location}/{sha[:2]}/{sha}/fuel.csv"
    assert backend.read(planted) == b"something else entirely"


def test_the_report_archive_is_write_once_and_reads_back(backend, tmp_path: Path) -> None:
    store = backend.raw_store()
    chart = _source(tmp_path, "scope1.png", b"\x89PNG...")
    store.put_report("2025H2/20260105T120000Z/summary.json", b'{"total": 1}')
    store.put_report("2025H2/20260105T120000Z/charts/scope1.png", chart)
    store.put_report("2025H2/20260105T120000Z/manifest.json", b"{}")
    store.put_report("2026H1/20260705T120000Z/manifest.json", b"{}")

    with pytest.raises(StorageError, match="write-once"):
        store.put_report("2025H2/20260105T120000Z/summary.json", b'{"total": 2}')
    with pytest.raises(StorageError, match="inside the archive"):
        store.put_report("../escape.json", b"{}")

    assert store.report_files("2025H2/") == [
        "2025H2/20260105T120000Z/charts/scope1.png",
        "2025H2/20260105T120000Z/manifest.json",
        "2025H2/20260105T120000Z/summary.json",
    ]
    assert store.read_report("2025H2/20260105T120000Z/summary.json") == b'{"total": 1}'
    assert store.read_report("2025H2/20260105T120000Z/charts/scope1.png") == b"\x89PNG..."
    with pytest.raises(StorageError, match="no such archived report file"):
        store.read_report("2025H2/none/manifest.json")


def test_files_made_locally_are_copied_into_the_inbox_once(backend, tmp_path: Path) -> None:
    local = tmp_path / "made-here"
    made = {"2026-01/fuel.csv": b"fuel", "2026-01/meters/usage.csv": b"usage", "2026-02/x.csv": b"x"}
    for relative, data in made.items():
        (local / relative).parent.mkdir(parents=True, exist_ok=True)
        (local / relative).write_bytes(data)
    location = backend.inbox().location

    assert copy_into_inbox(local, location) == 3
    assert [p.read_bytes() for p in backend.inbox().files_for(JANUARY)] == [b"fuel", b"usage"]
    assert copy_into_inbox(local, location) == 0
