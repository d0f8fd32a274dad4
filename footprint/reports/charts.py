"""PNG charts of the half-year report, drawn from a summary dict (matplotlib, Agg backend)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from footprint.reports.summary_types import Summary
from footprint.reports.texts import Texts, labels, texts

COLOURS = {1: "#1f6f8b", 2: "#e8a33d", 3: "#7a9e3c"}
PER_ROW = 3


def _grid(count: int, height: float) -> tuple[Any, list[Any]]:
    """Small multiples, at most three to a row, so each stays readable on an A4 page."""
    rows, cols = math.ceil(max(count, 1) / PER_ROW), min(max(count, 1), PER_ROW)
    fig, axes = plt.subplots(rows, cols, figsize=(9, height * rows), dpi=110, squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.set_axis_off()
    return fig, flat


def _monthly_chart(summary: Summary, path: Path, L: dict[str, str]) -> Path:
    months = summary["period"]["months"]
    year, base = int(summary["half"][:4]), summary["base_year"]
    now = pd.DataFrame(summary["monthly_emissions"], columns=["year", "month", "ladder_scope", "emissions_kg_co2e"])
    then = pd.DataFrame(summary["base_year_monthly_emissions"], columns=now.columns)
    index = range(1, months + 1)
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    width = 0.4
    for offset, frame, label, alpha in ((-width / 2, then, str(base), 0.45), (width / 2, now, str(year), 1.0)):
        table = frame.pivot_table(index="month", columns="ladder_scope", values="emissions_kg_co2e", aggfunc="sum")
        table = table.reindex(index=index, columns=[1, 2, 3]).fillna(0.0) / 1000
        bottom = pd.Series(0.0, index=table.index)
        for scope in (1, 2, 3):
            ax.bar([m + offset for m in index], table[scope], width, bottom=bottom, color=COLOURS[scope],
                   alpha=alpha, label=f"{label} {L['scope'].lower()} {scope}")
            bottom += table[scope]
    ax.set_xticks(list(index), L["month_names"].split()[:months])
    ax.set_ylabel("t CO2e")
    ax.set_title(f"{L['charts_monthly']}: {year} / {base} (t CO2e)")
    ax.legend(ncol=2, fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _target_chart(summary: Summary, path: Path, L: dict[str, str]) -> Path:
    items = summary["targets"]["items"]
    fig, axes = _grid(len(items), 3.2)
    if not items:
        axes[0].text(0.5, 0.5, L["no_targets"], ha="center", va="center")
    for ax, target in zip(axes, items):
        history = pd.DataFrame(target["history"], columns=["year", "value", "path_value"])
        base_value = target["base_value"]
        if base_value is not None:
            ax.plot([target["base_year"], target["target_year"]], [base_value, target["target_value"]], "--",
                    color="grey", label=L["straight_path"])
        ax.plot(history["year"], history["value"], "o-", color=COLOURS[target["ladder_scope"]], label=L["actual"])
        ax.set_title(f"{L['scope']} {target['ladder_scope']}: -{target['reduction_pct']:g} % "
                     f"{target['base_year']}-{target['target_year']}", fontsize=9)
        ax.set_ylabel(L[f"basis_{target['basis']}"], fontsize=8)
        ax.set_xticks(list(range(target["base_year"], target["target_year"] + 1)))
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(L["charts_targets"], fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _energy_chart(summary: Summary, path: Path, L: dict[str, str], t: Texts) -> Path:
    monthly = pd.DataFrame(summary["energy"]["monthly"], columns=["period", "carrier", "direction", "unit", "quantity"])
    monthly = monthly[monthly["direction"] == "consumption"]
    groups = list(monthly.groupby(["carrier", "unit"])) if len(monthly) else []
    fig, axes = _grid(len(groups), 2.6)
    if not groups:
        axes[0].text(0.5, 0.5, L["no_data"], ha="center", va="center")
    names = L["month_names"].split()
    for ax, ((carrier, unit), frame) in zip(axes, groups):
        ax.bar([names[int(str(p)[5:7]) - 1] for p in frame["period"]], frame["quantity"], color="#1f6f8b")
        ax.set_title(f"{t.code('carrier', carrier)} ({t.unit(unit)})", fontsize=9)
        ax.set_ylabel(t.unit(unit), fontsize=8)
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{L['charts_energy']}, {summary['period']['from']} – {summary['period']['to']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_charts(summary: Summary, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """Write the three charts as PNG files into out_dir, labelled in the report's language; name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    L = labels(lang)
    return {
        "monthly_emissions": _monthly_chart(summary, out_dir / "monthly_emissions.png", L),
        "target_paths": _target_chart(summary, out_dir / "target_paths.png", L),
        "energy_per_carrier": _energy_chart(summary, out_dir / "energy_per_carrier.png", L, texts(lang, html=False)),
    }
