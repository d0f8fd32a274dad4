"""Local files as the inbox and raw store handle them: opened without following links, hashed once,
written once under their final name, readable by the service user only, and a refused write named.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from footprint.crashpoints import crash_point
from footprint.errors import ChecksumMismatchError, StorageError, WriteRefusedError

CHUNK_BYTES = 1 << 20
# The raw store keeps files as delivered, card numbers and drivers' names included: only the service
# user reads them, whatever its umask. Stored files are read-only, for the store is write-once.
PRIVATE_FILE_MODE = 0o400
PRIVATE_FOLDER_MODE = 0o700
_INCOMING = ".incoming-"  # a write in progress, or one a crash cut off

# What a disk refusing a write means, in words: the place and this cause are all a user needs to act.
_DISK_CAUSES = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "input/output error (a failing disk or a lost network share)",
}


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's content, remembered per (path, size, mtime): a month's files are hashed once."""
    info = path.lstat()
    return _sha256_cached(os.path.abspath(path), info.st_size, info.st_mtime_ns)


def open_regular(path: Path | str) -> BinaryIO:
    """A file opened for reading only if it is a regular file itself: never through a link, never a pipe.

    The inbox is scanned first; a file replaced by a link or a pipe after that is refused, not followed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StorageError(f"{path}: became a link after the inbox was read; not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StorageError(f"{path}: not a regular file (any more); not read")
    return os.fdopen(fd, "rb")


@lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def disk_errors(where: str, doing: str = "") -> Iterator[None]:
    """A write the disk refuses (full, read-only, no permission) as one WriteRefusedError naming the place and cause.

    where: the store and its location ("raw store /srv/raw", "staging folder /x/.staging"); doing: what
    was being written ("storing fuel.csv"). Other OS errors are bugs and pass unchanged.
    """
    try:
        yield
    except OSError as exc:
        cause = _DISK_CAUSES.get(exc.errno or 0)
        if cause is None:
            raise
        raise WriteRefusedError(f"{where}: {cause}" + (f" while {doing}" if doing else "")) from exc


def write_new(target: Path, src: BinaryIO, expected_sha256: str | None = None, what: str = "") -> None:
    """Write a file read-only under its final name, only if its content has the expected SHA-256.

    It is written beside the target and renamed, so a crash never leaves a partial file under its final name.
    """
    private_folder(target.parent)
    _remove_abandoned(target.parent)
    digest = hashlib.sha256()
    fd, tmp_name = _new_partial(target.parent)
    lock = os.dup(fd)  # the lock outlives the file's closing, until it has its final name
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
                crash_point("store")  # reliability tests: die with a partial file beside the target
            out.flush()
            os.fsync(out.fileno())
        written = digest.hexdigest()
        if expected_sha256 is not None and written != expected_sha256:
            raise ChecksumMismatchError(
                f"{what}: content changed while it was stored (SHA-256 {written}, expected {expected_sha256}); "
                "nothing stored"
            )
        os.chmod(tmp_name, PRIVATE_FILE_MODE)
        os.replace(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
        os.close(lock)


def private_folder(folder: Path) -> None:
    """Create folder and its missing parents readable by this user only (mkdir's mode skips parents)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for each in reversed(missing):
        each.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
        each.chmod(PRIVATE_FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened: make it exact


def _new_partial(folder: Path) -> tuple[int, str]:
    """A new partial file, locked until this process closes it or dies.

    Another run's _remove_abandoned may take it between creation and lock: then it is gone, try again.
    """
    while True:
        fd, name = tempfile.mkstemp(dir=folder, prefix=_INCOMING)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, name
        os.close(fd)


def _remove_abandoned(folder: Path) -> None:
    """Delete partial files of writers that died (a killed run): nobody holds their lock any more.

    A writer locks its partial file for as long as it lives, so one still being written is left alone
    (see _new_partial for one created a moment ago).
    """
    for partial in folder.glob(f"{_INCOMING}*"):
        try:
            fd = os.open(partial, os.O_RDONLY)
        except FileNotFoundError:
            continue  # its writer finished meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        else:
            partial.unlink(missing_ok=True)
        finally:
            os.close(fd)
