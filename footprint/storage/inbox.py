"""The inbox new files arrive in: a folder, or objects below s3://BUCKET/PREFIX.

A file belongs to a month when one of its folders is named exactly YYYY-MM (the deepest such folder
counts), so both inbox/2026-01/x.csv and inbox/fuelcards/2026-01/x.csv are January's. A file that
may still be arriving is skipped with its reason, never read half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from botocore.exceptions import ClientError

from footprint.errors import StorageError
from footprint.periods import format_period
from footprint.storage import s3
from footprint.storage.files import disk_errors
from footprint.storage.s3 import S3Client, S3Location

# Names that browsers, sync tools and uploaders give a file until it is complete.
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


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

    def scan(self, period: dt.date, complete: frozenset[str] = frozenset()) -> InboxScan: ...

    def files_for(self, period: dt.date) -> list[Path]: ...

    def periods(self) -> list[str]: ...

    def location_of(self, path: Path) -> str: ...


def open_inbox(
    location: str | Path,
    staging_dir: Path,
    *,
    settle_seconds: float,
    endpoint_url: str | None = None,
    client: S3Client | None = None,
) -> Inbox:
    """The inbox at a folder path or s3://BUCKET/PREFIX; S3 files are downloaded into staging_dir to be parsed.

    settle_seconds: how long a file must be unchanged before it is read (the workspace's setting).
    client: an S3 client to share (from s3_client); by default one is made from endpoint_url and the environment.
    """
    if s3.is_s3_url(location):
        bucket, prefix = s3.parse_s3_url(str(location))
        client = client or s3.s3_client(endpoint_url)
        return S3Inbox(bucket, prefix, staging_dir, settle_seconds=settle_seconds, client=client)
    return FolderInbox(s3.folder_location(location), settle_seconds=settle_seconds)


def copy_into_inbox(
    source: Path, location: str | Path, *, endpoint_url: str | None = None, client: S3Client | None = None
) -> int:
    """Copy a local inbox tree (files under YYYY-MM/ folders) into the inbox at a folder or s3://BUCKET/PREFIX.

    For files made on this machine that the workspace's inbox must see (the demo's). A file already
    there with the same size is left alone, so a rerun copies nothing; returns how many were copied.
    """
    files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not s3.is_s3_url(location):
        target = s3.folder_location(location)
        if target.resolve() == source.resolve():
            return 0
        todo = [p for p in files if not (target / p.relative_to(source)).is_file()
                or (target / p.relative_to(source)).stat().st_size != p.stat().st_size]
        for path in todo:
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.relative_to(source))
        return len(todo)
    inbox = S3Location(*s3.parse_s3_url(str(location)), client=client or s3.s3_client(endpoint_url))
    existing = {o["Key"]: o["Size"] for o in inbox.objects(inbox.list_prefix)}
    copied = 0
    for path in files:
        key = inbox.key(path.relative_to(source).as_posix())
        if existing.get(key) != path.stat().st_size:
            with s3.s3_errors(inbox.url(key)), path.open("rb") as body:
                inbox.client.put_object(Bucket=inbox.bucket, Key=key, Body=body)
            copied += 1
    return copied


def path_in_month(path: Path | str) -> str:
    """A file's path below its deepest YYYY-MM folder ("fluvius/x.csv"), or its name when it has none.

    An inbox subfolder names what a file is (a meter's exports, say), so footprint.yaml can assign by it.
    """
    parts = PurePosixPath(Path(path).as_posix()).parts
    deepest = max((i for i, part in enumerate(parts[:-1]) if MONTH_FOLDER.match(part)), default=None)
    return "/".join(parts[deepest + 1 :]) if deepest is not None else parts[-1]


def _month_of(folders: tuple[str, ...] | list[str]) -> str | None:
    """The month a file belongs to: its deepest folder named YYYY-MM."""
    return next((part for part in reversed(folders) if MONTH_FOLDER.match(part)), None)


def _skip_reason(
    parts: tuple[str, ...] | list[str], size: int, age_s: float, settle_seconds: float, complete: frozenset[str]
) -> str | None:
    """Why a month's file is not picked up yet, or None: parts are its path segments below the inbox.

    complete: paths below the inbox known to be whole (a pull connector wrote them and renamed them into
    place), which need not wait out the settle time.
    """
    name = parts[-1]
    if any(part.startswith(".") for part in parts):
        return "hidden file (a sync tool's temporary or a system file)"
    if name.startswith("~$"):
        return "Office lock file: the workbook is open somewhere"
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return f"still uploading (temporary name {PurePosixPath(name).suffix})"
    if size == 0:
        return "empty (0 bytes): still being written, or an empty export"
    if settle_seconds > 0 and age_s < settle_seconds and "/".join(parts) not in complete:
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


class FolderInbox:
    """Files for a month are dropped into a folder named YYYY-MM anywhere below the inbox."""

    def __init__(self, root: Path, *, settle_seconds: float) -> None:
        self.root = root
        self.settle_seconds = settle_seconds
        self.location = str(root)

    def scan(self, period: dt.date, complete: frozenset[str] = frozenset()) -> InboxScan:
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
                    parts, info.st_size, now - info.st_mtime, self.settle_seconds, complete
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
        return sorted({p.name for p in self.root.rglob("*") if MONTH_FOLDER.match(p.name) and p.is_dir()})

    def location_of(self, path: Path) -> str:
        return str(path)


class S3Inbox(S3Location):
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
        settle_seconds: float,
        client: S3Client | None = None,
    ) -> None:
        super().__init__(bucket, prefix, client)
        self.staging_dir = staging_dir
        self.settle_seconds = settle_seconds
        self._origins: dict[Path, str] = {}

    def scan(self, period: dt.date, complete: frozenset[str] = frozenset()) -> InboxScan:
        month = format_period(period)
        now = dt.datetime.now(dt.UTC)
        files: list[tuple[str, Path]] = []
        skipped: list[SkippedFile] = []
        for obj in self.objects(self.list_prefix):
            key: str = obj["Key"]
            parts = key[len(self.list_prefix):].split("/")
            if not parts[-1] or _month_of(parts[:-1]) != month:
                continue
            url = self.url(key)
            age_s = (now - obj["LastModified"]).total_seconds()
            reason = _skip_reason(parts, obj["Size"], age_s, self.settle_seconds, complete)
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
        start = len(self.list_prefix)
        months = (_month_of(o["Key"][start:].split("/")[:-1]) for o in self.objects(self.list_prefix))
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
        with disk_errors(f"staging folder {self.staging_dir}", f"downloading {self.url(key)}"):
            return target if self.download_to(key, target, if_match=etag) else None

    def _uploads_in_progress(self, month: str) -> list[SkippedFile]:
        """Multipart uploads started but not completed for the month: reported only, so users know why."""
        found: list[SkippedFile] = []
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.list_prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    parts = upload["Key"][len(self.list_prefix):].split("/")
                    if _month_of(parts[:-1]) == month:
                        reason = "still uploading (multipart upload not completed)"
                        found.append(SkippedFile(self.url(upload["Key"]), parts[-1], reason))
        except ClientError as exc:
            if s3.error_code(exc) not in ("AccessDenied", "NotImplemented"):
                raise StorageError(f"{self.location}: cannot list uploads in progress: {s3.error_code(exc)}") from exc
        return found
