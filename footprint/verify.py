"""The raw store checked against the warehouse's record of every file it kept.

Table raw_files holds each loaded file's SHA-256, size and stored path; run_files names the files
kept but rejected as unreadable; an archived report's manifest.json names each of its files' SHA-256.
`verify` re-hashes every kept file, streamed, and lists what is missing, changed or kept without any
record (`footprint verify`). `check_sizes` is the cheap form, existence and size without reading a
byte of content, run before each report and in each ingest: a raw file deleted or edited by hand must
not go unnoticed while figures still point at it.

A raw store shared by several organisations (one warehouse schema each) shows the others' files as
unreferenced: verify each organisation against a store of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from footprint.config.workspace import Workspace
from footprint.resources import raw_store, warehouse
from footprint.storage.raw_store import RawStore

MISSING, CHANGED, UNREFERENCED = "missing", "changed", "unreferenced"
KINDS = (MISSING, CHANGED, UNREFERENCED)
REPORTS = "reports/"  # the report archive beside the raw files: checked against its manifests
_MANIFEST = "manifest.json"
_HASH_THREADS = 4  # reading and hashing overlap (hashlib releases the GIL); S3 downloads wait on the network
_SHOWN = 20  # problems named one by one in a report or an ingest's output; verify names them all
_LAYOUT = re.compile(r"^(?P<head>[0-9a-f]{2})/(?P=head)[0-9a-f]{62}/[^/]+$")  # where the store keeps a file


@dataclass(frozen=True)
class Problem:
    """One kept file that is not as the warehouse recorded it."""

    kind: str  # missing, changed or unreferenced
    path: str  # where it lies or should lie: a path or an s3:// URL
    detail: str
    file_name: str | None = None
    period: str | None = None  # the month its file was delivered for, YYYY-MM
    recorded_bytes: int | None = None
    found_bytes: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {"problem": self.kind, "file_name": self.file_name, "period": self.period,
                "recorded_bytes": self.recorded_bytes, "found_bytes": self.found_bytes, "detail": self.detail}


@dataclass(frozen=True)
class Verification:
    """What `footprint verify` found: files and bytes re-hashed, and every problem."""

    location: str
    files: int
    bytes_checked: int
    report_files: int  # archived report files re-hashed against their manifests
    problems: list[Problem] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(p.kind == kind for p in self.problems)

    def summary(self) -> str:
        checked = (f"raw store {self.location}: {self.files - self.report_files:,} raw file(s) and "
                   f"{self.report_files:,} archived report file(s), {self.bytes_checked:,} bytes re-hashed")
        if not self.problems:
            return f"{checked}: all as the warehouse recorded them"
        return f"{checked}: " + ", ".join(f"{self.count(kind)} {kind}" for kind in KINDS)


@dataclass(frozen=True)
class SizeCheck:
    """The cheap check: every file the warehouse records is there with the size it was stored with."""

    location: str
    checked_at: dt.datetime
    files: int
    recorded_bytes: int
    problems: list[Problem] = field(default_factory=list)

    def lines(self, most: int = _SHOWN) -> list[str]:
        """The problems as lines, at most `most` of them and then how many more (`footprint verify` names all)."""
        shown = [str(p) for p in self.problems[:most]]
        if len(self.problems) > most:
            shown.append(f"... and {len(self.problems) - most} more: `footprint verify` lists them all")
        return shown

    def summary(self) -> str:
        checked = f"raw store {self.location}: {self.files:,} file(s) checked by existence and size"
        if not self.problems:
            return f"{checked}: all present with their sizes"
        return f"{checked}: " + ", ".join(f"{n} {kind}" for kind, n in self._counts().items() if n)

    def _counts(self) -> dict[str, int]:
        return {kind: sum(p.kind == kind for p in self.problems) for kind in (MISSING, CHANGED)}

    def as_summary(self) -> dict[str, Any]:
        """The check as summary.json states it (SUMMARY_SCHEMA.md, `raw_store_check`)."""
        counts = self._counts()
        return {
            "kind": "existence_and_size",
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "files": self.files,
            "recorded_bytes": self.recorded_bytes,
            "all_present": not self.problems,
            "missing": counts[MISSING],
            "changed": counts[CHANGED],
            "problems": [p.as_json() for p in self.problems[:_SHOWN]],
        }


def quick_check(ws: Workspace) -> list[str]:
    """What is wrong in the raw store by existence and size: a line per problem (at most 20, then how many more).

    [] when all is well. For each ingest: no content is read, so it costs a stat per file (a listing on S3).
    """
    return check_sizes(ws).lines()


def check_sizes(ws: Workspace) -> SizeCheck:
    """Every file raw_files records, looked up in the raw store: gone, or of another size than stored."""
    store = raw_store(ws)
    recorded = _recorded(ws)
    found = store.sizes(recorded["key"].tolist())
    recorded["found_bytes"] = recorded["key"].map(found).astype("Int64")
    gone = recorded["found_bytes"].isna().to_numpy(dtype=bool)
    resized = ~gone & (recorded["found_bytes"] != recorded["size_bytes"]).to_numpy(dtype=bool, na_value=False)
    problems = [_missing(row) for row in recorded[gone].itertuples()]
    problems += [_resized(row) for row in recorded[resized].itertuples()]
    return SizeCheck(store.location, dt.datetime.now(dt.UTC), len(recorded), int(recorded["size_bytes"].sum()),
                     sorted(problems, key=_order))


def verify(ws: Workspace) -> Verification:
    """Re-hash every kept file and archived report file; list what is missing, changed or not recorded."""
    store = raw_store(ws)
    listed = store.inventory()
    raw = {key: size for key, size in listed.items() if not key.startswith(REPORTS)}
    recorded = _recorded(ws)
    present = recorded["key"].isin(list(raw)).to_numpy(dtype=bool)
    problems = [_missing(row) for row in recorded[~present].itertuples()]

    # Files kept but rejected as unreadable: named in run_files, not raw_files; their folder is their SHA-256.
    rejected = _rejected(ws)
    folders = {key: key.split("/")[1] if key.count("/") == 2 else "" for key in raw}
    known = set(recorded["key"])
    kept_rejected = {key: folders[key] for key in raw if key not in known and folders[key] in rejected}
    unreferenced = sorted(key for key in raw if key not in known and key not in kept_rejected)
    problems += [_unreferenced(store, key, raw[key]) for key in unreferenced]

    expected = dict(zip(recorded["key"][present], recorded["file_sha256"][present], strict=True)) | kept_rejected
    archived, report_problems = _archived(store, listed)
    problems += report_problems
    checked = [*expected, *archived]
    actual = _hashes(store, checked)
    rows = {row.key: row for row in recorded[present].itertuples()}
    for key, sha in expected.items():
        if actual[key] is None:
            problems.append(_gone_meanwhile(store, key, rows.get(key)))
        elif actual[key] != sha:
            problems.append(_rehashed(store, key, rows.get(key), sha, actual[key], raw[key]))
    for key, sha in archived.items():
        if actual[key] != sha:
            problems.append(Problem(CHANGED if actual[key] else MISSING, _where(store, key), _archive_detail(
                store, key, sha, actual[key])))
    return Verification(store.location, len(checked), sum(listed.get(key, 0) for key in checked), len(archived),
                        sorted(problems, key=_order))


def _recorded(ws: Workspace) -> pd.DataFrame:
    """raw_files as the store names its files: key '<sha[:2]>/<sha>/<name>', the last three parts of stored_path.

    Keyed by the store's own layout, not the whole path, so a store moved to another folder or bucket
    (and footprint.yaml pointed at it) is still checked file by file.
    """
    query = "SELECT file_sha256, file_name, period, size_bytes, stored_path FROM raw_files ORDER BY stored_path"
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text(query)).all()
    sha, name, period, size, stored = (list(column) for column in zip(*rows)) if rows else ([], [], [], [], [])
    paths = pa.array(stored, type=pa.string())
    key = pc.struct_field(pc.extract_regex(paths, r"(?P<key>[^/]+/[^/]+/[^/]+)$"), [0])
    return pd.DataFrame({
        "file_sha256": sha, "file_name": name,
        "period": np.array(period, dtype="datetime64[M]").astype(str),  # YYYY-MM, for messages
        "size_bytes": np.array(size, dtype=np.int64), "stored_path": stored,
        "key": pc.fill_null(key, paths).to_pylist(),  # a path of fewer parts is looked up as it is, and missed
    })


def _rejected(ws: Workspace) -> set[str]:
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT file_sha256 FROM run_files WHERE outcome = 'rejected'"))
        return set(rows.scalars())


def _archived(store: RawStore, listed: dict[str, int]) -> tuple[dict[str, str], list[Problem]]:
    """Each archived report file a manifest names -> its SHA-256 there; and the problems found on the way.

    A report run without a manifest was cut off before it was archived (archive.py writes it last): not
    an archived report, so nothing to check.
    """
    expected: dict[str, str] = {}
    problems: list[Problem] = []
    manifests = sorted(key for key in listed if key.startswith(REPORTS) and key.endswith(f"/{_MANIFEST}"))
    for key in manifests:
        run = key.removesuffix(_MANIFEST)
        try:
            artefacts = json.loads(store.read_report(key.removeprefix(REPORTS)))["artefacts"]
            named = {run + name: str(sha) for name, sha in artefacts.items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(Problem(CHANGED, _where(store, key), f"archived report {key.removeprefix(REPORTS)}: "
                                    "not a manifest footprint wrote (no list of artefacts with their SHA-256)"))
            continue
        expected.update(named)
    return expected, problems


def _hashes(store: RawStore, keys: Iterable[str]) -> dict[str, str | None]:
    """The SHA-256 of each kept file as it is now, several read at once; None for one gone meanwhile."""
    keys = list(keys)
    with ThreadPoolExecutor(max_workers=_HASH_THREADS) as pool:
        return dict(zip(keys, pool.map(store.stored_sha256, keys), strict=True))


def _order(problem: Problem) -> tuple[int, str]:
    return KINDS.index(problem.kind), problem.path


def _where(store: RawStore, key: str) -> str:
    return f"{store.location.rstrip('/')}/{key}"


def _missing(row: Any) -> Problem:
    return Problem(MISSING, row.stored_path, f"{row.file_name} ({row.period}): {row.stored_path} is gone from the raw "
                   "store; restore it there from a backup", row.file_name, row.period, int(row.size_bytes), None)


def _resized(row: Any) -> Problem:
    return Problem(CHANGED, row.stored_path, f"{row.file_name} ({row.period}): {row.stored_path} changed since it "
                   f"was stored ({row.found_bytes:,} bytes now, {row.size_bytes:,} then); restore it from a backup",
                   row.file_name, row.period, int(row.size_bytes), int(row.found_bytes))


def _gone_meanwhile(store: RawStore, key: str, row: Any) -> Problem:
    if row is None:
        return Problem(MISSING, _where(store, key), f"{_where(store, key)} (kept as rejected) went while being read")
    return _missing(row)


def _rehashed(store: RawStore, key: str, row: Any, expected: str, actual: str, size: int) -> Problem:
    if row is None:
        path = _where(store, key)
        return Problem(CHANGED, path, f"{path} (a file kept as rejected) changed since it was stored: its content "
                       f"no longer hashes to {expected}", found_bytes=size)
    return Problem(CHANGED, row.stored_path, f"{row.file_name} ({row.period}): {row.stored_path} changed since it "
                   f"was stored ({size:,} bytes now, {row.size_bytes:,} then; SHA-256 now {actual[:12]}..., then "
                   f"{expected[:12]}...); restore it from a backup", row.file_name, row.period, int(row.size_bytes),
                   size)


def _archive_detail(store: RawStore, key: str, expected: str, actual: str | None) -> str:
    name = key.removeprefix(REPORTS)
    if actual is None:
        return f"archived report file {name} is gone from {store.location} (its manifest names it)"
    return f"archived report file {name} has SHA-256 {actual}, {expected} in its manifest"


def _unreferenced(store: RawStore, key: str, size: int) -> Problem:
    path = _where(store, key)
    if not _LAYOUT.match(key):
        return Problem(UNREFERENCED, path, f"{path} ({size:,} bytes) is in the raw store, not where footprint keeps a "
                       "file (<sha[:2]>/<sha>/<name>): put there by hand", found_bytes=size)
    return Problem(UNREFERENCED, path, f"{path} ({size:,} bytes) is in the raw store, but not a file the warehouse "
                   "loaded or rejected: kept by a run that stopped before loading it (the next ingest of its month "
                   "loads it), or put there by hand", found_bytes=size)
