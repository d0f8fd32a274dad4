"""Great Expectations as validation uses it: one ephemeral context per process, suites built and run under one lock.

GX is imported where it is first needed: importing it costs seconds that commands without validation
should not pay.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from footprint.schemas import COLUMNS
from footprint.validation.outcome import ValidationRunError

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.datasource.fluent.interfaces import Batch

# Failing rows come back as labels of the batch's RangeIndex, i.e. positions. Naming source_row in
# unexpected_index_column_names would make GX read each failing row with DataFrame.at: about 35 s
# per million failures, when a whole file failing one rule (last year's export, a wrong unit) is a
# normal event.
_RESULT_FORMAT: Final = {"result_format": "COMPLETE", "return_unexpected_index_query": False}

# A GX context is not documented as safe for concurrent use: suites are built and batches validated one at a time.
GX_LOCK = threading.Lock()
_BATCH_DEFINITIONS: dict[str, BatchDefinition] = {}


def expectation_suite(path: Path, config: dict[str, Any]) -> ExpectationSuite:
    """The GX suite of a suite file's content; an expectation GX cannot build stops the run."""
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


def run(
    dataset: str, work: pd.DataFrame, suite: ExpectationSuite, suite_name: str, parameters: dict[str, Any]
) -> list[ExpectationValidationResult]:
    """Validate under GX_LOCK, one result per expectation.

    GX 1.24 lists a failing column pair's values through Series.values, which pandas 3.1 deprecates
    for zone-aware columns; only those listed values lose their zone, the failing rows do not.
    """
    from great_expectations.exceptions import GreatExpectationsError

    with GX_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray that drops timezone")
        batch = _batch_definition(dataset).get_batch(batch_parameters={"dataframe": work})
        try:
            outcome = batch.validate(suite, result_format=_RESULT_FORMAT, expectation_parameters=parameters)
        except GreatExpectationsError as exc:
            raise ValidationRunError(f"{dataset}: validation with {suite_name} failed: {exc}") from exc
        finally:
            _release(batch)
    return list(outcome.results)


def _release(batch: Batch) -> None:
    """The shared execution engine caches the last batch: drop it, or a validated frame outlives its run."""
    manager = batch.datasource.get_execution_engine().batch_manager
    manager.batch_data_cache.clear()
    manager.reset_batch_cache()


def exception_messages(info: Mapping[str, Any] | None) -> list[str]:
    """GX reports either one exception or one per metric, keyed by metric id."""
    if not info:
        return []
    if "raised_exception" in info:
        return [str(info.get("exception_message"))] if info["raised_exception"] else []
    return [message for value in info.values() if isinstance(value, Mapping) for message in exception_messages(value)]
