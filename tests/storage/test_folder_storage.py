"""What only the folder backend has: read-only files, modification times (the shared suite: test_storage_contract)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from pathlib import Path

from footprint.storage.inbox import FolderInbox, open_inbox
from footprint.storage.raw_store import FolderRawStore

SETTLE_SECONDS = 60.0


def test_raw_store_keeps_each_content_once_and_read_only(tmp_path: Path) -> None:
    source = tmp_path / "in" / "fuel.csv"
    source.parent.mkdir()
    source.write_bytes(b"Datum;Product\n01-01-2024;Diesel\n")
    store = FolderRawStore(tmp_path / "raw")
    first = store.put(source)
    again = store.put(source)
    assert first.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (first.already_stored, again.already_stored) == (False, True)
    assert again.stored_path == first.stored_path
    assert Path(first.stored_path).read_bytes() == source.read_bytes()
    assert Path(first.stored_path).stat().st_mode & 0o222 == 0


def test_same_name_new_content_is_stored_beside_the_old(tmp_path: Path) -> None:
    source = tmp_path / "meter.csv"
    store = FolderRawStore(tmp_path / "raw")
    source.write_text("v1")
    old = store.put(source)
    source.chmod(0o644)
    source.write_text("v2, corrected")
    new = store.put(source)
    assert old.sha256 != new.sha256
    assert Path(old.stored_path).read_text() == "v1"
    assert Path(new.stored_path).read_text() == "v2, corrected"


def test_inbox_lists_a_months_files_only(tmp_path: Path) -> None:
    (tmp_path / "2024-03").mkdir()
    (tmp_path / "2024-04").mkdir()
    (tmp_path / "2024-03" / "b.csv").write_text("x")
    (tmp_path / "2024-03" / "a.csv").write_text("x")
    (tmp_path / "2024-03" / ".partial").write_text("x")
    (tmp_path / "2024-04" / "c.csv").write_text("x")
    inbox = FolderInbox(tmp_path, settle_seconds=0.0)
    assert [p.name for p in inbox.files_for(dt.date(2024, 3, 1))] == ["a.csv", "b.csv"]
    assert inbox.files_for(dt.date(2024, 5, 1)) == []


def test_a_fresh_file_is_picked_up_once_unchanged_for_the_settle_time(tmp_path: Path) -> None:
    month = tmp_path / "inbox" / "fuelcards" / "2024-03"
    month.mkdir(parents=True)
    export = month / "transactions.csv"
    export.write_text("Datum;Liter\n")
    inbox = open_inbox(tmp_path / "inbox", tmp_path / "staging", settle_seconds=SETTLE_SECONDS)

    fresh = inbox.scan(dt.date(2024, 3, 1))
    settled_at = time.time() - SETTLE_SECONDS - 1
    os.utime(export, (settled_at, settled_at))
    settled = inbox.scan(dt.date(2024, 3, 1))

    assert [(s.name, s.reason.split(" changed")[0]) for s in fresh.skipped] == [
        ("transactions.csv", "still uploading?")
    ]
    assert (fresh.files, settled.files, settled.skipped) == ([], [export], [])


def test_archived_report_files_are_read_only(tmp_path: Path) -> None:
    store = FolderRawStore(tmp_path / "raw")
    location = store.put_report("2025H2/20260105T120000Z/manifest.json", b"{}")
    assert location == str(tmp_path / "raw" / "reports" / "2025H2" / "20260105T120000Z" / "manifest.json")
    assert Path(location).stat().st_mode & 0o222 == 0
    assert [p.name for p in Path(location).parent.iterdir()] == ["manifest.json"]


def test_a_dead_writers_partial_file_goes_and_a_live_ones_stays(tmp_path: Path) -> None:
    """A killed run leaves `.incoming-*` beside the target; the next store of that content clears it, not a live write."""
    import fcntl

    source = tmp_path / "meter.csv"
    source.write_bytes(b"EAN;871687120000000004\n")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    folder = tmp_path / "raw" / sha[:2] / sha
    folder.mkdir(parents=True)
    dead = folder / ".incoming-dead"
    dead.write_bytes(b"EAN;87")  # no process holds it: its writer was killed
    live = folder / ".incoming-live"
    live.write_bytes(b"EAN;8716")
    with live.open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another run, still writing
        stored = FolderRawStore(tmp_path / "raw").put(source)
        assert live.exists()
    assert not dead.exists()
    assert Path(stored.stored_path).read_bytes() == source.read_bytes()
