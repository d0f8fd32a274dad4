"""`make bench`: footprint's ingestion against a naive pipeline and DuckDB's floor, on the same files.

For each size (interval rows in a year) it writes a workspace (bench/generate.py: N meters of
15-minute data plus the demo's fuel-card and supplier files), then runs, each in its own process so
that peak memory is that pipeline's own (bench/pipelines.py):

- footprint: every month through parse, validate, load, compute (the monthly flow's core steps,
  without Prefect), then the report (half-year summary, and the workbook where its rows fit a sheet);
- naive: pandas.read_csv per file, Great Expectations on the whole frame with the same suite,
  DataFrame.to_sql into DuckDB through duckdb-engine (above --naive-sample-rows, to_sql loads that
  many rows and its time is scaled to all rows: it inserts row by row);
- floor: DuckDB's read_csv of the same files straight into a table, nothing checked.

footprint and the floor alternate, --repeat times each; figures are medians. It checks that footprint
loaded the same interval rows and kWh as the floor (and the naive pipeline), then measures one new
month for --incremental-meters meters on top of a loaded year, and writes bench/results.json.

    .venv/bin/python bench/bench.py                      # 1 M and 10 M interval rows
    .venv/bin/python bench/bench.py --sizes 1000000      # a quick one
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from generate import meters_for, write_workspace

HERE: Final = Path(__file__).resolve().parent
PIPELINES: Final = HERE / "pipelines.py"
STAGES: Final = ("parse", "validate", "load", "compute")
TARGETS: Final = {"floor_ratio_max": 3.0, "naive_speedup_min": 5.0, "peak_rss_mib_max": 2048.0,
                  "incremental_s_max": 30.0, "target_size": 10_000_000}


def run(role: str, workspace: Path, *extra: str) -> dict[str, Any]:
    """One pipeline in a fresh process; its last output line is the JSON result."""
    load_before = os.getloadavg()[0]
    done = subprocess.run([sys.executable, str(PIPELINES), role, str(workspace), *extra],
                          capture_output=True, text=True, cwd=HERE)
    if done.returncode:
        raise SystemExit(f"{role} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def fresh_copy(source: Path, target: Path, copy: tuple[str, ...] = ()) -> Path:
    """A workspace to run in: files hard-linked (nothing rewrites them), `copy` copied (a warehouse is rewritten)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns(*copy, "*.duckdb*"))
    for name in copy:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median seconds per stage and in total, and the largest peak memory."""
    stages = sorted({stage for r in runs for stage in r["stages_s"]})
    return {
        "stages_s": {s: round(statistics.median(r["stages_s"][s] for r in runs if s in r["stages_s"]), 2)
                     for s in stages},
        "total_s": round(statistics.median(r["total_s"] for r in runs), 2),
        "peak_rss_mib": round(max(r["peak_rss_mib"] for r in runs)),
        "runs": len(runs),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def bench_size(
    rows: int, root: Path, repeat: int, naive_repeat: int, sample_rows: int, workbook_rows: int, year: int
) -> dict[str, Any]:
    meters = meters_for(rows)
    source = root / f"rows-{rows}"
    started = time.perf_counter()
    interval_rows = write_workspace(source, meters, year)
    files = sum(1 for _ in source.glob("inbox/*/*"))
    print(f"\n{interval_rows:,} interval rows ({meters} meters x 12 months, {files:,} files) "
          f"written in {time.perf_counter() - started:.0f} s", flush=True)
    footprint, reports, floor, naive = [], [], [], []
    for i in range(repeat):
        work = fresh_copy(source, root / "work")
        footprint.append(run("footprint", work, "--year", str(year)))
        # The workbook once: openpyxl writes a few thousand rows a second.
        workbook = str(workbook_rows if i == 0 else 0)
        reports.append(run("report", work, "--year", str(year), "--workbook-max-rows", workbook))
        floor.append(run("floor", work))
        print(f"  run {i + 1}: footprint {footprint[-1]['total_s']:.1f} s, floor {floor[-1]['total_s']:.1f} s", flush=True)
    for _ in range(naive_repeat):
        naive.append(run("naive", fresh_copy(source, root / "work"), "--year", str(year),
                         "--sample-rows", str(sample_rows)))
        print(f"  naive: {naive[-1]['total_s']:.1f} s", flush=True)
    checks = {
        "interval_rows": {"footprint": footprint[0]["interval_rows"], "floor": floor[0]["interval_rows"],
                          "naive": naive[0]["interval_rows"] if naive else None},
        "interval_wh": {"footprint": footprint[0]["interval_wh"], "floor": floor[0]["interval_wh"],
                        "naive": naive[0]["interval_wh"] if naive else None},
    }
    for what, found in checks.items():
        values = {v for v in found.values() if v is not None} | {r[what] for r in footprint + floor}
        if len(values) != 1:
            raise SystemExit(f"results differ: {what} {found}")
    shutil.rmtree(root / "work", ignore_errors=True)
    fp, fl = median_run(footprint), median_run(floor)
    nv = median_run(naive) if naive else None
    fp_ingest = sum(fp["stages_s"].get(s, 0.0) for s in STAGES)
    nv_total = nv["total_s"] if nv else None
    per_stage = {
        stage: {
            "footprint_s": fp["stages_s"].get(stage),
            "footprint_rows_per_s": round(interval_rows / fp["stages_s"][stage]) if fp["stages_s"].get(stage) else None,
            "naive_s": nv["stages_s"].get(stage) if nv else None,
            "naive_over_footprint": ratio(nv["stages_s"].get(stage), fp["stages_s"].get(stage)) if nv else None,
        }
        for stage in STAGES
    }
    return {
        "interval_rows": interval_rows,
        "meters": meters,
        "files": files,
        "rows_loaded": footprint[0]["rows_loaded"],
        "rows_quarantined": footprint[0]["rows_quarantined"],
        "footprint": fp,
        "report": median_run(reports) | {"note": reports[0]["note"], "emission_rows": reports[0]["emission_rows"],
                                         "workbook_s": reports[0]["stages_s"].get("workbook")},
        "naive": nv and nv | {"to_sql_rows": naive[0]["to_sql_rows"],
                              "to_sql_extrapolated": naive[0]["to_sql_extrapolated"]},
        "floor": fl,
        "stages": per_stage,
        "end_to_end": {
            "footprint_s": round(fp_ingest, 2),
            "footprint_rows_per_s": round(interval_rows / fp_ingest),
            "naive_s": nv_total,
            "floor_s": fl["total_s"],
            "footprint_over_floor": ratio(fp_ingest, fl["total_s"]),
            "naive_over_footprint": ratio(nv_total, fp_ingest),
        },
        "checks": checks,
        "raw_runs": {"footprint": footprint, "report": reports, "floor": floor, "naive": naive},
    }


def bench_incremental(meters: int, root: Path, repeat: int, year: int) -> dict[str, Any]:
    """One new month on top of a loaded year: the year is loaded once, each run starts from a copy."""
    base = root / f"incremental-{meters}"
    write_workspace(base, meters, year, extra_months=1)
    loaded = run("footprint", base, "--year", str(year))
    print(f"\nincremental: {meters} meters, a year of {loaded['rows_loaded']:,} rows loaded "
          f"in {loaded['total_s']:.0f} s", flush=True)
    runs = []
    period = f"{year + 1}-01"
    for _ in range(repeat):
        work = fresh_copy(base, root / "work", copy=("warehouse.duckdb",))
        runs.append(run("incremental", work, "--period", period))
        print(f"  {period}: {runs[-1]['total_s']:.1f} s", flush=True)
    shutil.rmtree(root / "work", ignore_errors=True)
    return {"meters": meters, "period": period, "rows_loaded": runs[0]["rows_loaded"], "files": runs[0]["files"],
            **median_run(runs), "raw_runs": runs}


def machine() -> dict[str, Any]:
    import duckdb
    import great_expectations
    import pandas
    import pyarrow

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kib / 2**20, 1),
        "os": platform.platform(), "python": platform.python_version(),
        "versions": {"duckdb": duckdb.__version__, "pandas": pandas.__version__, "pyarrow": pyarrow.__version__,
                     "great_expectations": great_expectations.__version__},
    }


def _num(value: float | None, width: int, digits: int = 1) -> str:
    return f"{'-' if value is None else f'{value:,.{digits}f}':>{width}}"


def print_size(size: dict[str, Any]) -> None:
    e = size["end_to_end"]
    print(f"\n== {size['interval_rows']:,} interval rows, {size['files']:,} files (medians of "
          f"{size['footprint']['runs']} runs; naive {size['naive']['runs'] if size['naive'] else 0})")
    print(f"{'stage':<12}{'footprint s':>12}{'rows/s':>12}{'naive s':>10}{'naive/fp':>10}{'floor s':>9}{'fp/floor':>9}")
    for stage, s in size["stages"].items():
        print(f"{stage:<12}{_num(s['footprint_s'], 12)}{_num(s['footprint_rows_per_s'], 12, 0)}"
              f"{_num(s['naive_s'], 10)}{_num(s['naive_over_footprint'], 10)}")
    print(f"{'end to end':<12}{_num(e['footprint_s'], 12)}{_num(e['footprint_rows_per_s'], 12, 0)}"
          f"{_num(e['naive_s'], 10)}{_num(e['naive_over_footprint'], 10)}{_num(e['floor_s'], 9)}"
          f"{_num(e['footprint_over_floor'], 9, 2)}")
    r = size["report"]
    print(f"report: {', '.join(f'{k} {v:.1f} s' for k, v in r['stages_s'].items())}"
          + (f" ({r['note']})" if r["note"] else ""))
    peaks = {k: size[k]["peak_rss_mib"] for k in ("footprint", "report", "naive", "floor") if size[k]}
    print("peak RSS MiB: " + ", ".join(f"{k} {v:,}" for k, v in peaks.items()))
    if size["naive"] and size["naive"]["to_sql_extrapolated"]:
        print(f"naive load: to_sql of {size['naive']['to_sql_rows']:,} rows, time scaled to all rows")


def verdict(sizes: list[dict[str, Any]], incremental: dict[str, Any] | None) -> dict[str, Any]:
    target = next((s for s in sizes if s["interval_rows"] >= TARGETS["target_size"] * 0.99), None)
    out: dict[str, Any] = {}
    if target:
        e = target["end_to_end"]
        out["floor_ratio"] = {"max": TARGETS["floor_ratio_max"], "measured": e["footprint_over_floor"],
                              "met": e["footprint_over_floor"] <= TARGETS["floor_ratio_max"]}
        if e["naive_over_footprint"]:
            out["naive_speedup"] = {"min": TARGETS["naive_speedup_min"], "measured": e["naive_over_footprint"],
                                    "met": e["naive_over_footprint"] >= TARGETS["naive_speedup_min"]}
        peak = target["footprint"]["peak_rss_mib"]
        out["peak_rss_mib"] = {"max": TARGETS["peak_rss_mib_max"], "measured": peak,
                               "met": peak < TARGETS["peak_rss_mib_max"]}
    if incremental:
        out["incremental_s"] = {"max": TARGETS["incremental_s_max"], "measured": incremental["total_s"],
                                "met": incremental["total_s"] < TARGETS["incremental_s_max"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument("--naive-sample-rows", type=int, default=1_000_000)
    parser.add_argument("--workbook-max-rows", type=int, default=100_000_000,
                        help="time the workbook (first run only) up to this many emission rows (its sheet sums "
                             "interval meter rows per meter, file and month: a few thousand lines at 10 M rows); "
                             "0: never")
    parser.add_argument("--incremental-meters", type=int, default=100, help="0 skips the incremental run")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--workdir", type=Path, help="where workspaces go (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="footprint-bench-"))
    started = dt.datetime.now(dt.timezone.utc)
    load = os.getloadavg()
    sizes = [bench_size(n, root, args.repeat, args.naive_repeat, args.naive_sample_rows, args.workbook_max_rows, args.year)
             for n in args.sizes]
    incremental = bench_incremental(args.incremental_meters, root, args.repeat, args.year) \
        if args.incremental_meters else None
    for size in sizes:
        print_size(size)
    if incremental:
        print(f"\nincremental month, {incremental['meters']} meters ({incremental['rows_loaded']:,} rows): "
              f"{incremental['total_s']:.1f} s (" + ", ".join(f"{k} {v:.1f} s" for k, v in incremental["stages_s"].items())
              + f"), peak RSS {incremental['peak_rss_mib']:,} MiB")
    targets = verdict(sizes, incremental)
    for name, t in targets.items():
        print(f"target {name}: {t['measured']} ({'met' if t['met'] else 'NOT met'})")
    results = {
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.timezone.utc) - started).total_seconds()),
        "command": " ".join(["bench/bench.py", *sys.argv[1:]]),
        "machine": machine() | {"load_1_5_15min_at_start": [round(x, 2) for x in load],
                                "load_1_5_15min_at_end": [round(x, 2) for x in os.getloadavg()]},
        "method": {
            "footprint": "core steps of the monthly flow per month (pull, load_files, compute_emissions, record_run), "
                         "no Prefect; parse = finding, hashing, storing and reading files; validate = the GX run "
                         "per dataset and month; load = prepare, insert, commit, run log; compute = emissions SQL",
            "end_to_end": "footprint parse+validate+load+compute; naive parse+validate+load; floor read_csv into a "
                          "table. naive and floor read only the 15-minute files; footprint also the fuel-card "
                          "and supplier files",
            "report": "build_summary for the year's second half (the whole year), in its own process after the "
                      "load; the workbook (first run only) up to --workbook-max-rows emission rows; not in end to end",
            "naive_load": "DataFrame.to_sql of at most naive_sample_rows rows, time scaled to all rows",
            "timing": "wall seconds, medians; each pipeline in its own process; peak RSS is ru_maxrss",
        },
        "targets": targets,
        "sizes": sizes,
        "incremental": incremental,
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out}")
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
