"""PNG charts of the half-year report, drawn from a summary dict (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
COLOURS = {1: "#1f6f8b", 2: "#e8a33d", 3: "#7a9e3c"}


def _monthly_chart(summary: dict[str, Any], path: Path) -> Path:
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
                   alpha=alpha, label=f"{label} scope {scope}")
            bottom += table[scope]
    ax.set_xticks(list(index), MONTHS[:months])
    ax.set_ylabel("t CO2e")
    ax.set_title(f"Emissions per month and ladder scope, {year} against base year {base} (t CO2e)")
    ax.legend(ncol=2, fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _target_chart(summary: dict[str, Any], path: Path) -> Path:
    items = summary["targets"]["items"]
    fig, axes = plt.subplots(1, max(len(items), 1), figsize=(4.5 * max(len(items), 1), 4), dpi=110, squeeze=False)
    if not items:
        axes[0][0].text(0.5, 0.5, "no targets configured", ha="center", va="center")
        axes[0][0].set_axis_off()
    for ax, target in zip(axes[0], items):
        history = pd.DataFrame(target["history"], columns=["year", "value", "path_value"])
        base_value = target["base_value"]
        if base_value is not None:
            ax.plot([target["base_year"], target["target_year"]], [base_value, target["target_value"]], "--",
                    color="grey", label="straight path")
        ax.plot(history["year"], history["value"], "o-", color=COLOURS[target["ladder_scope"]], label="actual")
        ax.set_title(f"{target['id']}: scope {target['ladder_scope']} -{target['reduction_pct']:g} % by "
                     f"{target['target_year']}", fontsize=9)
        ax.set_ylabel(target["unit"], fontsize=8)
        ax.set_xticks(list(range(target["base_year"], target["target_year"] + 1)))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Intensity against target path (months {items[0]['months'] if items else ''})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _energy_chart(summary: dict[str, Any], path: Path) -> Path:
    monthly = pd.DataFrame(summary["energy"]["monthly"], columns=["period", "carrier", "direction", "unit", "quantity"])
    monthly = monthly[monthly["direction"] == "consumption"]
    groups = list(monthly.groupby(["carrier", "unit"])) if len(monthly) else []
    fig, axes = plt.subplots(1, max(len(groups), 1), figsize=(max(3.2 * len(groups), 4), 3.4), dpi=110, squeeze=False)
    if not groups:
        axes[0][0].text(0.5, 0.5, "no energy data", ha="center", va="center")
        axes[0][0].set_axis_off()
    for ax, ((carrier, unit), frame) in zip(axes[0], groups):
        labels = [str(p)[:7] for p in frame["period"]]
        ax.bar(labels, frame["quantity"], color="#1f6f8b")
        ax.set_title(f"{carrier} ({unit})", fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Energy use per carrier and month, {summary['period']['from']} to {summary['period']['to']}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_charts(summary: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write the three charts as PNG files into out_dir; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "monthly_emissions": _monthly_chart(summary, out_dir / "monthly_emissions.png"),
        "target_paths": _target_chart(summary, out_dir / "target_paths.png"),
        "energy_per_carrier": _energy_chart(summary, out_dir / "energy_per_carrier.png"),
    }
