"""Pulled files into the inbox: under <source>/YYYY-MM/, nowhere else, any name the disk can hold, write-once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from footprint.errors import StorageError
from footprint.storage.inbox_delivery import MAX_NAME_BYTES, deliver, delivery_path


@pytest.mark.parametrize("name", ["../etc/passwd", "/abs.csv", "a\\b.csv", ".hidden.csv", "nul\x00.csv", ""],
                         ids=["dotdot", "absolute", "backslash", "leading-dot", "nul", "empty"])
def test_a_name_that_would_leave_the_folder_is_refused(name: str) -> None:
    with pytest.raises(StorageError, match="pull source mail: .* cannot be a name in the inbox"):
        delivery_path("mail", "2026-01", name)


def test_a_name_too_long_for_the_disk_is_shortened_the_same_way_each_time(tmp_path: Path) -> None:
    long_a, long_b = "7_1_" + "漢" * 110 + "a.csv", "7_1_" + "漢" * 110 + "b.csv"  # 334 bytes each in UTF-8
    path_a, path_b = delivery_path("mail", "2026-01", long_a), delivery_path("mail", "2026-01", long_b)
    name_a = Path(path_a).name
    assert len(name_a.encode()) <= MAX_NAME_BYTES and name_a.endswith(".csv") and name_a.startswith("7_1_漢")
    assert path_a == delivery_path("mail", "2026-01", long_a) and path_a != path_b
    sha = deliver(tmp_path, path_a, b"x;y\n1;2\n")
    assert sha == hashlib.sha256(b"x;y\n1;2\n").hexdigest()
    assert (tmp_path / path_a).read_bytes() == b"x;y\n1;2\n"
    assert deliver(tmp_path, path_a, b"x;y\n1;2\n") == sha  # the same content again: left alone
    assert delivery_path("mail", "2026-01", "short.csv") == "mail/2026-01/short.csv"
