"""The inbox new files arrive in, and the raw store that keeps every file once, by content.

Each is a folder or an S3 bucket (or an S3-compatible store), chosen by its location string:
a path, or s3://BUCKET/PREFIX. open_inbox and open_raw_store return either with the same methods.

Inbox: a file belongs to a month when one of its folders is named exactly YYYY-MM (the deepest
such folder counts), so both inbox/2026-01/x.csv and inbox/fuelcards/2026-01/x.csv are January's.
A file that may still be arriving is skipped with its reason, never read half-written.

Raw store: <root>/<sha[:2]>/<sha>/<original name>, write-once, checked against its SHA-256 after
writing; report runs are archived under <root>/reports/, write-once too.
"""

from __future__ import annotations

import base64
import fcntl
import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from footprint.crashpoints import crash_point
from footprint.errors import ChecksumMismatchError, ConfigError, StorageError, WriteRefusedError
from footprint.periods import format_period

_CHUNK = 1 << 20
DEFAULT_SETTLE_SECONDS = 60.0
# Names that browsers, sync tools and uploaders give a file until it is complete.
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
ENDPOINT_ENV = "FOOTPRINT_S3_ENDPOINT_URL"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_REPORTS = "reports"
_INCOMING = ".incoming-"  # a write in progress, or one a crash cut off
# The raw store keeps files as delivered, card numbers and drivers' names included: only the service
# user reads them, whatever its umask. Stored files are read-only, for the store is write-once.
PRIVATE_FILE_MODE = 0o400
PRIVATE_FOLDER_MODE = 0o700

S3Client = Any  # boto3's client is generated at run time; its stubs are not a dependency
_BOTOCORE_LOADER = botocore.loaders.create_loader()


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
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    stored_path: str
    size_bytes: int
    already_stored: bool


@dataclass(frozen=True)
class SkippedFile:
    """A month's file not picked up this run, and why (most often: it is still arriving)."""

    location: str
    name: str
    reason: str


@dataclass(frozen=True)
class InboxScan:
    files: list[Path]
    skipped: list[SkippedFile]


class Inbox(Protocol):
    location: str

    def scan(self, period: dt.date) -> InboxScan: ...

    def files_for(self, period: dt.date) -> list[Path]: ...

    def periods(self) -> list[str]: ...

    def location_of(self, path: Path) -> str: ...


class RawStore(Protocol):
    location: str

    def put(self, source: Path, sha256: str | None = None) -> StoredFile: ...

    def put_report(self, relative: str, data: bytes | Path) -> str: ...

    def fetch(self, stored_path: str, sha256: str, staging_dir: Path) -> Path: ...

    def report_files(self, prefix: str = "") -> list[str]: ...

    def read_report(self, relative: str) -> bytes: ...

    def inventory(self) -> dict[str, int]: ...

    def sizes(self, relatives: list[str]) -> dict[str, int | None]: ...

    def stored_sha256(self, relative: str) -> str | None: ...


def is_s3_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


def open_inbox(
    location: str | Path,
    staging_dir: Path,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    endpoint_url: str | None = None,
    client: S3Client | None = None,
) -> Inbox:
    """The inbox at a folder path or s3://BUCKET/PREFIX; S3 files are downloaded into staging_dir to be parsed.

    client: an S3 client to share (from s3_client); by default one is made from endpoint_url and the environment.
    """
    if is_s3_url(location):
        bucket, prefix = parse_s3_url(str(location))
        client = client or s3_client(endpoint_url)
        return S3Inbox(bucket, prefix, staging_dir, settle_seconds=settle_seconds, client=client)
    return FolderInbox(_folder(location), settle_seconds=settle_seconds)


def open_raw_store(
    location: str | Path, *, endpoint_url: str | None = None, client: S3Client | None = None
) -> RawStore:
    """The raw store at a folder path or s3://BUCKET/PREFIX."""
    if is_s3_url(location):
        bucket, prefix = parse_s3_url(str(location))
        return S3RawStore(bucket, prefix, client=client or s3_client(endpoint_url))
    return FolderRawStore(_folder(location))


