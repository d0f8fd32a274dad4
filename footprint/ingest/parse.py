"""Parse: keep each new file in the raw store and read it with its format, on two threads.

Formats that read many files at once (the 15-minute exports) are read in batches; every file's
result comes back in the order given, with the meter footprint.yaml assigns it and personal data hashed.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from footprint import schemas
from footprint.config.assets import Meter
from footprint.config.workspace import Workspace
from footprint.errors import InputFileError
from footprint.ingest.personal import pseudonymised
from footprint.ingest.results import FileResult, ParsedFile
from footprint.resources import raw_store
from footprint.sources.meter_eans import Assigned
from footprint.sources.own_formats import organisation_formats
from footprint.sources.registry import batch_reader, detect_format
from footprint.sources.sheets import data_sheet_name
from footprint.storage.inbox import path_in_month
from footprint.storage.raw_store import RawStore, StoredFile

_PARSE_THREADS = 2


_READ_MANY_FILES = 64  # files per read_many call: their cells are converted together


def meter_option(meters: list[Meter], path: Path) -> list[str] | None:
    """The meters a file is assigned to, as the `ean` a source format takes for rows naming no valid EAN.

    footprint.yaml assigns files to a meter by file-name pattern or inbox subfolder (meters[].files);
    without an assignment, a configured EAN standing in the file's name (a portal's yearly xlsx) is the
    meter. The carrier goes with each EAN, so an export holding electricity and gas places each. The
    file's own valid EAN always wins (footprint.sources.meter_eans.row_eans).
    """
    inside = path_in_month(path)
    chosen = [m for m in meters if m.takes_file(path.name, inside)] or [m for m in meters if m.ean in path.name]
    words = {"electricity": "electricity", "natural_gas": "gas"}
    return Assigned(f"{words[m.carrier]}={m.ean}" if m.carrier in words else m.ean for m in chosen) or None


@dataclass(frozen=True)
class StoredForBatch:
    """A kept file of a format that reads many files at once (see footprint.sources.registry.BatchReader), not yet read."""

    path: Path
    stored: StoredFile
    fmt: Any
    ean: Any  # what read() would be given as `ean`
    store_s: float  # keeping the file and recognising its format


def _store_and_parse(
    store: RawStore, path: Path, own_formats: list[Any], meters: list[Meter]
) -> FileResult | ParsedFile | StoredForBatch:
    """Keep the raw file, then read it; a file footprint cannot read at all becomes a rejected result.

    The organisation's own fuel-card profiles are tried before the built-in formats. A meter export
    gets the meters footprint.yaml assigns it (meter_option) for rows that name no valid EAN. A file
    of a built-in format that reads many files at once is only kept and recognised: parse_batch
    reads it with others. A format's notes (a meter replaced, rows left out and why) go with the rows.
    """
    started = time.perf_counter()
    stored = store.put(path)
    try:
        return parse_stored(path, stored, own_formats, meters, started)
    except InputFileError as exc:
        return FileResult(path.name, stored.sha256, "rejected", duration_s=time.perf_counter() - started, message=str(exc))


def parse_stored(
    path: Path, stored: StoredFile, own_formats: list[Any], meters: list[Meter], started: float,
    placed: Path | None = None,
) -> ParsedFile | StoredForBatch:
    """Read a kept file; `placed` is where it lay in the inbox when that is not `path` (a file read again)."""
    fmt = detect_format(path, own_formats)
    own = fmt if fmt in own_formats else None
    placed = placed or path
    ean = meter_option(meters, placed) if fmt.DATASET == schemas.METER_USAGE else None
    if own is None and batch_reader(fmt) is not None:
        return StoredForBatch(path, stored, fmt, ean, time.perf_counter() - started)
    report = getattr(fmt, "read_with_report", None)
    frame, notes = report(path, ean=ean) if report is not None else (fmt.read(path, ean=ean), [])
    sheet = data_sheet_name(path, fmt.sniff)
    return ParsedFile(
        path, stored.sha256, stored.stored_path, stored.size_bytes, fmt, frame, started, sheet,
        tuple(str(note) for note in notes), path_in_month(placed), reported=report is not None,
    )


def parse_batch(batch: list[StoredForBatch]) -> list[FileResult | ParsedFile]:
    """Read kept files of one format in one read_many call; each file's time is its keeping plus its share of the call."""
    began = time.perf_counter()
    reader = batch_reader(batch[0].fmt)
    assert reader is not None
    results = reader.read_many([each.path for each in batch], [each.ean for each in batch])
    share = (time.perf_counter() - began) / len(batch)
    parsed: list[FileResult | ParsedFile] = []
    for each, result in zip(batch, results, strict=True):
        seconds = each.store_s + share
        stored = each.stored
        if isinstance(result, InputFileError):
            parsed.append(FileResult(each.path.name, stored.sha256, "rejected", duration_s=seconds, message=str(result)))
        else:
            sheet = data_sheet_name(each.path, each.fmt.sniff)
            started = time.perf_counter() - seconds
            parsed.append(
                ParsedFile(
                    each.path, stored.sha256, stored.stored_path, stored.size_bytes, each.fmt, result, started, sheet,
                    inbox_path=path_in_month(each.path),
                )
            )
    return parsed


