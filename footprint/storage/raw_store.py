"""The raw store that keeps every delivered file once, by content: a folder, or objects below s3://BUCKET/PREFIX.

Files lie at <root>/<sha[:2]>/<sha>/<original name>, write-once, checked against their SHA-256 after
writing; report runs are archived under <root>/reports/, write-once too.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from botocore.exceptions import ClientError

from footprint.crashpoints import crash_point
from footprint.errors import ChecksumMismatchError, StorageError
from footprint.storage import s3
from footprint.storage.files import (
    CHUNK_BYTES,
    disk_errors,
    open_regular,
    sha256_of,
    write_new,
)
from footprint.storage.s3 import S3Client, S3Location

_REPORTS = "reports"
# An empty, "." or ".." part of a path, at any line of many paths joined by newlines.
_LEAVING = re.compile(r"(?:^|/)(?:\.\.?)?(?:/|$)", re.MULTILINE)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    stored_path: str
    size_bytes: int
    already_stored: bool


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


def open_raw_store(
    location: str | Path, *, endpoint_url: str | None = None, client: S3Client | None = None
) -> RawStore:
    """The raw store at a folder path or s3://BUCKET/PREFIX."""
    if s3.is_s3_url(location):
        bucket, prefix = s3.parse_s3_url(str(location))
        return S3RawStore(bucket, prefix, client=client or s3.s3_client(endpoint_url))
    return FolderRawStore(s3.folder_location(location))


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


def _all_kept(relatives: list[str]) -> None:
    """_kept for many paths at once, in one regular-expression pass (the cheap check looks up every stored file)."""
    joined = "\n".join(relatives)
    if relatives and _LEAVING.search(joined):
        bad = next(r for r in relatives if _LEAVING.search(r) or "\n" in r)
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
            write_new(target, src, expected_sha256=sha, what=str(source))
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
                write_new(target, src)
        else:
            with archiving:
                write_new(target, io.BytesIO(data))
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


class S3RawStore(S3Location):
    """Content-addressed, write-once storage: s3://BUCKET/PREFIX/<sha[:2]>/<sha>/<original file name>.

    Objects are written with If-None-Match: * (S3 refuses to replace an existing key, even in a race)
    and a SHA-256 checksum; the checksum S3 reports is compared with the expected one, and an object
    that does not match is deleted again. One PUT per file: up to 5 GB.
    """

    _checked_private = False

    def put(self, source: Path, sha256: str | None = None) -> StoredFile:
        sha = _checked_sha(source, sha256)
        folder = self.key(sha[:2], sha) + "/"
        existing = next(self.objects(folder), None)
        if existing is None:
            self._refuse_public_bucket()
            key = folder + source.name
            with open_regular(source) as body:
                created = self._put_new(key, body, sha, what=str(source))
            if created:
                crash_point("uploaded")  # reliability tests: die with the object stored and not yet loaded
                return StoredFile(sha, self.url(key), source.stat().st_size, already_stored=False)
            existing = next(self.objects(folder), None)
            if existing is None:
                raise StorageError(f"{self.url(key)}: refused as existing, yet not listed; run again")
        if existing["Size"] != source.stat().st_size:
            raise StorageError(
                f"{self.url(existing['Key'])}: holds other content than {source} (SHA-256 {sha}); left as it is"
            )
        return StoredFile(sha, self.url(existing["Key"]), existing["Size"], already_stored=True)

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
        with s3.s3_errors(self.url("")):
            try:
                grants = self.client.get_bucket_acl(Bucket=self.bucket).get("Grants", [])
                public += [g["Permission"] for g in grants if g.get("Grantee", {}).get("URI") in everyone]
                status = self.client.get_bucket_policy_status(Bucket=self.bucket)["PolicyStatus"]
                public += ["READ (bucket policy)"] if status.get("IsPublic") else []
            except ClientError as exc:
                if s3.error_code(exc) not in unknowable:
                    raise
        if public:
            raise StorageError(
                f"raw store s3://{self.bucket}: the bucket is public ({', '.join(sorted(set(public)))} for everyone); "
                "it would publish the files as delivered (card numbers, names): make it private first"
            )
        self._checked_private = True

    def fetch(self, stored_path: str, sha256: str, staging_dir: Path) -> Path:
        """A kept object downloaded into staging_dir to be read again (footprint reprocess), checked by content."""
        bucket, key = s3.parse_s3_url(stored_path)
        if bucket != self.bucket:
            raise StorageError(f"{stored_path}: not in this raw store ({self.location})")
        target = staging_dir / "fetched" / sha256 / key.rsplit("/", 1)[-1]
        with disk_errors(f"staging folder {staging_dir}", f"downloading {stored_path}"):
            gone = not target.is_file() and not self.download_to(key, target)
        if gone:
            raise StorageError(f"{stored_path}: the stored file is gone from the raw store; it cannot be read again")
        _verified(target, sha256, stored_path)
        return target

    def put_report(self, relative: str, data: bytes | Path) -> str:
        """Archive one report file at reports/<relative>; an existing one is never replaced."""
        key = self.key(_REPORTS, str(_relative(relative)))
        if isinstance(data, Path):
            with data.open("rb") as body:
                created = self._put_new(key, body, sha256_of(data), what=str(data))
        else:
            created = self._put_new(key, data, hashlib.sha256(data).hexdigest(), what=relative)
        if not created:
            raise StorageError(f"{self.url(key)}: already archived; the report archive is write-once")
        return self.url(key)

    def report_files(self, prefix: str = "") -> list[str]:
        """Archived report paths (relative to reports/) that start with prefix, sorted."""
        root = self.key(_REPORTS) + "/"
        return sorted(o["Key"][len(root):] for o in self.objects(root + prefix))

    def inventory(self) -> dict[str, int]:
        """Every kept object as its path below the prefix ('ab/<sha>/fuel.csv', 'reports/...') -> size in bytes.

        From the listing alone (a request per thousand objects), no content read.
        """
        base = self.list_prefix
        found = ((o["Key"][len(base):], o["Size"]) for o in self.objects(base))
        return {key: size for key, size in found if not any(part.startswith(".") for part in key.split("/"))}

    def sizes(self, relatives: list[str]) -> dict[str, int | None]:
        """The size in bytes of each kept object named, None for one that is gone: from one listing of the store."""
        listed = self.inventory()
        return {relative: listed.get(relative) for relative in relatives}

    def stored_sha256(self, relative: str) -> str | None:
        """The SHA-256 of a kept object's content as it is now, streamed; None when it is gone."""
        key = self.key(_kept(relative))
        digest = hashlib.sha256()
        with s3.s3_errors(self.url(key)):
            body = self.body(key)
            if body is None:
                return None
            for chunk in body.iter_chunks(CHUNK_BYTES):
                digest.update(chunk)
        return digest.hexdigest()

    def read_report(self, relative: str) -> bytes:
        key = self.key(_REPORTS, str(_relative(relative)))
        with s3.s3_errors(self.url(key)):
            body = self.body(key)
            if body is None:
                raise StorageError(f"{self.url(key)}: no such archived report file")
            return body.read()

    def _put_new(self, key: str, body: BinaryIO | bytes, sha256: str, what: str) -> bool:
        """Create an object, verified against sha256; False when the key exists already (nothing written)."""
        url = self.url(key)
        with s3.s3_errors(url):
            try:
                response = self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=body, IfNoneMatch="*", ChecksumAlgorithm="SHA256"
                )
            except ClientError as exc:
                if s3.error_code(exc) == "PreconditionFailed":
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
