"""Suite files as footprint reads them: checked and built once per content, so a typo in a rule stops the run.

Each expectation's meta names its rule, the canonical columns a quarantine entry reports and the
reason a quality officer reads; a reason may name the value, the period and canonical columns.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from footprint.schemas import COLUMNS
from footprint.validation.context import SUITE_PARAMETERS
from footprint.validation.derived import HELPERS
from footprint.validation.gx_engine import GX_LOCK, expectation_suite
from footprint.validation.outcome import ValidationRunError

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite

# The repository's expectations/, installed as footprint.expectations (setup.py).
EXPECTATIONS_DIR: Final = Path(str(resources.files("footprint.expectations")))

TEMPLATE_FIELDS: Final = frozenset({"value", "period"})
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Checks that read a column only through isna/isin, which give a category's rows the same answers.
_CATEGORY_SAFE: Final = frozenset(
    {
        "expect_column_values_to_be_null",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
    }
)

_SUITES: dict[tuple[Path, str], Suite] = {}


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


def reason_fields(reason: str) -> set[str]:
    """The {fields} a reason template names."""
    return {field for _, field, _, _ in string.Formatter().parse(reason) if field is not None}


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
    with GX_LOCK:
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
    gx_columns, categorical = _gx_reads([*COLUMNS[dataset], *HELPERS], config.get("expectations", []))
    needed = {"source_row", *gx_columns}
    for rule in rules:
        needed |= set(rule.reported) | (reason_fields(rule.reason) - TEMPLATE_FIELDS)
    return Suite(
        path=path,
        expectations=expectation_suite(path, config),
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


def _rule(path: Path, number: int, expectation: Mapping[str, Any], canonical: set[str]) -> Rule:
    where = f"{path}: expectation {number}"
    meta = expectation.get("meta") or {}
    kwargs = expectation.get("kwargs") or {}
    checked = kwargs.get("column", kwargs.get("column_A"))
    if not meta.get("rule") or not meta.get("reason") or not checked:
        raise ValidationRunError(f"{where} needs kwargs.column (or column_A), meta.rule and meta.reason")
    if checked not in canonical and checked not in HELPERS:
        raise ValidationRunError(f"{where} checks {checked!r}, neither a canonical column nor a helper")
    reported = tuple(meta.get("columns") or ([] if checked in HELPERS else [checked]))
    if not reported or not set(reported) <= canonical:
        raise ValidationRunError(f"{where} must report canonical columns in meta.columns, got {list(reported)}")
    parameters = {value["$PARAMETER"] for value in kwargs.values() if isinstance(value, dict) and "$PARAMETER" in value}
    if not parameters <= SUITE_PARAMETERS:
        raise ValidationRunError(f"{where} uses parameters {sorted(parameters - SUITE_PARAMETERS)}: none is supplied")
    allowed = TEMPLATE_FIELDS | canonical | set(HELPERS)
    fields = reason_fields(meta["reason"])
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