def _batch_size(count: int, threads: int, most: int) -> int:
    """Files per read_many call for `count` files: even batches of at most `most`, a whole number per thread."""
    number = max(-(-count // most), min(threads, count), 1)
    if number > threads:
        number = -(-number // threads) * threads
    return max(-(-count // number), 1)


def parsed_files(ws: Workspace, paths: list[str]) -> Iterator[FileResult | ParsedFile]:
    """Store and parse files on two threads (the readers spend their time in pyarrow and DuckDB, outside the GIL).

    Each file is kept and its format recognised, a few files ahead of the results. A file of a
    format that reads many files at once (the 15-minute exports, hundreds a month) waits for others
    of its format: they are read together, as a task of their own, as soon as a batch is complete,
    while the next files are kept. Other files are read one by one. Results come in the order of
    `paths`, each as soon as it and those before it are ready.
    """
    store = raw_store(ws)
    own_formats = organisation_formats(ws.org, ws.config_path.parent)
    meters = list(ws.org.meters)
    key = ws.pseudonym_key
    size = _batch_size(len(paths), _PARSE_THREADS, _READ_MANY_FILES)

    def keep(p: str) -> FileResult | ParsedFile | StoredForBatch:
        item = _store_and_parse(store, Path(p), own_formats, meters)
        return item if isinstance(item, StoredForBatch) else pseudonymised(file_eans_replaced(item, meters), key)

    def read(files: list[StoredForBatch]) -> list[FileResult | ParsedFile]:
        return [pseudonymised(file_eans_replaced(item, meters), key) for item in parse_batch(files)]

    with ThreadPoolExecutor(max_workers=_PARSE_THREADS) as pool:
        queue = iter(paths)
        keeping = deque(pool.submit(keep, p) for p in itertools.islice(queue, 2 * _PARSE_THREADS))
        # Per path: its result, or (the batch's future, its place in the batch), or None while its batch fills.
        slots: list[FileResult | ParsedFile | tuple[Future[list[FileResult | ParsedFile]], int] | None] = []
        waiting: dict[str, list[tuple[int, StoredForBatch]]] = {}

        def read_waiting(name: str) -> None:
            files = waiting.pop(name)
            future = pool.submit(read, [each for _, each in files])
            for place, (index, _) in enumerate(files):
                slots[index] = (future, place)

        def result(index: int) -> FileResult | ParsedFile:
            slot, slots[index] = slots[index], None
            assert slot is not None
            return slot[0].result()[slot[1]] if isinstance(slot, tuple) else slot

        def ready(index: int) -> bool:
            slot = slots[index]
            return slot is not None and (not isinstance(slot, tuple) or slot[0].done())

        given = 0
        while keeping:
            item = keeping.popleft().result()
            keeping.extend(pool.submit(keep, p) for p in itertools.islice(queue, 1))
            if isinstance(item, StoredForBatch):
                slots.append(None)
                files = waiting.setdefault(item.fmt.NAME, [])
                files.append((len(slots) - 1, item))
                if len(files) == size:
                    read_waiting(item.fmt.NAME)
            else:
                slots.append(item)
            while given < len(slots) and ready(given):
                yield result(given)
                given += 1
        for name in list(waiting):
            read_waiting(name)
        for index in range(given, len(slots)):
            yield result(index)


def file_eans_replaced(item: FileResult | ParsedFile, meters: list[Meter]) -> FileResult | ParsedFile:
    """Rows under a code that footprint.yaml says stands for an assigned meter (meters[].file_ean) become its."""
    if isinstance(item, FileResult) or "ean" not in item.frame.columns:
        return item
    inside = item.inbox_path or item.path.name
    codes = {m.file_ean: m.ean for m in meters if m.file_ean is not None and m.takes_file(item.path.name, inside)}
    if not codes:
        return item
    eans = item.frame["ean"]
    frame = item.frame.assign(ean=eans.mask(eans.isin(list(codes)), eans.map(codes)).astype("string"))
    frame.attrs = item.frame.attrs
    note = "; ".join(f"rows under {code} are meter {ean} (footprint.yaml file_ean)" for code, ean in codes.items())
    return replace(item, frame=frame, notes=(*item.notes, note))
