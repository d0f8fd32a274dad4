"""What the S3 inbox and raw store share: location strings, the client, its errors in words, listing and download.

boto3's client is made per store from the default credential chain; its errors become one StorageError
naming the object, never showing a credential.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from footprint.errors import ConfigError, StorageError
from footprint.storage.files import CHUNK_BYTES, private_folder

ENDPOINT_ENV = "FOOTPRINT_S3_ENDPOINT_URL"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

S3Client = Any  # boto3's client is generated at run time; its stubs are not a dependency
_BOTOCORE_LOADER = botocore.loaders.create_loader()


def is_s3_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


def folder_location(location: str | Path) -> Path:
    """A location that is not s3:// as a folder path; another scheme is refused, not taken for a folder name."""
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


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def s3_errors(where: str) -> Iterator[None]:
    """boto3's errors as one clear StorageError naming the object; credentials never appear in it."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
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


class S3Location:
    """A bucket and a prefix in it: the objects below the prefix, named by key or by s3:// URL."""

    def __init__(self, bucket: str, prefix: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or s3_client()
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    @property
    def list_prefix(self) -> str:
        """What every key below the prefix starts with: "PREFIX/", or nothing for a whole bucket."""
        return f"{self.prefix}/" if self.prefix else ""

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def objects(self, prefix: str) -> Iterator[dict[str, Any]]:
        with s3_errors(self.url(prefix.rstrip("/"))):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                yield from page.get("Contents", [])

    def body(self, key: str, if_match: str | None = None) -> Any | None:
        """An object's content as a stream; None when it is gone, or replaced since its if_match ETag was listed.

        Call it inside s3_errors, which reading the stream needs too.
        """
        condition = {"IfMatch": if_match} if if_match is not None else {}
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key, **condition)["Body"]
        except ClientError as exc:
            if error_code(exc) in ("PreconditionFailed", "NoSuchKey"):
                return None
            raise

    def download_to(self, key: str, target: Path, if_match: str | None = None) -> bool:
        """Fetch an object into target, written beside it and renamed; False when it is gone or was replaced."""
        private_folder(target.parent)  # a downloaded delivery holds what the raw store holds
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".download-")
        try:
            with s3_errors(self.url(key)), os.fdopen(fd, "wb") as out:
                body = self.body(key, if_match)
                if body is None:
                    return False
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    out.write(chunk)
            os.replace(tmp_name, target)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
        return True
