"""Files a pull connector fetched, put into the inbox (folder or S3) under `<source>/YYYY-MM/<name>`.

A file is written beside its place and renamed into it, so ingestion never reads half of one. The
same content already there is left alone (a re-run after a crash); other content under the same name
replaces it, which ingestion treats as a corrected file of that month (restated, and said so).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path, PurePosixPath

from footprint.errors import StorageError
from footprint.storage import s3
from footprint.storage.files import disk_errors, sha256_of, write_new
from footprint.storage.s3 import S3Client, S3Location


# File systems allow 255 bytes a name; a longer one (an attachment named in 110 Chinese characters) is
# shortened, keeping its extension and a hash of the whole name, so it stays deterministic and unique.
MAX_NAME_BYTES = 200


def _fitting(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    tag = "~" + hashlib.sha256(name.encode()).hexdigest()[:12] + (f".{extension}" if extension else "")
    kept = stem.encode()[: MAX_NAME_BYTES - len(tag.encode())].decode(errors="ignore")
    return kept + tag


def delivery_path(source: str, period: str, file_name: str) -> str:
    """The path below the inbox root; the parts are checked names, so nothing lands outside the source's folder."""
    for part in (source, period, file_name):
        if not part or part.startswith(".") or "/" in part or "\\" in part or "\x00" in part:
            raise StorageError(f"pull source {source}: {part!r} cannot be a name in the inbox")
    return str(PurePosixPath(source, period, _fitting(file_name)))


def deliver(
    location: str | Path, relative: str, content: bytes, *, endpoint_url: str | None = None,
    client: S3Client | None = None,
) -> str:
    """Write content at relative below the inbox; returns its SHA-256."""
    sha = hashlib.sha256(content).hexdigest()
    if s3.is_s3_url(location):
        inbox = S3Location(*s3.parse_s3_url(str(location)), client=client or s3.s3_client(endpoint_url))
        key = inbox.key(relative)
        with s3.s3_errors(inbox.url(key)):
            inbox.client.put_object(Bucket=inbox.bucket, Key=key, Body=content)
        return sha
    target = s3.folder_location(location) / relative
    with disk_errors(str(target), "storing a pulled file"):
        if target.is_file() and not target.is_symlink() and sha256_of(target) == sha:
            return sha
        write_new(target, io.BytesIO(content), sha, what=str(target))
    return sha
