"""What only S3 has: multipart uploads, downloads into staging, races on a key, endpoints and errors."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from footprint.errors import ConfigError, StorageError
from footprint.storage.inbox import FolderInbox, S3Inbox, open_inbox
from footprint.storage.raw_store import FolderRawStore, S3RawStore, open_raw_store
from footprint.storage.s3 import parse_s3_url, s3_client

JANUARY = dt.date(2026, 1, 1)


def test_a_multipart_upload_in_progress_is_not_picked_up(s3: Any, bucket: str, tmp_path: Path) -> None:
    key = "inbox/fuelcards/2026-01/transactions.csv"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"Datum;Liter\n")
    inbox = open_inbox(f"s3://{bucket}/inbox", tmp_path, settle_seconds=0, client=s3)

    uploading = inbox.scan(JANUARY)
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    completed = inbox.scan(JANUARY)

    assert uploading.files == []
    assert [(s.location, s.reason) for s in uploading.skipped] == [
        (f"s3://{bucket}/{key}", "still uploading (multipart upload not completed)")
    ]
    assert [p.read_bytes() for p in completed.files] == [b"Datum;Liter\n"]
    assert completed.skipped == []


def test_a_download_is_reused_until_the_object_changes(s3: Any, bucket: str, tmp_path: Path) -> None:
    key = "inbox/2026-01/usage.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=b"v1")
    inbox = open_inbox(f"s3://{bucket}/inbox", tmp_path / "staging", settle_seconds=0, client=s3)

    [first] = inbox.files_for(JANUARY)
    downloaded_ns = first.stat().st_mtime_ns
    [again] = inbox.files_for(JANUARY)
    s3.put_object(Bucket=bucket, Key=key, Body=b"v2, corrected")
    [changed] = inbox.files_for(JANUARY)

    assert (again, again.stat().st_mtime_ns) == (first, downloaded_ns)
    assert changed != first and changed.name == "usage.csv"
    assert changed.read_bytes() == b"v2, corrected"
    assert first.is_relative_to(tmp_path / "staging")
    assert inbox.location_of(changed) == f"s3://{bucket}/{key}"


def test_an_object_replaced_while_listed_waits_for_the_next_run(s3: Any, bucket: str, tmp_path: Path) -> None:
    key = "inbox/2026-01/usage.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=b"first upload")
    client = s3_client()

    def replace_first(**_: Any) -> None:
        client.meta.events.unregister("before-call.s3.GetObject", replace_first)
        s3.put_object(Bucket=bucket, Key=key, Body=b"second upload")

    client.meta.events.register("before-call.s3.GetObject", replace_first)
    inbox = open_inbox(f"s3://{bucket}/inbox", tmp_path, settle_seconds=0, client=client)

    scan = inbox.scan(JANUARY)

    assert scan.files == []
    assert [s.reason.split(":")[0] for s in scan.skipped] == ["still uploading"]
    assert [p.read_bytes() for p in inbox.files_for(JANUARY)] == [b"second upload"]


def test_raw_objects_carry_their_sha256_checksum(s3: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"Datum;Product\n")
    stored = open_raw_store(f"s3://{bucket}/raw", client=s3).put(source)
    sha = hashlib.sha256(b"Datum;Product\n").hexdigest()

    head = s3.head_object(Bucket=bucket, Key=f"raw/{sha[:2]}/{sha}/fuel.csv", ChecksumMode="ENABLED")

    assert stored.stored_path == f"s3://{bucket}/raw/{sha[:2]}/{sha}/fuel.csv"
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha)).decode()


def test_a_key_written_by_someone_else_meanwhile_is_not_overwritten(s3: Any, bucket: str, tmp_path: Path) -> None:
    """Between the existence check and the upload another run stores the file: If-None-Match keeps theirs."""
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"same content")
    sha = hashlib.sha256(b"same content").hexdigest()
    key = f"raw/{sha[:2]}/{sha}/fuel.csv"
    client = s3_client()

    def other_run_first(**_: Any) -> None:
        client.meta.events.unregister("before-call.s3.PutObject", other_run_first)
        s3.put_object(Bucket=bucket, Key=key, Body=b"same content", Metadata={"writer": "other run"})

    client.meta.events.register("before-call.s3.PutObject", other_run_first)
    stored = open_raw_store(f"s3://{bucket}/raw", client=client).put(source)

    assert (stored.already_stored, stored.stored_path) == (True, f"s3://{bucket}/{key}")
    assert s3.head_object(Bucket=bucket, Key=key)["Metadata"] == {"writer": "other run"}


def test_the_endpoint_may_come_from_footprints_own_variable(
    s3: Any, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = s3.meta.endpoint_url
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("FOOTPRINT_S3_ENDPOINT_URL", endpoint)
    source = tmp_path / "fuel.csv"
    source.write_bytes(b"x")

    store = open_raw_store(f"s3://{bucket}/raw")

    assert store.client.meta.endpoint_url == endpoint
    assert store.put(source).already_stored is False


def test_a_missing_bucket_is_one_clear_error(s3: Any, tmp_path: Path) -> None:
    inbox = open_inbox("s3://no-such-bucket-here/inbox", tmp_path, settle_seconds=0, client=s3)
    with pytest.raises(StorageError, match=r"^s3://no-such-bucket-here/inbox: the bucket does not exist$"):
        inbox.files_for(JANUARY)


def test_missing_credentials_are_named_and_no_secret_is_shown(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-never-shown")
    with pytest.raises(StorageError, match="no AWS credentials found") as error:
        open_raw_store(f"s3://{bucket}/raw").report_files()
    assert "s3cr3t" not in str(error.value)


def test_the_location_decides_the_backend(s3: Any, tmp_path: Path) -> None:
    assert isinstance(open_inbox(tmp_path / "inbox", tmp_path, settle_seconds=0), FolderInbox)
    assert isinstance(open_inbox("s3://acme-footprint/inbox", tmp_path, settle_seconds=0, client=s3), S3Inbox)
    assert isinstance(open_raw_store(str(tmp_path / "raw")), FolderRawStore)
    assert isinstance(open_raw_store("s3://acme-footprint/raw/", client=s3), S3RawStore)
    assert open_inbox(tmp_path, tmp_path, settle_seconds=60.0).settle_seconds == 60.0
    assert parse_s3_url("s3://acme-footprint/clients/glansrijk/raw/") == ("acme-footprint", "clients/glansrijk/raw")
    assert parse_s3_url("s3://acme-footprint") == ("acme-footprint", "")


@pytest.mark.parametrize(
    "location",
    ["gs://acme/raw", "s3://Acme/raw", "s3://", "s3://ab/raw", "s3://acme/raw?versionId=1"],
    ids=["other-scheme", "upper-case", "no-bucket", "short-bucket", "query"],
)
def test_a_location_that_is_no_folder_or_s3_is_a_config_error(location: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="s3://BUCKET/PREFIX"):
        open_raw_store(location)
