"""The tank rule: a single fuelling above the vehicle's tank size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import TANK_EXCEEDED, Alert
from footprint.alerts.finding import Wording, frame, plain, series, to_alert
from footprint.config.alerting import AlertConfig
from footprint.config.organisation import OrganisationConfig
from footprint.periods import format_period
from footprint.schemas import LOCAL_TZ

_FUELLINGS_SQL = """
SELECT f.plate, f.period, f.transaction_at, f.quantity, f.station, r.file_name, f.source_row
FROM fuel_transactions f JOIN raw_files r ON r.file_sha256 = f.file_sha256
WHERE f.excluded_reason IS NULL AND lower(f.unit) = 'l' AND f.quantity > :least
  AND f.period >= :first AND f.period <= :last
"""


def _wording(
    plate: str, top: pd.Series, count: int, when: str, history: list[dict[str, Any]], tolerance_pct: float
) -> Wording:
    """top: the largest of the month's `count` fuellings above the tank, fuelled at `when` (local time)."""
    return Wording(
        f"Vehicle {plate}: a fuelling of {top['quantity']:,.1f} l exceeds its {top['tank']:g} l tank",
        f"Vehicle {plate} fuelled {top['quantity']:,.2f} l at once on {when} at {top['station']} "
        f"({top['file_name']} line {int(top['source_row'])}), more than its {top['tank']:g} l tank holds"
        + (f"; {count} such fuellings this month" if count > 1 else "")
        + ". Fuel for another vehicle or a jerrycan, or a wrong quantity?",
        {
            "observed": plain(top["quantity"]),
            "threshold": plain(top["tank"]),
            "unit": "l",
            "tolerance_pct": tolerance_pct,
            "fuellings_over_tank": count,
            "transaction_at": when,
            "station": top["station"],
            "file_name": top["file_name"],
            "source_row": int(top["source_row"]),
            "series": history,
        },
    )


def tank_alerts(
    fuellings: pd.DataFrame, tanks: dict[str, float], wide: pd.DataFrame, config: AlertConfig
) -> list[Alert]:
    """A single fuelling above the vehicle's tank size: fuel for another vehicle, a jerrycan, or a typo.

    fuellings: plate, period (date), transaction_at, quantity, station, file_name, source_row (litres only).
    One alert per vehicle and month, naming the largest such fuelling.
    """
    if fuellings.empty or not tanks:
        return []
    tank = fuellings["plate"].map(tanks).astype(float)
    over = fuellings[fuellings["quantity"] > tank * (1 + config.tank_tolerance_pct / 100)]
    over = over.assign(tank=tank[over.index]).sort_values("quantity", ascending=False)
    alerts = []
    for (plate, month), group in over.groupby(["plate", "period"], sort=True):
        top = group.iloc[0]
        at = pd.Timestamp(top["transaction_at"])
        when = (at.tz_convert(LOCAL_TZ) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")  # as on the receipt
        history = series(wide, plate, month) if plate in wide.index else []
        alerts.append(to_alert(TANK_EXCEEDED, str(plate), format_period(month),
                               _wording(plate, top, len(group), when, history, config.tank_tolerance_pct), config))
    return alerts


def find_tank_alerts(
    conn: sa.Connection, org: OrganisationConfig, months: Sequence[dt.date], wide: pd.DataFrame
) -> list[Alert]:
    """The fuellings of the judged months above a tank, read with only those large enough to be."""
    config = org.alerts
    tanks = {v.plate: v.tank_litres for v in org.vehicles if v.tank_litres}
    if not tanks:
        return []
    least = min(tanks.values()) * (1 + config.tank_tolerance_pct / 100)
    fuellings = frame(conn, _FUELLINGS_SQL, least=least, first=months[0], last=months[-1])
    fuellings["period"] = pd.to_datetime(fuellings["period"]).dt.date
    return tank_alerts(fuellings, tanks, wide, config)
