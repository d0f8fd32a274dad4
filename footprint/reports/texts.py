"""Every text a report reader sees, in Dutch or English: labels, code names, numbers and composed sentences.

labels.yaml holds each text in both languages. Codes footprint stores (sources, carriers, units,
datasets, alert rules, statuses, restatement kinds) are labelled as `<group>.<code>`; a report never
prints a code itself. Sentences built from data (an alert, a fallback note, a missing meter) are
labels with {fields}, filled in here. In HTML, data values inside them (a file name, a supplier, a site)
are escaped and marked `<span class="data">` so a reader and the language tests can tell them from
the report's own words.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape

from footprint.errors import UsageError

LANGUAGES = ("nl", "en")
LABELS_FILE = Path(__file__).with_name("labels.yaml")


@cache
def label_entries() -> dict[str, dict[str, str]]:
    """labels.yaml as it is: key -> {en: text, nl: text}."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


@cache
def labels(lang: str) -> dict[str, str]:
    """The texts in one language; labels.yaml keeps both languages side by side per key."""
    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return {key: texts[lang] for key, texts in label_entries().items()}


def number(value: float | None, decimals: int, lang: str) -> str:
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
    return f"{number(t, decimals, lang)} t CO2e"


def unit_label(unit: str | None, lang: str) -> str:
    """A unit as a reader writes it: m3 -> m³, kg_co2e -> kg CO2e, pkm -> reizigerskm / passenger-km."""
    if unit is None:
        return ""
    return labels(lang).get(f"unit.{unit}", unit)


def amount(value: float | None, lang: str) -> str:
    """A measured figure with sensible decimals: 1,234 / 12.3 / 1.23 / 0.0123."""
    if value is None:
        return "–"
    size = abs(value)
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 or size == 0 else 4
    return number(value, decimals, lang)


def compact(value: float | None, lang: str) -> str:
    """A threshold or a score as written by hand: 50, 3.5, 0.25 (at most two decimals, no trailing zeros)."""
    if value is None:
        return "–"
    return number(value, 2, lang).rstrip("0").rstrip(",.")  # two decimals always written, so only they go


def quantity(value: float | None, unit: str, lang: str = "en") -> str:
    if value is None:
        return "–"
    return f"{amount(value, lang)} {unit_label(unit, lang)}"


def pct(value: float | None, lang: str = "en", signed: bool = True) -> str:
    if value is None:
        return "–"
    value = round(value, 1) + 0.0  # float noise such as -1e-14 prints as 0.0, never -0.0
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{number(value, 1, lang)} %"


_LIST_LABEL = r"(?:own factor list|co2emissiefactoren\.nl) \d{4} \(version \d{2}-\d{2}-\d{4}\)"
_LIST_PARTS = re.compile(r"(?P<kind>own factor list|co2emissiefactoren\.nl) (?P<year>\d{4}) \(version (?P<version>[\d-]+)\)")
# The notes footprint.factors.resolve writes (schema 8, applied_factors.fallback_note), several joined by "; ".
_FALLBACK_NOTES = re.compile(
    rf"(?P<year_note>no list for (?P<year>\d{{4}}) is loaded; (?P<applied>{_LIST_LABEL}) applies "
    r"\(per_year policy falls back to the nearest list\))"
    rf"|(?P<list>{_LIST_LABEL}) (?P<what>has no factor for|has no grid-average factor for|states no calorific value "
    rf"for) (?P<item>.+?); taken from (?P<source>{_LIST_LABEL})"
)
_WHAT = {"has no factor for": "factor", "has no grid-average factor for": "grid", "states no calorific value for":
         "calorific"}
_CALORIFIC_ITEM = re.compile(r"^'(?P<name>.+)' \((?P<mj>[\d.]+) MJ/(?P<unit>.+)\)$")


def _list_ref(label: str) -> dict[str, Any]:
    parts = _LIST_PARTS.fullmatch(label)
    assert parts is not None  # the pattern matched it already
    kind = "own" if parts["kind"] == "own factor list" else "official"
    return {"kind": kind, "list_year": int(parts["year"]), "version": parts["version"]}


def parse_fallback_note(note: str | None) -> list[dict[str, Any]]:
    """A fallback note as structured reasons, so a report can say it in its own language.

    Each reason: {reason: no_year_list, year, applied} or {reason: factor | grid | calorific, list,
    item, source}, lists as {kind, list_year, version}. A note not written in the known forms gives
    one {reason: other, text}: said in general terms, never printed as English in a Dutch report.
    """
    if not isinstance(note, str) or not note:
        return []
    reasons: list[dict[str, Any]] = []
    rest = note
    for match in _FALLBACK_NOTES.finditer(note):
        rest = rest.replace(match.group(0), "", 1)
        if match["year_note"]:
            reasons.append({"reason": "no_year_list", "year": int(match["year"]), "applied": _list_ref(match["applied"])})
        else:
            reasons.append({"reason": _WHAT[match["what"]], "list": _list_ref(match["list"]), "item": match["item"],
                            "source": _list_ref(match["source"])})
    if rest.replace(";", "").strip():
        reasons.append({"reason": "other", "text": note})
    return reasons


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


