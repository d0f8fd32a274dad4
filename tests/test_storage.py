from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from footprint.storage import FolderInbox, FolderRawStore


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
    inbox = FolderInbox(tmp_path)
    assert [p.name for p in inbox.files_for(dt.date(2024, 3, 1))] == ["a.csv", "b.csv"]
    assert inbox.files_for(dt.date(2024, 5, 1)) == []
