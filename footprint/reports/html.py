"""report.html: one self-contained, printable page in Dutch or English (charts inlined as data URIs)."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from footprint.errors import UsageError

LANGUAGES = ("nl", "en")

_LABELS_FILE = Path(__file__).with_name("labels.yaml")


@cache
def labels(lang: str) -> dict[str, str]:
    """The templates' texts in one language; labels.yaml keeps both languages side by side per key."""
    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    entries = yaml.safe_load(_LABELS_FILE.read_text(encoding="utf-8"))
    return {key: texts[lang] for key, texts in entries.items()}


def _number(value: float | None, decimals: int, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def tonnes(kg: float | None, lang: str = "en") -> str:
    """kg CO2e as tonnes in text: one decimal from 10 t, two below, three below 1 t."""
    if kg is None:
        return "–"
    t = kg / 1000
    decimals = 1 if abs(t) >= 10 else 2 if abs(t) >= 1 else 3
    return f"{_number(t, decimals, lang)} t CO2e"


def quantity(value: float | None, unit: str, lang: str = "en") -> str:
    if value is None:
        return "–"
    decimals = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{_number(value, decimals, lang)} {unit}"


def pct(value: float | None, lang: str = "en", signed: bool = True) -> str:
    if value is None:
        return "–"
    value = round(value, 1) + 0.0  # float noise such as -1e-14 prints as 0.0, never -0.0
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{_number(value, 1, lang)} %"


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def environment(lang: str) -> Environment:
    """Jinja environment with the number filters of one language, shared by every report template."""
    env = Environment(loader=PackageLoader("footprint.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["t"] = lambda kg: tonnes(kg, lang)
    env.filters["q"] = lambda value, unit: quantity(value, unit, lang)
    env.filters["pct"] = lambda value, signed=True: pct(value, lang, signed)
    env.filters["num"] = lambda value, decimals=0: _number(value, decimals, lang)
    env.globals["L"] = labels(lang)
    env.globals["lang"] = lang
    return env


def render_html(summary: dict[str, Any], charts: dict[str, Path], lang: str = "en") -> str:
    return environment(lang).get_template("report.html.j2").render(
        s=summary, charts={k: _data_uri(p) for k, p in charts.items()})


def write_html(summary: dict[str, Any], charts: dict[str, Path], path: Path, lang: str = "en") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, charts, lang), encoding="utf-8")
    return path
