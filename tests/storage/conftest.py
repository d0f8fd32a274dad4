"""Storage backends to run one suite against: a folder, and S3 on moto's server (real HTTP on loopback)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from footprint.storage.inbox import Inbox, open_inbox
from footprint.storage.raw_store import RawStore, open_raw_store
from footprint.storage.s3 import s3_client


@pytest.fixture(scope="module")
def s3(aws_env: str) -> Any:
    """One client per module, made as footprint makes it: the endpoint comes from AWS_ENDPOINT_URL."""
    return s3_client()


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"fp-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    return name


class FolderBackend:
    def __init__(self, root: Path) -> None:
        self.inbox_root = root / "inbox"
        self.raw_root = root / "raw"
        self.staging = root / "staging"

    def inbox(self, settle_seconds: float = 0.0) -> Inbox:
        return open_inbox(self.inbox_root, self.staging, settle_seconds=settle_seconds)

    def raw_store(self) -> RawStore:
        return open_raw_store(self.raw_root)

    def drop(self, relative: str, data: bytes) -> None:
        path = self.inbox_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def plant(self, relative: str, data: bytes) -> None:
        """Put content into the raw store behind its back (a foreign or damaged object)."""
        path = self.raw_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def read(self, location: str) -> bytes:
        return Path(location).read_bytes()

    def stored(self) -> list[str]:
        """Every file in the raw store, relative, hidden temporaries included."""
        if not self.raw_root.is_dir():
            return []
        return sorted(p.relative_to(self.raw_root).as_posix() for p in self.raw_root.rglob("*") if p.is_file())


class S3Backend:
    def __init__(self, client: Any, bucket: str, root: Path) -> None:
        self.client = client
        self.bucket = bucket
        self.staging = root / "staging"

    def inbox(self, settle_seconds: float = 0.0) -> Inbox:
        return open_inbox(f"s3://{self.bucket}/inbox", self.staging, settle_seconds=settle_seconds, client=self.client)

    def raw_store(self) -> RawStore:
        return open_raw_store(f"s3://{self.bucket}/raw", client=self.client)

    def drop(self, relative: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"inbox/{relative}", Body=data)

    def plant(self, relative: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"raw/{relative}", Body=data)

    def read(self, location: str) -> bytes:
        bucket, key = location.removeprefix("s3://").split("/", 1)
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def stored(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix="raw/").get("Contents", [])
        return sorted(o["Key"].removeprefix("raw/") for o in listed)


@pytest.fixture(params=["folder", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> FolderBackend | S3Backend:
    """The same storage suite runs against each real implementation."""
    if request.param == "folder":
        return FolderBackend(tmp_path)
    return S3Backend(request.getfixturevalue("s3"), request.getfixturevalue("bucket"), tmp_path)

