"""JSON as RFC 8259 defines it: Python's json writes NaN and Infinity, which strict parsers reject.

Every JSON footprint writes (report summaries, manifests, alert evidence, webhook bodies, `--json`
output) goes through dumps: a figure that is not finite is written as null, the JSON for "no figure"
that the reports already use for a period without data, and allow_nan=False guarantees the rest.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """The value with every NaN or infinity inside it (dicts, lists, tuples) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """json.dumps of the value made finite; options as json.dumps takes them (indent, ensure_ascii, default)."""
    return json.dumps(finite(value), allow_nan=False, **options)