def copy_into_inbox(
    source: Path, location: str | Path, *, endpoint_url: str | None = None, client: S3Client | None = None
) -> int:
    """Copy a local inbox tree (files under YYYY-MM/ folders) into the inbox at a folder or s3://BUCKET/PREFIX.

    For files made on this machine that the workspace's inbox must see (the demo's). A file already
    there with the same size is left alone, so a rerun copies nothing; returns how many were copied.
    """
    files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not is_s3_url(location):
        target = _folder(location)
        if target.resolve() == source.resolve():
            return 0
        todo = [p for p in files if not (target / p.relative_to(source)).is_file()
                or (target / p.relative_to(source)).stat().st_size != p.stat().st_size]
        for path in todo:
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.relative_to(source))
        return len(todo)
    inbox = _S3Location(*parse_s3_url(str(location)), client=client or s3_client(endpoint_url))
    existing = {o["Key"]: o["Size"] for o in inbox._objects(f"{inbox.prefix}/" if inbox.prefix else "")}
    copied = 0
    for path in files:
        key = inbox._key(path.relative_to(source).as_posix())
        if existing.get(key) != path.stat().st_size:
            with _s3_errors(inbox._url(key)), path.open("rb") as body:
                inbox.client.put_object(Bucket=inbox.bucket, Key=key, Body=body)
            copied += 1
    return copied


def _folder(location: str | Path) -> Path:
    if isinstance(location, str) and _SCHEME.match(location):
        raise ConfigError(f"{location}: unsupported storage location; use a folder path or s3://BUCKET/PREFIX")
    return Path(location)


