"""The words providers use, mapped to footprint's canonical codes: data in footprint/data/vocabulary.yaml.

A word not listed there becomes <NA> in the parsed table, so validation quarantines the row and the
quality officer sees it: extend the file rather than guessing in a parser. The names below are the
file's sections, read once; the values are plain dicts (tuples where the file gives a pair).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

VOCABULARY_FILE: Final = Path(str(resources.files("footprint") / "data" / "vocabulary.yaml"))
_SECTIONS: Final = (
    "directions", "tariffs", "estimated", "meter_units", "carriers", "carrier_units", "peak_flags", "yes_no",
    "overview_groups", "fuel_units", "data_quality", "transport", "car_fuels",
)


def _load(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [name for name in _SECTIONS if not isinstance(data.get(name), dict)]
    if missing:
        raise ValueError(f"{path}: sections {', '.join(missing)} are missing or not mappings")
    odd = [f"{name}: {word!r}" for name in _SECTIONS for word in data[name] if not isinstance(word, str)]
    if odd:  # YAML reads a bare yes, no, true or 1 as a boolean or number: such a word must be quoted
        raise ValueError(f"{path}: quote these words: {', '.join(odd)}")
    return {
        name: {word: tuple(value) if isinstance(value, list) else value for word, value in data[name].items()}
        for name in _SECTIONS
    }


_WORDS: Final = _load(VOCABULARY_FILE)

DIRECTIONS: Final[dict[str, str]] = _WORDS["directions"]
TARIFFS: Final[dict[str, str]] = _WORDS["tariffs"]
ESTIMATED: Final[dict[str, bool]] = _WORDS["estimated"]
METER_UNITS: Final[dict[str, tuple[str, float]]] = _WORDS["meter_units"]
CARRIERS: Final[dict[str, str]] = _WORDS["carriers"]
CARRIER_UNITS: Final[dict[str, str]] = _WORDS["carrier_units"]
PEAK_FLAGS: Final[dict[str, str]] = _WORDS["peak_flags"]
YES_NO: Final[dict[str, bool]] = _WORDS["yes_no"]
OVERVIEW_GROUPS: Final[dict[str, tuple[str, str]]] = _WORDS["overview_groups"]
FUEL_UNITS: Final[dict[str, str]] = _WORDS["fuel_units"]
DATA_QUALITY: Final[dict[str, str]] = _WORDS["data_quality"]
TRANSPORT: Final[dict[str, str]] = _WORDS["transport"]
CAR_FUELS: Final[dict[str, str]] = _WORDS["car_fuels"]
