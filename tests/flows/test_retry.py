"""Tasks retry a lost connection, never bad input."""

from __future__ import annotations

import sqlalchemy as sa
from prefect.states import Completed, Failed

from footprint.errors import ChecksumMismatchError, InputFileError, StorageError
from tasks._retry import transient


def test_only_what_may_fix_itself_is_retried() -> None:
    lost = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    assert transient(None, None, Failed(data=lost))
    assert transient(None, None, Failed(data=StorageError("s3://b/raw: read timeout")))
    assert not transient(None, None, Failed(data=ChecksumMismatchError("fuel.csv: checksum differs")))
    assert not transient(None, None, Failed(data=InputFileError("fuel.csv", "not a date", row=3, column="Datum")))
    assert not transient(None, None, Completed(data=1))