def parse_s3_url(location: str) -> tuple[str, str]:
    """s3://BUCKET/PREFIX -> (bucket, prefix without surrounding slashes)."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not _BUCKET.match(parts.netloc) or parts.query or parts.fragment:
        raise ConfigError(f"{location}: not an S3 location; write s3://BUCKET/PREFIX (a lower-case bucket name)")
    return parts.netloc, parts.path.strip("/")


def s3_client(endpoint_url: str | None = None) -> S3Client:
    """An S3 client from boto3's default chain: AWS_* variables, AWS_PROFILE, ~/.aws, instance roles.

    Region, retries and addressing style come from that chain too (AWS_DEFAULT_REGION, AWS_RETRY_MODE,
    ~/.aws/config `s3 = addressing_style = path` for stores that need it).
    boto3 reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 itself; FOOTPRINT_S3_ENDPOINT_URL (or the
    argument) overrides them, for an S3-compatible store used by footprint only.
    """
    endpoint = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
    try:
        # A session per client: boto3 sessions are not thread-safe, and credentials are resolved afresh.
        # The sessions share one loader of botocore's service models: 10 ms per client instead of 120.
        session = botocore.session.Session()
        session.register_component("data_loader", _BOTOCORE_LOADER)
        return boto3.session.Session(botocore_session=session).client("s3", endpoint_url=endpoint)
    except (BotoCoreError, ValueError) as exc:
        raise ConfigError(f"cannot set up the S3 client ({_redact(endpoint)}): {exc}") from exc


def _redact(url: str | None) -> str:
    """An endpoint URL without user:password@, fit for a message."""
    if not url:
        return "default endpoint"
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    return parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()


def path_in_month(path: Path | str) -> str:
    """A file's path below its deepest YYYY-MM folder ("fluvius/x.csv"), or its name when it has none.

    An inbox subfolder names what a file is (a meter's exports, say), so footprint.yaml can assign by it.
    """
    parts = PurePosixPath(Path(path).as_posix()).parts
    deepest = max((i for i, part in enumerate(parts[:-1]) if _MONTH.match(part)), default=None)
    return "/".join(parts[deepest + 1 :]) if deepest is not None else parts[-1]


def _month_of(folders: tuple[str, ...] | list[str]) -> str | None:
    """The month a file belongs to: its deepest folder named YYYY-MM."""
    return next((part for part in reversed(folders) if _MONTH.match(part)), None)


def _skip_reason(parts: tuple[str, ...] | list[str], size: int, age_s: float, settle_seconds: float) -> str | None:
    """Why a month's file is not picked up yet, or None: parts are its path segments below the inbox."""
    name = parts[-1]
    if any(part.startswith(".") for part in parts):
        return "hidden file (a sync tool's temporary or a system file)"
    if name.startswith("~$"):
        return "Office lock file: the workbook is open somewhere"
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return f"still uploading (temporary name {PurePosixPath(name).suffix})"
    if size == 0:
        return "empty (0 bytes): still being written, or an empty export"
    if settle_seconds > 0 and age_s < settle_seconds:
        return f"still uploading? changed {max(age_s, 0):.0f} s ago; picked up once unchanged for {settle_seconds:g} s"
    return None


def _not_regular(path: Path, info: os.stat_result, root: Path) -> str | None:
    """Why an inbox entry is not read as a delivered file: a link, a pipe, a device; None for a regular file."""
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(root):
            return "a link to a place outside the inbox; only files inside the inbox are read"
        return (f"a link to {target.relative_to(root).as_posix() if target.parent != path.parent else target.name} "
                "in the inbox; files are read where they lie, not through links")
    if stat.S_ISREG(info.st_mode):
        return None
    kinds = {stat.S_ISFIFO: "a named pipe", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a device",
             stat.S_ISBLK: "a device", stat.S_ISDIR: "a folder"}
    kind = next((word for test, word in kinds.items() if test(info.st_mode)), "something else")
    return f"not a regular file ({kind})"


def _relative(relative: str) -> PurePosixPath:
    """A report path below reports/, refused when it could leave it."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise StorageError(f"report path {relative!r} must be relative and stay inside the archive")
    return path


def _kept(relative: str) -> str:
    """A path inside the store as inventory() names it ('ab/<sha>/fuel.csv'), refused when it could leave the store.

    Checked as a string: the cheap check runs it for every stored file (a PurePosixPath costs ten times more).
    """
    if any(part in ("", ".", "..") for part in relative.split("/")):
        raise StorageError(f"{relative!r} is not a path inside the raw store")
    return relative


# An empty, "." or ".." part of a path, at any line of many paths joined by newlines.
_LEAVING = re.compile(r"(?:^|/)(?:\.\.?)?(?:/|$)", re.MULTILINE)


def _all_kept(relatives: list[str]) -> None:
    """_kept for many paths at once, in one regular-expression pass (the cheap check looks up every stored file)."""
    joined = "\n".join(relatives)
    if relatives and _LEAVING.search(joined):
        bad = next(r for r in relatives if _LEAVING.search(r) or "\n" in r)
        _kept(bad)
        raise StorageError(f"{bad!r} is not a path inside the raw store")


def _b64(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _hex(sha256_b64: str) -> str:
    return base64.b64decode(sha256_b64).hex()


def _verified(path: Path, sha256: str, where: str) -> None:
    """A stored file read back must still be the content it was stored as."""
    actual = sha256_of(path)
    if actual != sha256:
        raise ChecksumMismatchError(f"{where}: its content changed since it was stored (SHA-256 {actual}, "
                                    f"stored as {sha256}); it is not read again")


def _checked_sha(source: Path, sha256: str | None) -> str:
    """The SHA-256 to store a file under; a claimed one must be the content's."""
    actual = sha256_of(source)
    if sha256 is not None and sha256.lower() != actual:
        raise ChecksumMismatchError(f"{source}: content has SHA-256 {actual}, not the expected {sha256}; not stored")
    return actual


class FolderInbox:
    """Files for a month are dropped into a folder named YYYY-MM anywhere below the inbox."""

    def __init__(self, root: Path, *, settle_seconds: float = 0.0) -> None:
        # 0 by default: callers that wrote the files themselves (demo, tests) need not wait;
        # open_inbox passes DEFAULT_SETTLE_SECONDS for an inbox that others drop files into.
        self.root = root
        self.settle_seconds = settle_seconds
        self.location = str(root)

    def scan(self, period: dt.date) -> InboxScan:
        """The month's regular files, walked without following a link; everything else is named with why.

        Only files that lie inside the inbox are read: a link (to /etc/shadow, to a folder, to a device)
        could pull in what nobody dropped here, and a named pipe would wait for ever to be read.
        """
        month = format_period(period)
        if not self.root.is_dir():
            return InboxScan([], [])
        root = self.root.resolve()
        now = time.time()
        files: list[Path] = []
        skipped: list[SkippedFile] = []
        for folder, folders, names in os.walk(root):  # os.walk never descends into a linked folder
            below = Path(folder).relative_to(root).parts
            folders.sort()
            links = [name for name in folders if os.path.islink(os.path.join(folder, name))]
            for name in sorted(names + links):
                parts = (*below, name)
                path = Path(folder, name)
                linked_month = name in links and name == month
                if _month_of(below) != month and not linked_month:
                    continue
                info = path.lstat()
                reason = _not_regular(path, info, root) or _skip_reason(
                    parts, info.st_size, now - info.st_mtime, self.settle_seconds
                )
                if reason:
                    shown = "/".join(parts[len(below) - 1 :]) if linked_month and below else name
                    skipped.append(SkippedFile(str(path), shown, reason))
                else:
                    files.append(path)
        return InboxScan(sorted(files), sorted(skipped, key=lambda each: each.location))

    def files_for(self, period: dt.date) -> list[Path]:
        return self.scan(period).files

    def periods(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted({p.name for p in self.root.rglob("*") if _MONTH.match(p.name) and p.is_dir()})

    def location_of(self, path: Path) -> str:
        return str(path)


class FolderRawStore:
    """Content-addressed, write-once storage: <root>/<sha[:2]>/<sha>/<original file name>."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def put(self, source: Path, sha256: str | None = None) -> StoredFile:
        sha = _checked_sha(source, sha256)
        folder = self.root / sha[:2] / sha
        existing = next((p for p in folder.iterdir() if not p.name.startswith(".")), None) if folder.is_dir() else None
        if existing is not None:
            size = existing.stat().st_size
            if size != source.stat().st_size:
                raise StorageError(f"{existing}: holds other content than {source} (SHA-256 {sha}); left as it is")
            return StoredFile(sha, str(existing), size, already_stored=True)
        target = folder / source.name
        with open_regular(source) as src, disk_errors(f"raw store {self.location}", f"storing {source.name}"):
            _write_new(target, src, expected_sha256=sha, what=str(source))
        return StoredFile(sha, str(target), target.stat().st_size, already_stored=False)

    def fetch(self, stored_path: str, sha256: str, staging_dir: Path) -> Path:
        """A kept file to read again (footprint reprocess): its own path, once its content is checked."""
        path = Path(stored_path)
        if not path.is_file():
            raise StorageError(f"{stored_path}: the stored file is gone from the raw store; it cannot be read again")
        _verified(path, sha256, stored_path)
        return path

    def put_report(self, relative: str, data: bytes | Path) -> str:
        """Archive one report file at reports/<relative>, read-only; an existing one is never replaced."""
        target = self.root / _REPORTS / _relative(relative)
        if target.exists():
            raise StorageError(f"{target}: already archived; the report archive is write-once")
        archiving = disk_errors(f"raw store {self.location}", f"archiving report file {relative}")
        if isinstance(data, Path):
            with data.open("rb") as src, archiving:
                _write_new(target, src)
        else:
            with archiving:
                _write_new(target, _BytesReader(data))
        return str(target)

    def report_files(self, prefix: str = "") -> list[str]:
        """Archived report paths (relative to reports/, with '/') that start with prefix, sorted."""
        root = self.root / _REPORTS
        if not root.is_dir():
            return []
        found = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        return sorted(name for name in found if name.startswith(prefix))

    def inventory(self) -> dict[str, int]:
        """Every kept file as its path inside the store ('ab/<sha>/fuel.csv', 'reports/...') -> size in bytes.

        From the folder listing alone, no content read: the cheap check before a report runs on it. Hidden
        files (writes in progress, or cut off by a crash) are left out, as the store never lists them.
        """
        found: dict[str, int] = {}
        pending = [(str(self.root), "")]
        with disk_errors(f"raw store {self.location}", "listing it"):
            while pending:
                folder, prefix = pending.pop()
                try:
                    entries = list(os.scandir(folder))
                except FileNotFoundError:
                    continue  # no file stored yet, or a folder removed while listed
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, f"{prefix}{entry.name}/"))
                    elif entry.is_file(follow_symlinks=False):
                        found[prefix + entry.name] = entry.stat(follow_symlinks=False).st_size
        return found

    def sizes(self, relatives: list[str]) -> dict[str, int | None]:
        """The size in bytes of each kept file named as inventory() names it, None for one that is gone.

        One stat per file, no listing and no content read: 10,000 files in about a tenth of a second.
        """
        _all_kept(relatives)
        found: dict[str, int | None] = {}
        with disk_errors(f"raw store {self.location}", "looking up its files"):
            for relative in relatives:
                try:
                    info = os.stat(f"{self.location}/{relative}", follow_symlinks=False)
                except (FileNotFoundError, NotADirectoryError):
                    found[relative] = None
                else:
                    found[relative] = info.st_size if stat.S_ISREG(info.st_mode) else None
        return found

    def stored_sha256(self, relative: str) -> str | None:
        """The SHA-256 of a kept file's content as it is now (relative as inventory() names it); None when gone."""
        path = self.root / _kept(relative)
        with disk_errors(f"raw store {self.location}", f"reading {relative}"):
            try:
                with open(path, "rb") as handle:
                    return hashlib.file_digest(handle, "sha256").hexdigest()
            except (FileNotFoundError, IsADirectoryError):
                return None

    def read_report(self, relative: str) -> bytes:
        path = self.root / _REPORTS / _relative(relative)
        if not path.is_file():
            raise StorageError(f"{path}: no such archived report file")
        return path.read_bytes()


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def read(self, size: int) -> bytes:
        chunk, self._data = self._data[:size], self._data[size:]
        return bytes(chunk)


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


def _write_new(target: Path, src: BinaryIO | _BytesReader, expected_sha256: str | None = None, what: str = "") -> None:
    """Write a file read-only under its final name, only if its content has the expected SHA-256.

    It is written beside the target and renamed, so a crash never leaves a partial file under its final name.
    """
    _private_folder(target.parent)
    _remove_abandoned(target.parent)
    digest = hashlib.sha256()
    fd, tmp_name = _new_partial(target.parent)
    lock = os.dup(fd)  # the lock outlives the file's closing, until it has its final name
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
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


def _private_folder(folder: Path) -> None:
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


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def _s3_errors(where: str) -> Iterator[None]:
    """boto3's errors as one clear StorageError naming the object; credentials never appear in it."""
    try:
        yield
    except ClientError as exc:
        code = _error_code(exc)
        hints = {
            "NoSuchBucket": "the bucket does not exist",
            "AccessDenied": "access denied: check the AWS credentials or profile and the bucket policy",
            "InvalidAccessKeyId": "the AWS access key is not known to the store",
            "SignatureDoesNotMatch": "the AWS secret key was refused",
            "NotImplemented": "the store does not support this request (footprint needs conditional writes and "
            "SHA-256 checksums)",
            # A full store or bucket, as MinIO and Ceph say it (AWS S3 has no such limit).
            "XMinioStorageFull": "the store is full (no space left on its disks)",
            "XMinioAdminBucketQuotaExceeded": "the bucket's quota is exceeded",
            "QuotaExceeded": "the bucket's quota is exceeded",
        }
        message = exc.response.get("Error", {}).get("Message", "")
        raise StorageError(f"{where}: {hints.get(code, f'{code}: {message}'.strip(': '))}") from exc
    except NoCredentialsError as exc:
        raise StorageError(
            f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        ) from exc
    except EndpointConnectionError as exc:
        raise StorageError(f"{where}: cannot reach the S3 endpoint ({type(exc).__name__})") from exc
    except BotoCoreError as exc:
        raise StorageError(f"{where}: {exc}") from exc


class _S3Location:
    def __init__(self, bucket: str, prefix: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or s3_client()
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def _url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _objects(self, prefix: str) -> Iterator[dict[str, Any]]:
        with _s3_errors(self._url(prefix.rstrip("/"))):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                yield from page.get("Contents", [])

    def _download_to(self, key: str, target: Path, if_match: str | None = None) -> bool:
        """Fetch an object into target, written beside it and renamed; False when it is gone or was replaced."""
        _private_folder(target.parent)  # a downloaded delivery holds what the raw store holds
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".download-")
        try:
            with _s3_errors(self._url(key)), os.fdopen(fd, "wb") as out:
                try:
                    condition = {"IfMatch": if_match} if if_match is not None else {}
                    body = self.client.get_object(Bucket=self.bucket, Key=key, **condition)["Body"]
                except ClientError as exc:
                    if _error_code(exc) in ("PreconditionFailed", "NoSuchKey"):
                        return False
                    raise
                for chunk in body.iter_chunks(_CHUNK):
                    out.write(chunk)
            os.replace(tmp_name, target)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
        return True


class S3Inbox(_S3Location):
    """Files for a month are objects below s3://BUCKET/PREFIX/ with a folder named YYYY-MM in their key.

    Parsers need local files, so a month's objects are downloaded into staging_dir, one folder per
    (key, ETag, size): a rerun reuses the download, a replaced object is fetched again.
    A multipart upload in progress is no object yet (S3 shows it only once completed), so it is never
    listed as a file; it is reported as skipped.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str,
        staging_dir: Path,
        *,
        settle_seconds: float = DEFAULT_SETTLE_SECONDS,
        client: S3Client | None = None,
    ) -> None:
        super().__init__(bucket, prefix, client)
        self.staging_dir = staging_dir
        self.settle_seconds = settle_seconds
        self._origins: dict[Path, str] = {}

    @property
    def _list_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def scan(self, period: dt.date) -> InboxScan:
        month = format_period(period)
        now = dt.datetime.now(dt.timezone.utc)
        files: list[tuple[str, Path]] = []
        skipped: list[SkippedFile] = []
        for obj in self._objects(self._list_prefix):
            key: str = obj["Key"]
            parts = key[len(self._list_prefix):].split("/")
            if not parts[-1] or _month_of(parts[:-1]) != month:
                continue
            url = self._url(key)
            age_s = (now - obj["LastModified"]).total_seconds()
            reason = _skip_reason(parts, obj["Size"], age_s, self.settle_seconds)
            local = None if reason else self._download(key, obj["ETag"], obj["Size"])
            if local is None:
                reason = reason or "still uploading: changed while it was being read; looked at again next run"
                skipped.append(SkippedFile(url, parts[-1], reason))
            else:
                self._origins[local] = url
                files.append((url, local))
        skipped.extend(self._uploads_in_progress(month))
        return InboxScan([local for _, local in sorted(files)], skipped)

    def files_for(self, period: dt.date) -> list[Path]:
        return self.scan(period).files

    def periods(self) -> list[str]:
        start = len(self._list_prefix)
        months = (_month_of(o["Key"][start:].split("/")[:-1]) for o in self._objects(self._list_prefix))
        return sorted({m for m in months if m})

    def location_of(self, path: Path) -> str:
        """The s3:// URL a downloaded file came from, for messages and lineage."""
        return self._origins.get(path, str(path))

    def _download(self, key: str, etag: str, size: int) -> Path | None:
        """The object as a local file, fetched only if this key, ETag and size are not staged yet."""
        tag = hashlib.sha256(f"{self.bucket}\n{key}\n{etag}\n{size}".encode()).hexdigest()[:24]
        # The key's folders are kept: the month folder and any subfolder below it assign a file to a meter.
        target = self.staging_dir / tag / key
        if target.is_file() and target.stat().st_size == size:
            return target
        # IfMatch: an object replaced since it was listed is left for the next run.
        with disk_errors(f"staging folder {self.staging_dir}", f"downloading {self._url(key)}"):
            return target if self._download_to(key, target, if_match=etag) else None

    def _uploads_in_progress(self, month: str) -> list[SkippedFile]:
        """Multipart uploads started but not completed for the month: reported only, so users know why."""
        found: list[SkippedFile] = []
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self._list_prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    parts = upload["Key"][len(self._list_prefix):].split("/")
                    if _month_of(parts[:-1]) == month:
                        reason = "still uploading (multipart upload not completed)"
                        found.append(SkippedFile(self._url(upload["Key"]), parts[-1], reason))
        except ClientError as exc:
            if _error_code(exc) not in ("AccessDenied", "NotImplemented"):
                raise StorageError(f"{self.location}: cannot list uploads in progress: {_error_code(exc)}") from exc
        return found


class S3RawStore(_S3Location):
    """Content-addressed, write-once storage: s3://BUCKET/PREFIX/<sha[:2]>/<sha>/<original file name>.

    Objects are written with If-None-Match: * (S3 refuses to replace an existing key, even in a race)
    and a SHA-256 checksum; the checksum S3 reports is compared with the expected one, and an object
    that does not match is deleted again. One PUT per file: up to 5 GB.
    """

    _checked_private = False

    def put(self, source: Path, sha256: str | None = None) -> StoredFile:
        sha = _checked_sha(source, sha256)
        folder = self._key(sha[:2], sha) + "/"
        existing = next(self._objects(folder), None)
        if existing is None:
            self._refuse_public_bucket()
            key = folder + source.name
            with open_regular(source) as body:
                created = self._put_new(key, body, sha, what=str(source))
            if created:
                crash_point("uploaded")  # reliability tests: die with the object stored and not yet loaded
                return StoredFile(sha, self._url(key), source.stat().st_size, already_stored=False)
            existing = next(self._objects(folder), None)
            if existing is None:
                raise StorageError(f"{self._url(key)}: refused as existing, yet not listed; run again")
        if existing["Size"] != source.stat().st_size:
            raise StorageError(
                f"{self._url(existing['Key'])}: holds other content than {source} (SHA-256 {sha}); left as it is"
            )
        return StoredFile(sha, self._url(existing["Key"]), existing["Size"], already_stored=True)

    def _refuse_public_bucket(self) -> None:
        """Objects are written without an ACL, so private to the account; a bucket that grants everyone
        read (a public ACL or policy) would publish card numbers and names: nothing is stored there."""
        if self._checked_private:
            return
        everyone = ("http://acs.amazonaws.com/groups/global/AllUsers",
                    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
        # A writer allowed only to put and read objects may not read the bucket's ACL or policy: then
        # the bucket's own settings are all there is (docs/operations.md says what to set).
        unknowable = ("AccessDenied", "NoSuchBucketPolicy", "NotImplemented", "XNotImplemented")
        public: list[str] = []
        with _s3_errors(self._url("")):
            try:
                grants = self.client.get_bucket_acl(Bucket=self.bucket).get("Grants", [])
                public += [g["Permission"] for g in grants if g.get("Grantee", {}).get("URI") in everyone]
                status = self.client.get_bucket_policy_status(Bucket=self.bucket)["PolicyStatus"]
                public += ["READ (bucket policy)"] if status.get("IsPublic") else []
            except ClientError as exc:
                if _error_code(exc) not in unknowable:
                    raise
        if public:
            raise StorageError(
                f"raw store s3://{self.bucket}: the bucket is public ({', '.join(sorted(set(public)))} for everyone); "
                "it would publish the files as delivered (card numbers, names): make it private first"
            )
        self._checked_private = True

    def fetch(self, stored_path: str, sha256: str, staging_dir: Path) -> Path:
        """A kept object downloaded into staging_dir to be read again (footprint reprocess), checked by content."""
        bucket, key = parse_s3_url(stored_path)
        if bucket != self.bucket:
            raise StorageError(f"{stored_path}: not in this raw store ({self.location})")
        target = staging_dir / "fetched" / sha256 / key.rsplit("/", 1)[-1]
        with disk_errors(f"staging folder {staging_dir}", f"downloading {stored_path}"):
            gone = not target.is_file() and not self._download_to(key, target)
        if gone:
            raise StorageError(f"{stored_path}: the stored file is gone from the raw store; it cannot be read again")
        _verified(target, sha256, stored_path)
        return target

    def put_report(self, relative: str, data: bytes | Path) -> str:
        """Archive one report file at reports/<relative>; an existing one is never replaced."""
        key = self._key(_REPORTS, str(_relative(relative)))
        if isinstance(data, Path):
            with data.open("rb") as body:
                created = self._put_new(key, body, sha256_of(data), what=str(data))
        else:
            created = self._put_new(key, data, hashlib.sha256(data).hexdigest(), what=relative)
        if not created:
            raise StorageError(f"{self._url(key)}: already archived; the report archive is write-once")
        return self._url(key)

    def report_files(self, prefix: str = "") -> list[str]:
        """Archived report paths (relative to reports/) that start with prefix, sorted."""
        root = self._key(_REPORTS) + "/"
        return sorted(o["Key"][len(root):] for o in self._objects(root + prefix))

    def inventory(self) -> dict[str, int]:
        """Every kept object as its path below the prefix ('ab/<sha>/fuel.csv', 'reports/...') -> size in bytes.

        From the listing alone (a request per thousand objects), no content read.
        """
        base = f"{self.prefix}/" if self.prefix else ""
        found = ((o["Key"][len(base):], o["Size"]) for o in self._objects(base))
        return {key: size for key, size in found if not any(part.startswith(".") for part in key.split("/"))}

    def sizes(self, relatives: list[str]) -> dict[str, int | None]:
        """The size in bytes of each kept object named, None for one that is gone: from one listing of the store."""
        listed = self.inventory()
        return {relative: listed.get(relative) for relative in relatives}

    def stored_sha256(self, relative: str) -> str | None:
        """The SHA-256 of a kept object's content as it is now, streamed; None when it is gone."""
        key = self._key(_kept(relative))
        digest = hashlib.sha256()
        with _s3_errors(self._url(key)):
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except ClientError as exc:
                if _error_code(exc) == "NoSuchKey":
                    return None
                raise
            for chunk in body.iter_chunks(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def read_report(self, relative: str) -> bytes:
        key = self._key(_REPORTS, str(_relative(relative)))
        with _s3_errors(self._url(key)):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if _error_code(exc) == "NoSuchKey":
                    raise StorageError(f"{self._url(key)}: no such archived report file") from exc
                raise

    def _put_new(self, key: str, body: BinaryIO | bytes, sha256: str, what: str) -> bool:
        """Create an object, verified against sha256; False when the key exists already (nothing written)."""
        url = self._url(key)
        with _s3_errors(url):
            try:
                response = self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*", ChecksumAlgorithm="SHA256"
                )
            except ClientError as exc:
                if _error_code(exc) == "PreconditionFailed":
                    return False
                raise
            reported = response.get("ChecksumSHA256") or self.client.head_object(
                Bucket=self.bucket, Key=key, ChecksumMode="ENABLED"
            ).get("ChecksumSHA256")
            if reported == _b64(sha256):
                return True
            self.client.delete_object(Bucket=self.bucket, Key=key)
        if reported is None:
            raise StorageError(f"{url}: the store reports no SHA-256 checksum, so the upload cannot be verified; "
                               "removed it")
        raise ChecksumMismatchError(
            f"{what}: content changed while it was stored (uploaded SHA-256 {_hex(reported)}, expected {sha256}); "
            f"removed {url}, nothing stored"
        )
