"""validate: parsed rows split into rows fit to load and quarantine entries that say what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from footprint.schemas import COLUMNS
from footprint.validation import gx_engine
from footprint.validation.context import ValidationContext, suite_parameters
from footprint.validation.derived import HELPERS, Factorized
from footprint.validation.outcome import ValidationOutcome, ValidationRunError
from footprint.validation.quarantine import entries, period_label, quarantine_frame
from footprint.validation.suite import EXPECTATIONS_DIR, Rule, Suite, load_suite

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
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
        if rule.checked in HELPERS and rule.checked not in work.columns:
            work[rule.checked] = HELPERS[rule.checked](work, rule.reported, context, seen)
    parameters = suite_parameters(context)
    results = gx_engine.run(dataset, _gx_frame(work, suite), suite.expectations, suite.path.name, parameters)
    failures = _failures(dataset, suite, results, len(work))

    period = period_label(context.period_start, context.period_end)
    failing = np.zeros(len(work), dtype=bool)
    found: list[pd.DataFrame] = []
    for rule, positions in failures:
        failing[positions] = True
        found.append(entries(rule, work, positions, period))

    return ValidationOutcome(
        good=frame[~failing] if failing.any() else frame.copy(deep=False),
        quarantine=quarantine_frame(found),
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


def _gx_frame(work: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """What GX reads of the work frame; the same rows, positions and verdicts."""
    frame = work[[column for column in suite.gx_columns if column in work.columns]]
    strings = [column for column in frame.columns if isinstance(frame[column].dtype, pd.StringDtype)]
    return frame.astype({column: "category" for column in strings if column in suite.categorical})


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
        messages = gx_engine.exception_messages(result.exception_info)
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