class Texts:
    """The composed texts of one language, as HTML (data values escaped and marked) or as plain text."""

    def __init__(self, lang: str, html: bool) -> None:
        self.lang = lang
        self.html = html
        self.L = labels(lang)

    def data(self, value: Any) -> Any:
        """A value from the data (a name, a file, an id): shown as it is, marked as data in HTML."""
        if not self.html:
            return _plain(value)
        return Markup('<span class="data">{}</span>').format(_plain(value))

    def fill(self, key: str, cap: bool = False, **fields: Any) -> Any:
        """The label `key` with its {fields} filled in (cap: starting a sentence); in HTML the label is
        escaped, then the fields."""
        label = self.L[key]
        label = label[:1].upper() + label[1:] if cap else label
        if not self.html:
            return label.format(**{k: _plain(v) for k, v in fields.items()})
        return Markup(escape(label)).format(**fields)

    def code(self, group: str, value: Any) -> str:
        """A stored code in words: code('source', 'natural_gas') -> 'aardgas'; an unknown code stays as it is."""
        if value is None:
            return ""
        return self.L.get(f"{group}.{value}", str(value))

    def join(self, parts: list[Any], sep: str = ", ") -> Any:
        if not self.html:
            return sep.join(_plain(p) for p in parts)
        return Markup(escape(sep)).join(parts)

    def num(self, value: float | None) -> str:
        return amount(value, self.lang)

    def pct(self, value: float | None, signed: bool = True) -> str:
        return pct(value, self.lang, signed)

    def unit(self, unit: str | None) -> str:
        return unit_label(unit, self.lang)

    # Sections 5 and the warning at the top: what is missing or partial.
    def meter(self, ean: str, carrier: str | None, site: str | None, direction: str | None = None,
              cap: bool = False) -> Any:
        if carrier is None:
            return self.fill("subject_meter_unknown", cap, ean=self.data(ean))
        what = self.code("carrier", carrier) + (f", {self.code('direction', direction)}" if direction else "")
        return self.fill("subject_meter", cap, ean=self.data(ean), carrier=what, site=self.data(site))

    def missing(self, item: dict[str, Any]) -> Any:
        if item["kind"] == "meter":
            return self.meter(item["ean"], item.get("carrier"), item.get("site"))
        if item["kind"] == "dataset":
            return self.code("dataset", item["dataset"])
        months = item.get("months") or []
        if len(months) > 1:
            return self.fill("expected_span", source=self.code("source", item["source"]),
                             rhythm=self.code("rhythm", item["rhythm"]), first=months[0], last=months[-1])
        return self.fill("expected_month", source=self.code("source", item["source"]),
                         rhythm=self.code("rhythm", item["rhythm"]))

    def partial(self, item: dict[str, Any]) -> Any:
        said = [self.fill("partial_from", at=item["first_start_local"])] if item["starts_late"] else []
        said += [self.fill("partial_to", at=item["last_end_local"])] if item["ends_early"] else []
        return self.fill("partial_item", meter=self.meter(item["ean"], item.get("carrier"), item.get("site")),
                         detail=self.join(said))

    # Section 6: factor lists, fallbacks and restatements.
    def factor_list(self, ref: dict[str, Any] | None) -> Any:
        if not ref:
            return "–"
        if ref.get("list_year") is None:  # a list no longer loaded: its id is all there is
            return self.data(ref.get("list_id"))
        return self.fill("list_label", kind=self.code("list_kind", ref["kind"]), year=ref["list_year"],
                         version=ref["version"])

    def activity(self, key: str) -> str:
        return self.code("activity", key)

    def fallback(self, reason: dict[str, Any], fallback_list: dict[str, Any] | None = None) -> Any:
        """One reason of a fallback note (parse_fallback_note) as a sentence."""
        kind = reason["reason"]
        if kind == "no_year_list":
            return self.fill("fb_year", year=reason["year"], list=self.factor_list(reason["applied"]))
        if kind == "other":
            return self.fill("fb_other", list=self.factor_list(fallback_list))
        item: Any = self.activity(reason["item"])
        if kind == "calorific":
            found = _CALORIFIC_ITEM.match(reason["item"])
            item = self.fill("fb_calorific_item", name=self.data(found["name"]),
                             mj=number(float(found["mj"]), 2, self.lang).rstrip("0").rstrip(",."),
                             unit=self.unit(found["unit"])) if found else self.data(reason["item"])
        return self.fill(f"fb_{kind}", list=self.factor_list(reason["list"]), item=item,
                         source=self.factor_list(reason["source"]))

    def restatement(self, r: dict[str, Any]) -> Any:
        if r.get("file_name"):
            return self.data(r["file_name"])
        old = self.join([self.factor_list(x) for x in r.get("old_lists") or []]) or "–"
        new = self.join([self.factor_list(x) for x in r.get("new_lists") or []]) or "–"
        return self.fill("restated_lists", old=old, new=new)

    # Section 5: the arithmetic checks, and section 8: the allocation rules.
    def check(self, check: dict[str, Any]) -> Any:
        figures = check.get("figures") or {}
        if "rows" in figures:
            return self.fill("check_rows", rows=number(figures["rows"], 0, self.lang),
                             differ=number(figures["differ"], 0, self.lang))
        return self.fill("check_sums", left=number(figures.get("left_kg"), 3, self.lang),
                         right=number(figures.get("right_kg"), 3, self.lang))

    def allocation(self, rule: dict[str, Any]) -> Any:
        kind = self.L[f"p_kind_{rule['kind']}"]
        share = number(rule["share_pct"], 0 if float(rule["share_pct"]).is_integer() else 1, self.lang)
        item = self.data(rule["item"]) if rule.get("item") else self.L["p_any"]
        if rule.get("source"):
            return self.fill("alloc_source", kind=kind, item=item, source=self.code("source", rule["source"]),
                             share=share)
        return self.fill("alloc", kind=kind, item=item, share=share)


def texts(lang: str, html: bool = True) -> Texts:
    if lang not in LANGUAGES:
        raise UsageError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return Texts(lang, html)

