"""What the demo wrote and planted: its files, the bad rows validation must quarantine, the alerts it must raise.

Three anomalies are planted (a meter that goes silent, a fuelling larger than the tank, a gas jump in
January beyond the season), each without drawing from the random streams, so every other figure stays
as it was; the manifest names the alert each one must raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from footprint.config.common import normalise_plate
from footprint.demo import company as co

# The planted anomalies: the meter whose rows stop, the van fuelled beyond its tank, the gas jump.
SILENT_METER: Final = "depot_power"
SILENT_FROM: Final = "2026-05"
FUEL_SPIKE: Final = ("VGH-42-K", "2025-11", 1.5)  # plate, month, fuelling as a multiple of the tank
GAS_JUMP: Final = ("depot_gas", "2026-01", 1.6)  # meter, month, factor on that month's use
# The story (growth, HVO100 and green power, not all the way to the targets) makes targets fall
# behind their straight path in these half years: footprint's target_path rule raises exactly these.
STORY_ALERTS: Final = (
    ("target_path", "scope1_per_revenue_2026", "2023-06"),
    ("target_path", "scope2_per_revenue_2026", "2023-06"),
    ("target_path", "scope3_suppliers_per_revenue_2026", "2023-06"),
    ("target_path", "scope3_suppliers_per_revenue_2026", "2024-12"),
)


@dataclass(frozen=True)
class PlantedRow:
    """A deliberately bad row: `column` is the canonical column at fault, None for a whole-row problem."""

    period: str
    file_name: str
    source_row: int
    column: str | None
    kind: str


@dataclass(frozen=True)
class PlantedAnomaly:
    """A deviation planted on purpose: footprint must raise `rule` for `subject` in `period`, nothing else."""

    kind: str
    rule: str
    subject: str
    period: str
    detail: str
    file_name: str | None = None
    source_row: int | None = None  # the planted row, where the anomaly is one row

    @property
    def alert_key(self) -> tuple[str, str, str]:
        return (self.rule, self.subject, self.period)


@dataclass(frozen=True)
class DemoFile:
    path: str
    format: str | None


@dataclass(frozen=True)
class DemoManifest:
    workdir: Path
    files: tuple[DemoFile, ...]
    planted: tuple[PlantedRow, ...]
    anomalies: tuple[PlantedAnomaly, ...] = ()

    @property
    def config_path(self) -> Path:
        return self.workdir / "footprint.yaml"

    @property
    def inbox_files(self) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if f.format is not None)

    @property
    def expected_alerts(self) -> set[tuple[str, str, str]]:
        """(rule, subject, period) of every alert the demo must raise: the anomalies and the story's targets."""
        return {a.alert_key for a in self.anomalies} | set(STORY_ALERTS)


def planted_anomalies(spike_file: str, spike_row: int) -> tuple[PlantedAnomaly, ...]:
    """The three anomalies, the fuel spike found at spike_row of spike_file."""
    silent, gas = co.METER_BY_KEY[SILENT_METER], co.METER_BY_KEY[GAS_JUMP[0]]
    plate, spike_month, times_tank = FUEL_SPIKE
    vehicle = next(v for v in co.VEHICLES if v.plate == plate)
    return (
        PlantedAnomaly("silent_meter", "missing", silent.ean, SILENT_FROM,
                       f"{silent.description}: no rows in the monthly overview from {SILENT_FROM}"),
        PlantedAnomaly("fuel_spike", "tank_exceeded", normalise_plate(plate), spike_month,
                       f"one fuelling of {vehicle.tank_litres * times_tank:g} l into a {vehicle.tank_litres:g} l tank",
                       spike_file, spike_row),
        PlantedAnomaly("gas_jump", "outlier", gas.ean, GAS_JUMP[1],
                       f"{gas.description}: {GAS_JUMP[2]:g} x the month's gas, beyond a cold January"),
    )
