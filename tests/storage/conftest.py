"""Storage backends to run one suite against: a folder, and S3 on moto's server (real HTTP on loopback)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from footprint.storage import ENDPOINT_ENV, Inbox, RawStore, open_inbox, open_raw_store, s3_client

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """One moto S3 server per test module, on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws_env(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Dummy credentials and the moto endpoint, through the standard AWS variables only."""
    empty = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith("AWS_") or name == ENDPOINT_ENV:
                env.delenv(name)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("AWS_ENDPOINT_URL", s3_endpoint)
        yield s3_endpoint


@pytest.fixture(scope="module")
def s3(aws_env: str) -> Any:
    """One client per module, made as footprint makes it: the endpoint comes from AWS_ENDPOINT_URL."""
    return s3_client()


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"fp-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
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

