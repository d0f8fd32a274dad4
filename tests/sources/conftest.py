"""Inline source files: each test writes the few lines it needs, exactly as a provider would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "export.csv", encoding: str = "utf-8", newline: str = "\n") -> Path:
        path = tmp_path / name
        body = text.lstrip("\n").replace("\n", newline)
        path.write_bytes(body.encode(encoding))
        return path

    return write
