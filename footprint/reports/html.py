"""report.html: one self-contained, printable page in Dutch or English (charts inlined as data URIs)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from footprint.reports.alert_texts import alert_note, alert_text
from footprint.reports.texts import LABELS_FILE, LANGUAGES, labels, number, pct, quantity, texts, tonnes

__all__ = ["LANGUAGES", "environment", "labels", "pct", "quantity", "render_html", "tonnes", "write_html"]

_LABELS_FILE = LABELS_FILE


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def environment(lang: str) -> Environment:
    """Jinja environment with the number filters and texts of one language, shared by every report template."""
    t = texts(lang)
    env = Environment(loader=PackageLoader("footprint.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["t"] = lambda kg: tonnes(kg, lang)
    env.filters["q"] = lambda value, unit: quantity(value, unit, lang)
    env.filters["pct"] = lambda value, signed=True: pct(value, lang, signed)
    env.filters["num"] = lambda value, decimals=0: number(value, decimals, lang)
    env.filters["code"] = lambda value, group: t.code(group, value)
    env.filters["unit"] = t.unit
    env.filters["data"] = t.data
    env.globals["L"] = labels(lang)
    env.globals["T"] = t
    env.globals["alert_text"] = lambda alert: alert_text(alert, t)
    env.globals["alert_note"] = lambda alert: alert_note(alert, t)
    env.globals["lang"] = lang
    return env


def render_html(summary: dict[str, Any], charts: dict[str, Path], lang: str = "en") -> str:
    return environment(lang).get_template("report.html.j2").render(
        s=summary, charts={k: _data_uri(p) for k, p in charts.items()})


def write_html(summary: dict[str, Any], charts: dict[str, Path], path: Path, lang: str = "en") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(summary, charts, lang), encoding="utf-8")
    return path
