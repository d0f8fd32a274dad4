"""The inbox new files arrive in, and the raw store that keeps every file once, by content.

Both are folders by default; the interfaces are small so an S3 implementation can stand beside them.
A stored raw file is never overwritten: its name is its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from footprint.periods import format_period

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's content, remembered per (path, size, mtime): a month's files are hashed once."""
    info = path.stat()
    return _sha256_cached(str(path.resolve()), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    stored_path: str
    size_bytes: int
    already_stored: bool


class FolderInbox:
    """Files for a month are dropped into <inbox>/YYYY-MM/; anything else there is ignored."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files_for(self, period: dt.date) -> list[Path]:
        folder = self.root / format_period(period)
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def periods(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and len(p.name) == 7)


class FolderRawStore:
    """Content-addressed, write-once storage: <root>/<sha[:2]>/<sha>/<original file name>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, source: Path, sha256: str | None = None) -> StoredFile:
        sha = sha256 or sha256_of(source)
        folder = self.root / sha[:2] / sha
        target = folder / source.name
        existing = next((p for p in folder.iterdir() if not p.name.startswith(".")), None) if folder.is_dir() else None
        if existing is not None:
            return StoredFile(sha, str(existing), existing.stat().st_size, already_stored=True)
        folder.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a crash never leaves a partial file under its final name.
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
        os.chmod(target, 0o444)
        return StoredFile(sha, str(target), target.stat().st_size, already_stored=False)
