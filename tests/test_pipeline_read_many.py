"""Storing and parsing a month's files: interval exports are read in batches, with each file's own result, in order."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from company_files import ALL_FILES, ELECTRICITY_EAN, GAS_EAN, make_company

from footprint.ingest import parse as ingest_parse
from footprint.ingest.parse import parsed_files
from footprint.ingest.results import FileResult, ParsedFile
from footprint.resources import close_warehouses
from footprint.sources import meter_interval_csv
from footprint.sources.registry import detect_format

HEADER = "Begin;Einde;Verbruik;Eenheid;Richting;Status"


def _interval(ean: str | None, day: int, rows: int = 96, bad: bool = False) -> str:
    start = pd.Timestamp(f"2025-03-{day:02d}").tz_localize("Europe/Amsterdam")
    lines = [f"EAN;{ean}"] if ean else []
    lines.append(HEADER)
    for i in range(rows):
        begin, end = start + pd.Timedelta(minutes=15 * i), start + pd.Timedelta(minutes=15 * (i + 1))
        quantity = "x" if bad and i == 3 else f"{i % 7},{i % 10}"
        lines.append(f"{begin.isoformat()};{end.isoformat()};{quantity};kWh;Levering;Gemeten")
    return "\n".join(lines) + "\n"


FILES = {
    **ALL_FILES,
    **{f"interval_{day:02d}.csv": _interval(ELECTRICITY_EAN, day) for day in range(1, 8)},
    "interval_gas.csv": _interval(GAS_EAN, 8, rows=10),
    "interval_bad.csv": _interval(ELECTRICITY_EAN, 9, bad=True),
    "interval_no_ean.csv": _interval(None, 10),
    "notes.csv": "Hallo;Wereld\n1;2\n",
}


@pytest.fixture
def workspace(tmp_path: Path):
    ws = make_company(tmp_path / "co", f"duckdb:///{tmp_path / 'wh.duckdb'}", FILES)
    yield ws
    close_warehouses()


@pytest.mark.parametrize("most", [2, 64])
def test_each_file_gives_what_reading_it_alone_gives_in_order(
    workspace, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    monkeypatch.setattr(ingest_parse, "_READ_MANY_FILES", most)
    paths = sorted(str(p) for p in (workspace.inbox / "2025-03").iterdir())
    batches: list[int] = []
    real = meter_interval_csv.read_many
    monkeypatch.setattr(meter_interval_csv, "read_many", lambda ps, es=None: batches.append(len(ps)) or real(ps, es))
    items = list(parsed_files(workspace, paths))
    assert [Path(p).name for p in paths] == [i.path.name if isinstance(i, ParsedFile) else i.file_name
                                           for i in items]
    assert sum(batches) == 10 and len(batches) >= 2  # ten interval exports, spread over both threads
    for path, item in zip(paths, items, strict=True):
        name = Path(path).name
        if name in ("interval_no_ean.csv", "notes.csv"):
            assert isinstance(item, FileResult) and item.outcome == "rejected", name
            assert ("no EAN" if name == "interval_no_ean.csv" else "not a known source format") in item.message
            assert item.duration_s > 0
            continue
        assert isinstance(item, ParsedFile), name
        assert (workspace.raw_store / item.sha256[:2] / item.sha256 / name).is_file()
        fmt = detect_format(Path(path))
        assert item.fmt is fmt
        assert 0 < time.perf_counter() - item.started < 60
        if fmt is meter_interval_csv:
            pd.testing.assert_frame_equal(item.frame, meter_interval_csv.read(Path(path)), check_exact=True)
