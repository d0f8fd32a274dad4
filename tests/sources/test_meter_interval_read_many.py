"""meter_interval_csv.read_many gives, file by file, exactly what read gives (or the error it raises)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footprint.errors import InputFileError
from footprint.sources import meter_interval_csv
from footprint.sources.registry import batch_reader

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"
HEADER = "Begin;Einde;Verbruik;Eenheid;Richting;Status"


def _quarter_hours(day: str, days: int, seed: int) -> list[str]:
    """Demo-like rows: local days of quarter-hours with their UTC offset, Dutch decimals, a few estimates."""
    start = pd.Timestamp(day).tz_localize(AMS)
    utc = pd.date_range(start.tz_convert("UTC"), (start + pd.Timedelta(days=days)).tz_convert("UTC"), freq="15min",
                        inclusive="left")
    rng = np.random.default_rng(seed)
    rows = []
    for moment, usage in zip(utc, rng.uniform(0.5, 3.5, len(utc)), strict=True):
        begin, end = moment.tz_convert(AMS), (moment + pd.Timedelta(minutes=15)).tz_convert(AMS)
        status = "Geschat" if rng.random() < 0.05 else "Gemeten"
        rows.append(f"{begin.isoformat()};{end.isoformat()};{usage:.3f}".replace(".", ",", 1) + f";kWh;Levering;{status}")
    return rows


def _interval_file(ean: str, day: str, days: int, seed: int) -> str:
    preamble = f"EAN;{ean}\nAansluiting;Hoofdkantoor Utrecht\nProduct;Elektriciteit\nResolutie;15 minuten\n"
    return preamble + HEADER + "\n" + "\n".join(_quarter_hours(day, days, seed)) + "\n"


@pytest.fixture
def mixed(write_file: WriteFile) -> tuple[list[Path], list[str | None]]:
    """Files of every kind read_many groups or sets apart, in an order that interleaves them."""
    demo = [
        write_file(_interval_file("871687990000000140", "2025-03-29", 3, 1), "a.csv"),  # over the spring change
        write_file(_interval_file("871687990000000263", "2025-10-25", 3, 2), "b.csv"),  # and the autumn one
    ]
    bad_rows = _quarter_hours("2025-05-01", 1, 3)
    bad_rows[5] = bad_rows[5].replace(";kWh;", ";kWx;")
    bad_rows[9] = "2025-05-01T02:15:00+02:00;2025-05-01T02:30:00+02:00;abc;kWh;Levering;Gemeten"
    bad_rows[12] = "2025-02-30T03:00:00+01:00;nonsense;1,5;kWh;Opwek;onbekend"
    bad = write_file(
        f"EAN;871687990000000065\n{HEADER}\n" + "\n".join(bad_rows) + "\n;;;;;\n;;\nlast;line\n", "bad.csv"
    )
    own_column = write_file(
        "Begin;Einde;Verbruik;Eenheid;Status;EAN;Tarief\n"
        "2025-05-01T00:00:00+02:00;2025-05-01T00:15:00+02:00;1,2;kWh;Gemeten;871687990000000300;Dal\n"
        "2025-05-01T00:15:00+02:00;2025-05-01T00:30:00+02:00;1,3;MWh;Gemeten;;Normaal\n"
        "2025-05-01T00:30:00+02:00;2025-05-01T00:45:00+02:00;1,4;kWh;Geschat; 871687990000000317 ;t2\n",
        "column.csv",
    )
    column_and_preamble = write_file(
        "EAN;871687990000000409\n"
        "Begin;Einde;Verbruik;Eenheid;Status;EAN;Tarief\n"
        "2025-05-01T00:00:00+02:00;2025-05-01T00:15:00+02:00;2,2;kWh;Gemeten;871687990000000416;Dal\n"
        "2025-05-01T00:15:00+02:00;2025-05-01T00:30:00+02:00;2,3;kWh;Gemeten;-;Normaal\n",
        "column_and_preamble.csv",
    )
    no_direction = write_file(
        "EAN;871687990000000508\nBegin;Einde;Verbruik;Eenheid;Status\n"
        + "\n".join(row.rsplit(";", 2)[0] + ";" + row.rsplit(";", 1)[1] for row in _quarter_hours("2025-05-02", 1, 4))
        + "\n",
        "no_direction.csv",
    )
    header_only = write_file(f"EAN;871687990000000607\n{HEADER}\n", "header_only.csv")
    no_ean = write_file(f"{HEADER}\n" + "\n".join(_quarter_hours("2025-05-03", 1, 5)) + "\n", "no_ean.csv")
    given_ean = write_file(f"{HEADER}\n" + "\n".join(_quarter_hours("2025-05-04", 1, 6)) + "\n", "given_ean.csv")
    unreadable = write_file("Datum;Waarde\n01-05-2025;12\n", "unreadable.csv")
    empty = write_file("", "empty.csv")
    missing = write_file("x", "missing.csv")
    missing.unlink()
    paths = [demo[0], own_column, bad, unreadable, no_direction, demo[1], no_ean, empty, column_and_preamble,
             header_only, given_ean, missing]
    eans: list[str | None] = [None] * len(paths)
    eans[paths.index(given_ean)] = "871687990000000706"
    eans[paths.index(demo[1])] = "871687990000000997"  # the file's own EAN wins
    return paths, eans


def test_each_file_reads_as_read_reads_it(mixed: tuple[list[Path], list[str | None]]) -> None:
    paths, eans = mixed
    results = meter_interval_csv.read_many(paths, eans)
    assert len(results) == len(paths)
    errors = 0
    for path, ean, result in zip(paths, eans, results, strict=True):
        try:
            expected = meter_interval_csv.read(path, ean=ean)
        except InputFileError as exc:
            errors += 1
            assert isinstance(result, InputFileError), path.name
            assert str(result) == str(exc)
            continue
        assert isinstance(result, pd.DataFrame), path.name
        pd.testing.assert_frame_equal(result, expected, check_exact=True)
        assert isinstance(result.index, pd.RangeIndex) and result.index.start == 0
        assert result.attrs == expected.attrs
    assert errors == 4  # unreadable, empty, missing, no EAN


def test_the_mix_covers_what_it_should(mixed: tuple[list[Path], list[str | None]]) -> None:
    paths, eans = mixed
    by_name = dict(zip((p.name for p in paths), meter_interval_csv.read_many(paths, eans), strict=True))
    assert by_name["b.csv"]["ean"].unique().tolist() == ["871687990000000263"]
    assert by_name["given_ean.csv"]["ean"].unique().tolist() == ["871687990000000706"]
    assert by_name["column.csv"]["ean"].tolist() == ["871687990000000300", pd.NA, "871687990000000317"]
    assert by_name["column_and_preamble.csv"]["ean"].tolist() == ["871687990000000416", "871687990000000409"]
    assert (by_name["no_direction.csv"]["direction"] == "consumption").all()
    assert len(by_name["header_only.csv"]) == 0
    bad = by_name["bad.csv"]
    assert bad["source_row"].iloc[-1] == 101  # blank lines skipped, the ragged last line kept
    assert bad["quantity"].isna().tolist().count(True) == 2  # "abc" and the ragged line
    assert bad["unit"].isna().tolist().count(True) == 2  # "kWx" and the ragged line
    assert bad["interval_start"].isna().tolist().count(True) == 2  # 30 February and the ragged line
    assert bad["direction"].isna().tolist().count(True) == 1  # the ragged line
    assert "no EAN" in str(by_name["no_ean.csv"])


def test_one_file_and_no_files(mixed: tuple[list[Path], list[str | None]]) -> None:
    paths, _ = mixed
    assert meter_interval_csv.read_many([]) == []
    (only,) = meter_interval_csv.read_many(paths[:1])
    pd.testing.assert_frame_equal(only, meter_interval_csv.read(paths[0]), check_exact=True)


def test_the_format_offers_the_capability() -> None:
    assert batch_reader(meter_interval_csv) is meter_interval_csv
    assert batch_reader(object()) is None
