"""Issue 15, point 2: the raw store holds card numbers and names as delivered; only the service user reads it.

A folder store writes files 0400 and folders 0700 whatever the umask (the corpus case
02-raw-store-private checks a whole ingest); an S3 store refuses a bucket that grants everyone read.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from footprint.errors import StorageError
from footprint.storage.raw_store import open_raw_store
from footprint.storage.s3 import s3_client


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_folder_store_is_private_even_under_an_open_umask(tmp_path: Path) -> None:
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"Kaartnummer;Bestuurder\n7083540100012001;Jan de Vries\n")
    old = os.umask(0)
    try:
        store = open_raw_store(tmp_path / "store" / "raw")
        stored = Path(store.put(source).stored_path)
        report = Path(store.put_report("2025H1/run/summary.json", b"{}"))
    finally:
        os.umask(old)
    for path in (stored, report):
        assert _mode(path) == 0o400, path
    created = [p for p in (tmp_path / "store").rglob("*") if p.is_dir()] + [tmp_path / "store"]
    assert {oct(_mode(p)) for p in created} == {"0o700"}


@pytest.fixture(scope="module")
def s3(aws_env: str) -> Any:
    return s3_client()


def _bucket(s3: Any, **extra: Any) -> str:
    name = f"fp-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name}, **extra)
    return name


def test_a_public_bucket_is_refused_before_anything_is_stored(s3: Any, tmp_path: Path) -> None:
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"Kaartnummer\n7083540100012001\n")
    acl_public = _bucket(s3, ACL="public-read")
    policy_public = _bucket(s3)
    s3.put_bucket_policy(Bucket=policy_public, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{policy_public}/*"}],
    }))
    with pytest.raises(StorageError) as acl_error:
        open_raw_store(f"s3://{acl_public}/raw", client=s3).put(source)
    assert str(acl_error.value) == (
        f"raw store s3://{acl_public}: the bucket is public (READ for everyone); it would publish the files "
        "as delivered (card numbers, names): make it private first"
    )
    with pytest.raises(StorageError, match=r"the bucket is public \(READ \(bucket policy\) for everyone\)"):
        open_raw_store(f"s3://{policy_public}/raw", client=s3).put(source)
    for bucket in (acl_public, policy_public):
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_a_private_bucket_stores_as_before(s3: Any, tmp_path: Path) -> None:
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"Kaartnummer\n7083540100012001\n")
    bucket = _bucket(s3)
    stored = open_raw_store(f"s3://{bucket}/raw", client=s3).put(source)
    assert stored.already_stored is False
    grants = s3.get_object_acl(Bucket=bucket, Key=stored.stored_path.split(f"s3://{bucket}/", 1)[1])["Grants"]
    assert [g["Grantee"].get("URI") for g in grants if g["Grantee"].get("URI")] == []
