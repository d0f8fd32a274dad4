"""Issue 15, point 1, beyond the corpus: a file that turns into a link or a pipe after the inbox was scanned.

The scan names links and pipes (corpus cases 01-*); the hashing and the raw store then open each file
without following a link and without waiting on a pipe, so a swap in between is refused, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from footprint.errors import StorageError
from footprint.storage.files import sha256_of
from footprint.storage.raw_store import open_raw_store


def test_a_file_replaced_by_a_link_after_the_scan_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n")
    delivered = tmp_path / "inbox" / "2025-03" / "fuel.csv"
    delivered.parent.mkdir(parents=True)
    delivered.symlink_to(secret)
    store = open_raw_store(tmp_path / "raw")
    with pytest.raises(StorageError, match=r"fuel\.csv: became a link after the inbox was read; not followed"):
        sha256_of(delivered)
    with pytest.raises(StorageError, match="became a link"):
        store.put(delivered)
    assert not (tmp_path / "raw").exists() or not any(p.is_file() for p in (tmp_path / "raw").rglob("*"))


def test_a_file_replaced_by_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "fuel.csv"
    os.mkfifo(pipe)
    with pytest.raises(StorageError, match=r"fuel\.csv: not a regular file \(any more\); not read"):
        sha256_of(pipe)
