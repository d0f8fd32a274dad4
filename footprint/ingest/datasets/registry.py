"""Every dataset's load rules by name: what loading looks up instead of branching on a dataset."""

from __future__ import annotations

from footprint.ingest.datasets import fuel, meter, supplier
from footprint.ingest.datasets.rules import DatasetRules

DATASET_RULES: dict[str, DatasetRules] = {rules.name: rules for rules in (fuel.RULES, meter.RULES, supplier.RULES)}
