"""The report archive: every report run kept immutable beside the raw files, with a manifest.

A manifest names what the figures rest on (input file checksums, factor lists, configuration hash,
footprint version), so a later run on the same data can say it matches, and on changed data what
changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from footprint import __version__, json_strict
from footprint.config.workspace import Workspace
from footprint.errors import StorageError
from footprint.periods import Half
from footprint.resources import raw_store
from footprint.storage.raw_store import RawStore

_MANIFEST = "manifest.json"
_VOLATILE = ("generated_at",)  # when a report was made is not one of its figures
# What the raw store held when the report ran is stated in the report (raw_store_check), not one of its figures.
_NOT_FIGURES = ("raw_store_check",)
_MAX_CHANGES = 12


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested summary flattened to path -> value, for saying which figures changed."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _leaves(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _leaves(item, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}


def _differs(old: Any, new: Any) -> bool:
    """Sums of floats may differ in the last bits between runs (parallel aggregation): not a change."""
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        return abs(old - new) > 1e-9 * max(1.0, abs(old), abs(new))
    return old != new


def _changes(previous: dict[str, Any], current: dict[str, Any], old_summary: bytes, new_summary: bytes) -> list[str]:
    changes = []
    added = set(current["input_files"]) - set(previous["input_files"])
    removed = set(previous["input_files"]) - set(current["input_files"])
    if added or removed:
        changes.append(f"input files: {len(added)} new, {len(removed)} no longer used")
    if previous["factor_lists"] != current["factor_lists"]:
        changes.append(f"factor lists: {previous['factor_lists']} -> {current['factor_lists']}")
    if previous["config_sha256"] != current["config_sha256"]:
        changes.append("footprint.yaml changed")
    if previous["footprint_version"] != current["footprint_version"]:
        changes.append(f"footprint {previous['footprint_version']} -> {current['footprint_version']}")
    old = _leaves(json.loads(old_summary))
    new = _leaves(json.loads(new_summary))
    differing = [
        key
        for key in sorted(old.keys() | new.keys())
        if not key.endswith(_VOLATILE) and key.split(".", 1)[0] not in _NOT_FIGURES
        and _differs(old.get(key), new.get(key))
    ]
    for key in differing[:_MAX_CHANGES]:
        changes.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    if len(differing) > _MAX_CHANGES:
        changes.append(f"... and {len(differing) - _MAX_CHANGES} more figures")
    return changes


def archive_report(ws: Workspace, half: Half, written: dict[str, Path], summary: Mapping[str, Any],
                   input_files: list[str]) -> dict[str, Any]:
    """Store a report run write-once under <raw store>/reports/<half>/<UTC timestamp>/ with its manifest.

    The store is the raw store's (a folder or S3); the manifest is written last, so an interrupted
    run leaves no manifest and is never taken for an archived report. input_files: the SHA-256 of the raw
    files behind the figures (footprint.reports.lineage.input_files). Returns the manifest.
    """
    store = raw_store(ws)
    earlier = sorted(p.rsplit("/", 1)[0] for p in store.report_files(f"{half}/") if p.endswith(f"/{_MANIFEST}"))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    out_dir = written["summary.json"].parent
    for name, path in written.items():
        _archive(store, f"{half}/{stamp}/{name}", path, out_dir)
    manifest: dict[str, Any] = {
        "half": str(half),
        "archived_at": stamp,
        "location": f"{ws.raw_store}/reports/{half}/{stamp}",
        "footprint_version": __version__,
        "config_sha256": _sha256(ws.config_path),
        "input_files": input_files,
        "factor_lists": [f["list_id"] for f in summary["factor_lists"]],
        "summary_sha256": _sha256(written["summary.json"]),
        "artefacts": {name: _sha256(path) for name, path in written.items()},
    }
    if earlier:
        previous = json.loads(store.read_report(f"{earlier[-1]}/{_MANIFEST}"))
        changes = _changes(previous, manifest, store.read_report(f"{earlier[-1]}/summary.json"),
                           written["summary.json"].read_bytes())
        manifest["compared_with"] = earlier[-1].rsplit("/", 1)[-1]
        manifest["matches_previous"] = not changes
        manifest["changes"] = changes
    _archive(store, f"{half}/{stamp}/{_MANIFEST}", json_strict.dumps(manifest, indent=2).encode("utf-8"), out_dir)
    return manifest


def _archive(store: RawStore, relative: str, data: bytes | Path, out_dir: Path) -> None:
    """One file into the archive; when the store refuses it (full, read-only), the report stands where it was
    written but is not archived, and the message says both. Without its manifest the run is no archived report."""
    try:
        store.put_report(relative, data)
    except StorageError as exc:
        raise StorageError(f"the report is written to {out_dir} but not archived: {exc}") from exc
