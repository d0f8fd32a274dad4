"""Quality gate between parsing and loading: a row that breaks a rule goes to quarantine, not the warehouse.

The rules are Great Expectations suites kept as data, one per dataset (expectations/<dataset>.json),
business rules beside column checks. Each expectation's meta names its rule, the canonical columns
a quarantine entry reports and the reason a quality officer reads, so changing a rule or its wording
is a data change. Where GX has no expectation for a rule (check digits, duplicates, product names
compared case-insensitively) the suite checks a helper column starting with "_" that is derived
here, vectorised, before the run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from footprint.ean import ean_check_digit_valid
from footprint.errors import FootprintError
from footprint.periods import format_period
from footprint.schemas import COLUMNS, LOCAL_TZ

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.datasource.fluent.interfaces import Batch

EXPECTATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "expectations"

QUARANTINE_COLUMNS: Final[dict[str, str]] = {
    "source_row": "int64",
    "column_name": "string",
    "value": "string",
    "expectation": "string",
    "reason": "string",
}

# Failing rows come back as labels of the batch's RangeIndex, i.e. positions. Naming source_row in
# unexpected_index_column_names would make GX read each failing row with DataFrame.at: about 35 s
# per million failures, when a whole file failing one rule (last year's export, a wrong unit) is a
# normal event.
_RESULT_FORMAT: Final = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
_TEMPLATE_FIELDS: Final = frozenset({"value", "period"})
_PARAMETERS: Final = frozenset(
    {
        "period_start_at",
        "period_end_at",
        "period_start_date",
        "period_end_date",
        "known_products",
        "known_plates",
        "known_eans",
        "future_from_at",
        "future_from_date",
    }
)
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MONTH_COLUMNS: Final = frozenset({"period"})  # the first day of a month, shown as the month
# Checks that read a column only through isna/isin, which give a category's rows the same answers.
_CATEGORY_SAFE: Final = frozenset(
    {
        "expect_column_values_to_be_null",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
    }
)

_LOCK = threading.Lock()
_BATCH_DEFINITIONS: dict[str, BatchDefinition] = {}
_SUITES: dict[tuple[Path, str], Suite] = {}


class ValidationRunError(FootprintError):
    """A rule could not be evaluated: counting it as passed would load unchecked rows."""


@dataclass(frozen=True)
class ValidationContext:
    """What the rules compare against: the month being ingested, what the configuration knows, and today.

    today (local, None: the real one): a row dated after it cannot have happened yet, even inside the period.
    """

    period_start: dt.date
    period_end: dt.date
    products: Sequence[str]
    eans: Sequence[str]
    plates: Sequence[str]
    today: dt.date | None = None
    # Why a row's unit has no route to its factor's unit, asked per distinct (subject column, subject,
    # unit): subject column is ean, product or activity_type; None means it has one (footprint.units).
    unit_refusal: Callable[[str, str, str], str | None] | None = None
    # The largest single fuelling a plate may have (litres, or the row's unit) and what says so.
    fuelling_limit: Callable[[str], tuple[float, str]] | None = None

    def __post_init__(self) -> None:
        if self.period_end <= self.period_start:
            raise ValueError(f"period_end {self.period_end} must lie after period_start {self.period_start}")


@dataclass(frozen=True, eq=False)
class ValidationOutcome:
    """Rows fit to load and, per failing row and rule, what to fix; DataFrames are not comparable, hence eq=False."""

    good: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int

    @property
    def quarantined_rows(self) -> int:
        return int(self.quarantine["source_row"].nunique())


@dataclass(frozen=True)
class Rule:
    """One expectation as footprint reads it: what it checks, which columns it reports, and why."""

    order: int
    name: str
    expectation_type: str
    checked: str
    reported: tuple[str, ...]
    reason: str

    @property
    def label(self) -> str:
        return f"{self.expectation_type}:{self.name}"


@dataclass(frozen=True, eq=False)
class Suite:
    """A suite file checked and built once per validation, so it cannot fail halfway through a run."""

    path: Path
    expectations: ExpectationSuite
    rules: tuple[Rule, ...]
    columns: tuple[str, ...]  # canonical columns the rules, helpers and quarantine entries read
    gx_columns: tuple[str, ...]  # columns and helpers the expectations name: all that GX is given
    categorical: frozenset[str]  # of those, the ones GX may get as a category


Factorized = dict[str, tuple[np.ndarray, Any]]  # column -> pd.factorize of it, shared by one run's helpers


def _factorized(frame: pd.DataFrame, column: str, seen: Factorized) -> tuple[np.ndarray, Any]:
    """The column's codes and distinct values, worked out once per validation run (a month of meter rows
    is millions of EANs, which two rules read)."""
    if column not in seen:
        seen[column] = pd.factorize(frame[column])
    return seen[column]


def _per_distinct(
    series: pd.Series, derive: Callable[[pd.Series], pd.Series], factorized: tuple[np.ndarray, Any] | None = None
) -> pd.Series:
    """Derive once per distinct value: identifiers and names repeat on nearly every row of a file."""
    codes, uniques = factorized if factorized is not None else pd.factorize(series)
    derived = derive(pd.Series(uniques, dtype=series.dtype))
    return pd.Series(derived.array.take(codes, allow_fill=True), index=series.index)


def _normalised_products(products: pd.Series) -> pd.Series:
    return products.astype("string").str.strip().str.casefold()


def _derive_product_key(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    return _per_distinct(frame[columns[0]], _normalised_products, _factorized(frame, columns[0], seen))


def _check_digit_where_well_formed(eans: pd.Series) -> pd.Series:
    """Missing where the code is not 18 digits: the format rule reports those, once."""
    valid = ean_check_digit_valid(eans)
    return valid.mask(~eans.str.fullmatch(r"[0-9]{18}").fillna(False).astype(bool), pd.NA)


def _derive_ean_check_digit_ok(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    eans = frame[columns[0]].astype("string")
    return _per_distinct(eans, _check_digit_where_well_formed, _factorized(frame, columns[0], seen))


def _derive_duplicate_of(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """source_row of the first identical row on later occurrences, so the first one still loads."""
    keys = frame[list(columns)]
    result = pd.arrays.IntegerArray(np.zeros(len(frame), dtype=np.int64), np.ones(len(frame), dtype=bool))  # all <NA>
    later = keys.duplicated(keep="first").to_numpy()
    if later.any():
        repeated = keys.duplicated(keep=False).to_numpy()
        group = keys[repeated].groupby(list(columns), dropna=False, sort=False).ngroup()
        first_row = frame["source_row"][repeated].groupby(group.to_numpy()).transform("first")
        result[later] = first_row.to_numpy()[later[repeated]]
    return pd.Series(result, index=frame.index)


def _derive_unit_refusal(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """Why the unit (columns[0]) of a row about a subject (columns[1]: ean, product, activity_type) has no
    route to its factor's unit; <NA> where it has one. Worked out once per distinct pair."""
    unit_column, subject_column = columns[0], columns[1]
    refusal = context.unit_refusal
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    if refusal is None or frame.empty:
        return result
    # Codes per column, then per pair: a year of 15-minute rows is ten million rows of a few pairs.
    subject_codes, subjects = _factorized(frame, subject_column, seen)
    unit_codes, units = _factorized(frame, unit_column, seen)
    known = (subject_codes >= 0) & (unit_codes >= 0)
    if not known.any():
        return result
    pair_codes, pairs = pd.factorize(subject_codes[known].astype(np.int64) * len(units) + unit_codes[known])
    reasons = pd.array(
        [refusal(subject_column, str(subjects[pair // len(units)]), str(units[pair % len(units)])) for pair in pairs],
        dtype="string",
    )
    if reasons.isna().all():
        return result
    result.iloc[np.flatnonzero(known)] = reasons.take(pair_codes)
    return result


def _derive_fuelling_refusal(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """Why a fuelling (quantity, plate, unit) is too large for one vehicle; <NA> when it is within its limit.

    Credits are judged by their size. Limits come per distinct plate from the configuration.
    """
    quantity_column, plate_column, unit_column = columns[0], columns[1], columns[2]
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    limit_of = context.fuelling_limit
    if limit_of is None or frame.empty:
        return result
    codes, plates = _factorized(frame, plate_column, seen)
    limits = [limit_of(str(plate)) for plate in plates]
    limit = np.append(np.array([value for value, _ in limits], dtype=float), np.inf)[codes]
    size = frame[quantity_column].abs().to_numpy(dtype=float, na_value=np.nan)
    over = np.flatnonzero((size > limit) & np.isfinite(size))  # an infinite one is quantity_finite's to name
    if over.size:
        basis = np.array([text for _, text in limits] + [""], dtype=object)[codes[over]]
        units = frame[unit_column].astype("string").fillna("").to_numpy(dtype=object)[over]
        texts = [
            f"{q:g} {u} lies beyond the largest plausible single fuelling of {lim:g} for {p} ({b})"
            for q, u, lim, p, b in zip(size[over], units, limit[over], frame[plate_column].to_numpy()[over], basis)
        ]
        result.iloc[over] = pd.array(texts, dtype="string")
    return result


_HELPERS: Final[dict[str, Callable[[pd.DataFrame, Sequence[str], ValidationContext, Factorized], pd.Series]]] = {
    "_product_key": _derive_product_key,
    "_ean_check_digit_ok": _derive_ean_check_digit_ok,
    "_duplicate_of": _derive_duplicate_of,
    "_unit_refusal": _derive_unit_refusal,
    "_fuelling_refusal": _derive_fuelling_refusal,
}


def suite_path(dataset: str, suite_dir: Path = EXPECTATIONS_DIR) -> Path:
    return suite_dir / f"{dataset}.json"


def load_suite(dataset: str, suite_dir: Path = EXPECTATIONS_DIR) -> Suite:
    """Read and check a suite file, so a typo in a rule stops the run instead of passing rows.

    Built once per content: building a GX suite costs about 0.1 s, paid per dataset and month otherwise.
    """
    if dataset not in COLUMNS:
        raise ValueError(f"unknown dataset {dataset!r}: expected one of {', '.join(COLUMNS)}")
    path = suite_path(dataset, suite_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationRunError(f"{path}: cannot read the expectation suite: {exc}") from exc
    with _LOCK:
        suite = _SUITES.get((path, text))
        if suite is None:
            suite = _SUITES[(path, text)] = _build_suite(dataset, path, text)
    return suite


def _build_suite(dataset: str, path: Path, text: str) -> Suite:
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise ValidationRunError(f"{path}: cannot read the expectation suite: {exc}") from exc
    canonical = set(COLUMNS[dataset])
    rules: list[Rule] = []
    for number, expectation in enumerate(config.get("expectations", []), start=1):
        rules.append(_rule(path, number, expectation, canonical))
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise ValidationRunError(f"{path}: rule names must be unique, got {names}")
    gx_columns, categorical = _gx_reads([*COLUMNS[dataset], *_HELPERS], config.get("expectations", []))
    needed = {"source_row", *gx_columns}
    for rule in rules:
        fields = {field for _, field, _, _ in string.Formatter().parse(rule.reason) if field is not None}
        needed |= set(rule.reported) | (fields - _TEMPLATE_FIELDS)
    return Suite(
        path=path,
        expectations=_gx_suite(path, config),
        rules=tuple(rules),
        columns=tuple(column for column in COLUMNS[dataset] if column in needed),
        gx_columns=gx_columns,
        categorical=categorical,
    )


def _names_in(value: Any) -> set[str]:
    """Every name a kwargs value mentions: a column, a list of them, a row condition as data or as text."""
    if isinstance(value, str):
        return set(_NAME.findall(value))
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*map(_names_in, value))
    return set()


def _gx_reads(
    names: Sequence[str], expectations: Sequence[Mapping[str, Any]]
) -> tuple[tuple[str, ...], frozenset[str]]:
    """The columns and helpers GX reads, and those it may read as a category.

    GX filters every column it is given once per map metric and hashes them all for a batch id, so
    it gets only the names some expectation's kwargs mention: column, column_A/B, a row condition
    (as data or as text), anything else; a stray match costs a column, never a result. A string
    column named only as the column of a null or set check is cheaper to filter, hash and match
    as a category; a regex check reads values through astype(str), which turns a category back into
    a string per row, and a row condition may compare values, which an unordered category refuses.
    """
    uses: dict[str, set[bool]] = {}
    for expectation in expectations:
        safe = expectation.get("type") in _CATEGORY_SAFE
        for key, value in (expectation.get("kwargs") or {}).items():
            for name in _names_in(value):
                uses.setdefault(name, set()).add(safe and key == "column")
    columns = tuple(name for name in names if name in uses)
    return columns, frozenset(name for name in columns if uses[name] == {True})


def _gx_frame(work: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """What GX reads of the work frame; the same rows, positions and verdicts."""
    frame = work[[column for column in suite.gx_columns if column in work.columns]]
    strings = [column for column in frame.columns if isinstance(frame[column].dtype, pd.StringDtype)]
    return frame.astype({column: "category" for column in strings if column in suite.categorical})


def _rule(path: Path, number: int, expectation: Mapping[str, Any], canonical: set[str]) -> Rule:
    where = f"{path}: expectation {number}"
    meta = expectation.get("meta") or {}
    kwargs = expectation.get("kwargs") or {}
    checked = kwargs.get("column", kwargs.get("column_A"))
    if not meta.get("rule") or not meta.get("reason") or not checked:
        raise ValidationRunError(f"{where} needs kwargs.column (or column_A), meta.rule and meta.reason")
    if checked not in canonical and checked not in _HELPERS:
        raise ValidationRunError(f"{where} checks {checked!r}, neither a canonical column nor a helper")
    reported = tuple(meta.get("columns") or ([] if checked in _HELPERS else [checked]))
    if not reported or not set(reported) <= canonical:
        raise ValidationRunError(f"{where} must report canonical columns in meta.columns, got {list(reported)}")
    parameters = {value["$PARAMETER"] for value in kwargs.values() if isinstance(value, dict) and "$PARAMETER" in value}
    if not parameters <= _PARAMETERS:
        raise ValidationRunError(f"{where} uses parameters {sorted(parameters - _PARAMETERS)}: none is supplied")
    allowed = _TEMPLATE_FIELDS | canonical | set(_HELPERS)
    fields = {field for _, field, _, _ in string.Formatter().parse(meta["reason"]) if field is not None}
    if not fields <= allowed:
        raise ValidationRunError(f"{where}: reason uses unknown fields {sorted(fields - allowed)}")
    return Rule(
        order=number,
        name=str(meta["rule"]),
        expectation_type=str(expectation.get("type")),
        checked=str(checked),
        reported=reported,
        reason=str(meta["reason"]),
    )


def validate(
    dataset: str,
    frame: pd.DataFrame,
    context: ValidationContext,
    *,
    suite_dir: Path = EXPECTATIONS_DIR,
) -> ValidationOutcome:
    """Split parsed rows into rows fit to load and quarantine entries that say what to fix.

    One file, or several concatenated with source_row renumbered: source_row must identify each row,
    since quarantine entries and the "repeats row N" of duplicates name rows by it.
    """
    suite = load_suite(dataset, suite_dir)
    _check_frame(dataset, frame)
    work = frame[list(suite.columns)].reset_index(drop=True)
    seen: Factorized = {}
    for rule in suite.rules:
        if rule.checked in _HELPERS and rule.checked not in work.columns:
            work[rule.checked] = _HELPERS[rule.checked](work, rule.reported, context, seen)
    results = _run(dataset, _gx_frame(work, suite), suite, _parameters(context))
    failures = _failures(dataset, suite, results, len(work))

    period = _period_label(context.period_start, context.period_end)
    failing = np.zeros(len(work), dtype=bool)
    entries: list[pd.DataFrame] = []
    for rule, positions in failures:
        failing[positions] = True
        entries.append(_entries(rule, work, positions, period))

    return ValidationOutcome(
        good=frame[~failing] if failing.any() else frame.copy(deep=False),
        quarantine=_quarantine_frame(entries),
        rows_read=len(frame),
    )


def _check_frame(dataset: str, frame: pd.DataFrame) -> None:
    """Rules are written against the canonical table: anything else is a parser bug."""
    expected = COLUMNS[dataset]
    if list(frame.columns) != list(expected):
        raise ValueError(
            f"{dataset} frame has columns {list(frame.columns)}, expected {list(expected)}:"
            " pass parser output through footprint.schemas.conform"
        )
    wrong = {
        column: str(frame[column].dtype)
        for column, dtype in expected.items()
        if frame[column].dtype != pd.api.types.pandas_dtype(dtype)
    }
    if wrong:
        raise ValueError(f"{dataset} frame has non-canonical dtypes {wrong}: pass it through footprint.schemas.conform")
    if not frame["source_row"].is_unique:
        raise ValueError(f"{dataset} frame repeats source_row values: renumber rows when validating several files")


def _parameters(context: ValidationContext) -> dict[str, Any]:
    """Suite parameters: period bounds and the start of tomorrow at local midnight, and the configured names."""
    start = pd.Timestamp(context.period_start)
    end = pd.Timestamp(context.period_end)
    today = context.today or pd.Timestamp.now(tz=LOCAL_TZ).date()
    tomorrow = pd.Timestamp(today + dt.timedelta(days=1))
    products = _normalised_products(pd.Series(list(context.products), dtype="string")).dropna()
    return {
        "period_start_at": start.tz_localize(LOCAL_TZ),
        "period_end_at": end.tz_localize(LOCAL_TZ),
        "period_start_date": start,
        "period_end_date": end,
        "known_products": sorted(set(products)),
        "known_plates": sorted(set(context.plates)),
        "known_eans": sorted(set(context.eans)),
        "future_from_at": tomorrow.tz_localize(LOCAL_TZ),
        "future_from_date": tomorrow,
    }


def _period_label(start: dt.date, end: dt.date) -> str:
    last = (end - dt.timedelta(days=1)).replace(day=1)
    return format_period(start) if last <= start else f"{format_period(start)} to {format_period(last)}"


def _batch_definition(dataset: str) -> BatchDefinition:
    """One ephemeral GX context per process: creating it is slow, reusing it is not.

    In-memory stores and no data docs site, so GX writes no files; progress bars off, so pipeline
    logs stay clean; analytics off, since there is no internet to send them to.
    """
    if not _BATCH_DEFINITIONS:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        )
        gx_context = gx.get_context(mode="ephemeral", project_config=config)
        source = gx_context.data_sources.add_pandas("footprint")
        for name in COLUMNS:
            asset = source.add_dataframe_asset(name)
            _BATCH_DEFINITIONS[name] = asset.add_batch_definition_whole_dataframe("whole_file")
    return _BATCH_DEFINITIONS[dataset]


def _gx_suite(path: Path, config: dict[str, Any]) -> ExpectationSuite:
    import great_expectations as gx
    from great_expectations.exceptions import GreatExpectationsError

    try:
        suite = gx.ExpectationSuite(**config)
    except (GreatExpectationsError, ValueError, TypeError) as exc:
        raise ValidationRunError(f"{path}: not a valid expectation suite: {exc}") from exc
    built = {(expectation.meta or {}).get("rule") for expectation in suite.expectations}
    dropped = [item.get("type") for item in config.get("expectations", []) if item["meta"]["rule"] not in built]
    if dropped:
        raise ValidationRunError(f"{path}: not a valid expectation suite: GX cannot build {dropped}")
    return suite


def _run(
    dataset: str, work: pd.DataFrame, suite: Suite, parameters: dict[str, Any]
) -> list[ExpectationValidationResult]:
    """Validate under a lock: a GX context is not documented as safe for concurrent use.

    GX 1.24 lists a failing column pair's values through Series.values, which pandas 3.1 deprecates
    for zone-aware columns; only those listed values lose their zone, the failing rows do not.
    """
    from great_expectations.exceptions import GreatExpectationsError

    with _LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray that drops timezone")
        batch = _batch_definition(dataset).get_batch(batch_parameters={"dataframe": work})
        try:
            outcome = batch.validate(
                suite.expectations, result_format=_RESULT_FORMAT, expectation_parameters=parameters
            )
        except GreatExpectationsError as exc:
            raise ValidationRunError(f"{dataset}: validation with {suite.path.name} failed: {exc}") from exc
        finally:
            _release(batch)
    return list(outcome.results)


def _release(batch: Batch) -> None:
    """The shared execution engine caches the last batch: drop it, or a validated frame outlives its run."""
    manager = batch.datasource.get_execution_engine().batch_manager
    manager.batch_data_cache.clear()
    manager.reset_batch_cache()


def _exception_messages(info: Mapping[str, Any] | None) -> list[str]:
    """GX reports either one exception or one per metric, keyed by metric id."""
    if not info:
        return []
    if "raised_exception" in info:
        return [str(info.get("exception_message"))] if info["raised_exception"] else []
    return [message for value in info.values() if isinstance(value, Mapping) for message in _exception_messages(value)]


def _failures(
    dataset: str, suite: Suite, results: Sequence[ExpectationValidationResult], rows: int
) -> list[tuple[Rule, np.ndarray]]:
    """Failing row positions per rule; a rule that errored or cannot name its rows stops the run."""
    rules = {rule.name: rule for rule in suite.rules}
    problems: list[str] = []
    failures: list[tuple[Rule, np.ndarray]] = []
    seen: set[str] = set()
    for result in results:
        rule = rules[result.expectation_config.meta["rule"]]
        seen.add(rule.name)
        messages = _exception_messages(result.exception_info)
        if messages:
            problems.append(f"{rule.label} raised {'; '.join(messages)}")
            continue
        if result.success:
            continue
        unexpected = result.result.get("unexpected_index_list")
        count = result.result.get("unexpected_count")
        if unexpected is None or len(unexpected) != count:
            problems.append(f"{rule.label} failed without naming each failing row")
            continue
        positions = np.asarray(unexpected, dtype=np.int64)
        if positions.size and (positions.min() < 0 or positions.max() >= rows):
            problems.append(f"{rule.label} named rows outside the batch")
            continue
        failures.append((rule, positions))
    missing = [rule.label for rule in suite.rules if rule.name not in seen]
    if missing:
        problems.append(f"no result for {', '.join(missing)}")
    if problems:
        raise ValidationRunError(
            f"{dataset}: validation with {suite.path.name} did not complete: {' | '.join(problems)}"
        )
    return failures


def _utc_offsets(minutes: pd.Series) -> pd.Series:
    sign = np.where(minutes < 0, "-", "+")
    hours, rest = np.divmod(minutes.abs().fillna(0).astype(int), 60)
    text = pd.Series([f"{s}{h:02d}:{m:02d}" for s, h, m in zip(sign, hours, rest, strict=True)], dtype="string")
    return text.mask(minutes.isna().to_numpy(), pd.NA)


def _text(series: pd.Series) -> pd.Series:
    """A value as the quarantine stores it, '' when missing: ISO timestamps, whole floats without '.0'.

    Timestamps are formatted from local wall-clock time plus the offset per distinct offset: pandas
    formats zone-aware timestamps one by one (40 s for 3.5 M rows, a file from the wrong month).
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        wall = series.dt.tz_localize(None)
        minutes = (wall - series.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)
        text = wall.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string") + _per_distinct(minutes, _utc_offsets)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        text = series.dt.strftime("%Y-%m-%d").astype("string")
    else:
        text = series.astype("string")
        if pd.api.types.is_float_dtype(series.dtype):
            text = text.str.replace(r"\.0$", "", regex=True)
    return text.fillna("")


def _display(series: pd.Series, text: pd.Series, column: str) -> pd.Series:
    """A value as a Dutch quality officer reads it in a reason: dd-mm-yyyy, local time; a month as yyyy-mm.

    Rearranged from the stored text rather than formatted again: a file from the wrong month
    puts every row in quarantine.
    """
    if column in _MONTH_COLUMNS:
        text = text.str.replace(r"^(-?\d{4,})-(\d\d)-01$", r"\1-\2", regex=True)
    elif isinstance(series.dtype, pd.DatetimeTZDtype):
        text = text.str.replace(r"^(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d).*$", r"\3-\2-\1 \4", regex=True)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        text = text.str.replace(r"^(\d{4})-(\d\d)-(\d\d)$", r"\3-\2-\1", regex=True)
    return text.mask(series.isna().to_numpy(), "missing")


def _entries(rule: Rule, work: pd.DataFrame, positions: np.ndarray, period: str) -> pd.DataFrame:
    fields = {field for _, field, _, _ in string.Formatter().parse(rule.reason)} - _TEMPLATE_FIELDS - {None}
    columns = list(dict.fromkeys([*rule.reported, *fields]))
    rows = work[["source_row", *columns]].iloc[positions]
    texts = {column: _text(rows[column]) for column in columns}
    value = texts[rule.reported[0]]
    for column in rule.reported[1:]:
        value = value + " | " + texts[column]
    reason = pd.Series("", index=rows.index, dtype="string")
    for literal, field, _, _ in string.Formatter().parse(rule.reason):
        reason = reason + literal
        if field == "period":
            reason = reason + period
        elif field is not None:
            column = rule.reported[0] if field == "value" else field
            reason = reason + _display(rows[column], texts[column], column)
    constant = partial(pd.Series, index=rows.index, dtype="string")
    return pd.DataFrame(
        {
            "_position": positions,
            "_order": rule.order,
            "source_row": rows["source_row"],
            "column_name": constant(", ".join(rule.reported)),
            "value": value,
            "expectation": constant(rule.label),
            "reason": reason,
        },
        index=rows.index,
    )


def _quarantine_frame(entries: list[pd.DataFrame]) -> pd.DataFrame:
    """File order, then suite order within a row: how a person works through the file."""
    if not entries:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in QUARANTINE_COLUMNS.items()})
    frame = pd.concat(entries, ignore_index=True).sort_values(["_position", "_order"])
    return frame.drop(columns=["_position", "_order"]).astype(QUARANTINE_COLUMNS).reset_index(drop=True)
