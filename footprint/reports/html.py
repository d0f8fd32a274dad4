"""The reports' HTML pages, Dutch or English, rendered from their summaries with the Jinja templates in
html_templates/: report.html (the half-year report, charts inlined as data URIs so the page is
self-contained and printable), project.html and public.html. Renders only: writing is the caller's.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from footprint.reports.alert_texts import alert_note, alert_text
from footprint.reports.summary_types import Summary
from footprint.reports.texts import labels, number, pct, quantity, texts, tonnes


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def jinja_environment(lang: str) -> Environment:
    """Jinja environment with the number filters and texts of one language, shared by every page template."""
    t = texts(lang)
    env = Environment(loader=PackageLoader("footprint.reports", "html_templates"),
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


def render_halfyear_html(summary: Summary, charts: dict[str, Path], lang: str = "en") -> str:
    """report.html of the half-year report; charts: name -> PNG file (footprint.reports.charts.write_charts)."""
    return jinja_environment(lang).get_template("report.html.j2").render(
        s=summary, charts={k: _data_uri(p) for k, p in charts.items()})


def render_project_html(summary: dict[str, Any], lang: str = "nl") -> str:
    """project.html of a project summary (footprint.reports.project.project_summary)."""
    return jinja_environment(lang).get_template("project.html.j2").render(s=summary)


def render_public_html(summary: dict[str, Any], lang: str = "nl") -> str:
    """public.html, the one A4 page of the public summary (footprint.reports.public.public_summary)."""
    return jinja_environment(lang).get_template("public.html.j2").render(s=summary)
