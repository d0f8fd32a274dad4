"""Each rule on hand-written numbers: tiny inline frames, no warehouse."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from footprint.alert_record import Alert
from footprint.alerts.detect import consolidate
from footprint.alerts.missing import missing_alerts
from footprint.alerts.quarantine import quarantine_alerts
from footprint.alerts.tanks import tank_alerts
from footprint.alerts.target_path import target_alerts
from footprint.alerts.values import judge_values, subject_row
from footprint.config.alerting import AlertConfig, AlertThresholds
from footprint.config.organisation import OrganisationConfig
from footprint.periods import add_months

CONFIG = AlertConfig()
JAN_2025 = dt.date(2025, 1, 1)


def months(last: dt.date, count: int) -> list[dt.date]:
    return [add_months(last, i - count + 1) for i in range(count)]


def judge(
    values: list[float], *, subject: str = "VGH42K", kind: str = "vehicle", unit: str = "l", seasonal: bool = False,
    active: bool = True, config: AlertConfig = CONFIG, thresholds: AlertThresholds | None = None,
    last: dt.date = JAN_2025,
) -> dict[str, Alert]:
    """Judge the last value of one subject's monthly series (the months up to `last`); alerts by rule."""
    wide = pd.DataFrame([values], index=[subject], columns=months(last, len(values)), dtype=float)
    row = subject_row(kind, f"{kind} {subject}", unit, thresholds or config.defaults, seasonal, active)
    subjects = pd.DataFrame.from_dict({subject: row}, orient="index")
    found = judge_values(wide, subjects, last, config)
    assert len({a.rule for a in found}) == len(found)
    return {a.rule: a for a in found}


NOISY = [96.0, 104.0, 99.0, 101.0, 95.0, 105.0, 98.0, 102.0, 97.0, 103.0, 100.0, 100.0]


@pytest.mark.parametrize(
    ("history", "now", "expected"),
    [
        pytest.param([100.0] * 12, 180.0, {"month_on_month", "year_on_year", "outlier"}, id="flat-100-then-180"),
        pytest.param([100.0] * 12, 140.0, {"outlier"}, id="flat-then-140-under-50-pct"),
        pytest.param([100.0] * 12, 104.0, set(), id="flat-then-104-within-spread-floor"),
        pytest.param(NOISY, 112.0, set(), id="noisy-then-112"),
        pytest.param(NOISY, 60.0, {"outlier"}, id="noisy-then-60-far-below"),
        pytest.param([100.0] * 12, 45.0, {"month_on_month", "year_on_year", "outlier"}, id="drop-to-45"),
    ],
)
def test_change_and_outlier_on_a_vehicle(history: list[float], now: float, expected: set[str]) -> None:
    assert set(judge([100.0, *history, now])) == expected


def test_month_on_month_evidence_names_the_values_and_threshold() -> None:
    alert = judge([100.0] * 13 + [180.0])["month_on_month"]
    assert (alert.rule, alert.subject, alert.period, alert.severity) == ("month_on_month", "VGH42K", "2025-01", "warning")
    assert alert.evidence["observed"] == 180.0
    assert alert.evidence["previous"] == 100.0
    assert alert.evidence["threshold"] == 50.0
    assert alert.evidence["change_pct"] == pytest.approx(80.0)
    assert alert.evidence["unit"] == "l"
    assert alert.evidence["series"][-1] == {"period": "2025-01", "value": 180.0}
    assert len(alert.evidence["series"]) == 14
    assert "+80.0 %" in alert.message and "2024-12" in alert.message and "50 %" in alert.message
    assert "+80 %" in alert.title


def test_thresholds_come_from_configuration() -> None:
    series = [100.0] * 13 + [180.0]
    assert "month_on_month" not in judge(series, thresholds=AlertThresholds(mom_pct=90))
    assert "month_on_month" not in judge(series, thresholds=AlertThresholds(mom_pct=None))
    assert set(judge(series, thresholds=AlertThresholds(mom_pct=None, yoy_pct=None, zscore=None))) == set()


def test_overrides_by_plate_ean_or_source_and_null_switches_a_rule_off() -> None:
    config = AlertConfig.model_validate(
        {"overrides": {"VGH-42-K": {"mom_pct": 20}, "diesel": {"yoy_pct": None}, "flights": {"zscore": 3}}}
    )
    assert config.thresholds_for("VGH42K", "diesel").mom_pct == 20
    assert config.thresholds_for("VGH42K", "diesel").yoy_pct == 50  # the plate's override wins, yoy inherited
    assert config.thresholds_for("VXX99X", "diesel").yoy_pct is None
    assert config.thresholds_for("VXX99X", "diesel").mom_pct == 50
    travel = config.thresholds_for("flights", travel=True)
    assert (travel.mom_pct, travel.yoy_pct, travel.zscore) == (None, None, 3)
    assert config.thresholds_for("train", travel=True).zscore is None


def test_too_little_history_raises_no_outlier() -> None:
    assert "outlier" not in judge([100.0] * 4 + [300.0])
    assert "outlier" in judge([100.0] * 6 + [300.0])


def seasonal_gas(years: int, january_factor: float = 1.0, noise: float = 0.02) -> list[float]:
    """Monthly m3 of a heated building from February `years` years back to January 2025, with small noise."""
    profile = [0.170, 0.150, 0.120, 0.080, 0.040, 0.020, 0.015, 0.015, 0.030, 0.080, 0.120, 0.160]
    wobble = np.random.default_rng(7).normal(1, noise, 12 * years)
    values = [10_000 * profile[(m.month - 1)] * w for m, w in zip(months(JAN_2025, 12 * years), wobble, strict=True)]
    values[-1] *= january_factor
    return values


def test_a_cold_january_that_is_normal_for_winter_raises_nothing() -> None:
    series = seasonal_gas(3)
    assert series[-1] > 8 * min(series)  # January is far above the summer months
    assert judge(series, kind="meter", unit="m3", seasonal=True) == {}


def test_a_gas_jump_beyond_the_season_raises_an_outlier() -> None:
    found = judge(seasonal_gas(3, january_factor=1.6), kind="meter", unit="m3", seasonal=True)
    assert set(found) == {"outlier", "year_on_year"}
    outlier = found["outlier"]
    assert outlier.evidence["zscore"] > 3.5
    assert outlier.evidence["change_pct"] == pytest.approx(found["year_on_year"].evidence["change_pct"])
    assert "January" in outlier.title and "season alone" in outlier.message


def test_july_at_the_level_of_january_is_an_outlier_for_a_seasonal_meter() -> None:
    series = seasonal_gas(3)
    july = add_months(JAN_2025, -6)
    cut = series[: len(series) - 6]
    cut[-1] = series[-13]  # July 2024 as high as January 2024
    assert "outlier" in judge(cut, kind="meter", unit="m3", seasonal=True, last=july)


def test_no_month_on_month_for_seasonal_meters() -> None:
    series = seasonal_gas(3)
    november = add_months(JAN_2025, -2)
    cut = series[: len(series) - 2]
    assert cut[-1] / cut[-2] > 1.4  # October to November: +50 % every year
    assert judge(cut, kind="meter", unit="m3", seasonal=True, last=november) == {}
    assert "month_on_month" in judge(cut, kind="meter", unit="m3", seasonal=False, last=november)


def test_consumption_on_an_inactive_meter() -> None:
    found = judge([0.0] * 13 + [250.0], kind="meter", unit="kWh", active=False, subject="871687120000000004")
    assert "inactive_meter" in found
    assert "active: false" in found["inactive_meter"].message
    assert judge([0.0] * 14, kind="meter", unit="kWh", active=False, subject="871687120000000004") == {}
    assert "inactive_meter" not in judge([250.0] * 14, kind="meter", unit="kWh", subject="871687120000000004")


def test_consolidate_keeps_one_alert_per_subject_and_month_the_others_in_evidence() -> None:
    found = judge([100.0] * 13 + [180.0])
    tank = Alert("tank_exceeded", "VGH42K", "2025-01", "critical", "t", "Tank.", {"observed": 95.0})
    other = Alert("missing", "VGH42K", "2025-01", "warning", "m", "Missing.", {})
    merged = consolidate([*found.values(), tank, other])
    assert [(a.rule, a.subject) for a in merged] == [("missing", "VGH42K"), ("tank_exceeded", "VGH42K")]
    lead = merged[1]
    assert [a["rule"] for a in lead.evidence["also"]] == ["outlier", "year_on_year", "month_on_month"]
    assert lead.message.startswith("Tank. Also: ")


def fuellings(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"plate": plate, "period": dt.date(2025, 1, 1), "transaction_at": pd.Timestamp(when, tz="UTC"),
             "quantity": litres, "station": "Shell Utrecht", "file_name": "fuel.csv", "source_row": i + 2}
            for i, (plate, when, litres) in enumerate(rows)
        ]
    )


def test_a_fuelling_above_the_tank() -> None:
    frame = fuellings(("VGH42K", "2025-01-03 08:00", 60.0), ("VGH42K", "2025-01-09 17:30", 95.0),
                      ("VHT17P", "2025-01-09 17:30", 70.0))
    found = tank_alerts(frame, {"VGH42K": 80.0, "VHT17P": 80.0}, pd.DataFrame(), CONFIG)
    assert [(a.rule, a.subject, a.period, a.severity) for a in found] == [
        ("tank_exceeded", "VGH42K", "2025-01", "critical")
    ]
    evidence = found[0].evidence
    assert (evidence["observed"], evidence["threshold"], evidence["source_row"]) == (95.0, 80.0, 3)
    assert "fuel.csv line 3" in found[0].message
    tolerant = AlertConfig(tank_tolerance_pct=20)
    assert tank_alerts(frame, {"VGH42K": 80.0, "VHT17P": 80.0}, pd.DataFrame(), tolerant) == []


def deliveries(subject: str, delivered: list[str], kind: str = "meter") -> pd.DataFrame:
    return pd.DataFrame(
        [{"kind": kind, "subject": subject, "period": dt.date(int(p[:4]), int(p[5:]), 1), "files": 1} for p in delivered]
    )


MONTHLY = ["2024-01", "2024-02", "2024-03", "2024-04"]


@pytest.mark.parametrize(
    ("delivered", "month", "wanted", "expected"),
    [
        pytest.param(MONTHLY, "2024-05", True, ["2024-05"], id="monthly-silent-in-may"),
        pytest.param(MONTHLY, "2024-06", True, ["2024-05"], id="still-silent-same-key"),
        pytest.param(MONTHLY, "2024-08", True, [], id="due-beyond-lookback"),
        pytest.param([*MONTHLY, "2024-05"], "2024-05", True, [], id="delivered"),
        pytest.param(MONTHLY, "2024-05", False, [], id="inactive-meter"),
        pytest.param(["2024-01", "2024-02", "2024-04", "2024-05"], "2024-06", True, [], id="irregular"),
        pytest.param(["2023-03", "2023-06", "2023-09", "2023-12"], "2024-02", True, [], id="quarterly-not-due"),
        pytest.param(["2023-03", "2023-06", "2023-09", "2023-12"], "2024-03", True, ["2024-03"], id="quarterly-due"),
        pytest.param(["2024-02", "2024-03", "2024-04"], "2024-05", True, [], id="too-few-deliveries"),
    ],
)
def test_expected_but_missing(delivered: list[str], month: str, wanted: bool, expected: list[str]) -> None:
    found = missing_alerts(
        deliveries("871687120000000004", delivered), {"871687120000000004": ("meter 8716", wanted)},
        dt.date(int(month[:4]), int(month[5:]), 1), CONFIG,
    )
    assert [a.period for a in found] == expected
    for alert in found:
        assert (alert.rule, alert.subject) == ("missing", "871687120000000004")
        assert alert.evidence["series"][-1] == {"period": month, "value": 0.0}


def test_missing_evidence_names_the_rhythm_and_last_delivery() -> None:
    (alert,) = missing_alerts(deliveries("Hygiena B.V.", ["2023-03", "2023-06", "2023-09", "2023-12"], "supplier"),
                                    {"Hygiena B.V.": ("supplier Hygiena B.V.", True)}, dt.date(2024, 3, 1), CONFIG)
    assert alert.evidence["cadence_months"] == 3
    assert alert.evidence["last_delivered"] == "2023-12"
    assert "every 3 months up to 2023-12" in alert.message


def test_quarantine_rate_per_file() -> None:
    files = pd.DataFrame(
        [
            {"file_name": "fuel.csv", "dataset": "fuel_transactions", "rows_read": 100, "rows_quarantined": 6,
             "message": None},
            {"file_name": "ok.csv", "dataset": "fuel_transactions", "rows_read": 100, "rows_quarantined": 5,
             "message": None},
            {"file_name": "tiny.csv", "dataset": "meter_usage", "rows_read": 10, "rows_quarantined": 3, "message": None},
            {"file_name": "garbage.csv", "dataset": None, "rows_read": None, "rows_quarantined": None,
             "message": "not a format footprint knows"},
        ]
    )
    shares = pd.DataFrame({"dataset": ["fuel_transactions"], "period": [dt.date(2025, 1, 1)], "share_pct": [6.0]})
    found = quarantine_alerts(files, shares, dt.date(2025, 1, 1), CONFIG)
    assert [(a.subject, a.evidence["observed"]) for a in found] == [("fuel.csv", 6.0), ("garbage.csv", 100.0)]
    assert found[0].evidence["threshold"] == 5.0
    assert found[0].evidence["series"] == [{"period": "2025-01", "value": 6.0}]
    assert "could not be read" in found[1].title


def org_with_target(**alerts: object) -> OrganisationConfig:
    return OrganisationConfig.model_validate({
        "organisation": "Test B.V.", "base_year": 2022,
        "years": {y: {"revenue_eur": 1_000_000, "fte": 10} for y in (2022, 2023, 2024, 2025)},
        "sites": [{"id": "hq", "name": "HQ"}],
        "targets": [{"id": "s1", "ladder_scope": 1, "target_year": 2025, "reduction_pct": 30, "basis": "absolute"}],
        "alerts": alerts,
    })


def monthly_kg(per_month: dict[int, float]) -> pd.DataFrame:
    """Scope 1 kg per month, the same every month of a year (a half-year of 2025)."""
    return pd.DataFrame(
        [{"year": y, "month": m, "ladder_scope": 1, "kg": kg} for y, kg in per_month.items()
         for m in range(1, 13 if y < 2025 else 7)]
    )


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        pytest.param("2022-12", [], id="base-year-on-its-path"),
        pytest.param("2023-06", ["2023-06"], id="falls-behind"),
        pytest.param("2023-12", [], id="stays-behind-no-news"),
        pytest.param("2024-06", [], id="back-on-path"),
        pytest.param("2025-06", ["2025-06"], id="falls-behind-again"),
        pytest.param("2023-05", [], id="not-a-half-year-end"),
    ],
)
def test_target_path_after_june_and_december(month: str, expected: list[str]) -> None:
    # Base 100 kg a month; the path asks -10 % in 2023, -20 % in 2024, -30 % in 2025.
    kg = monthly_kg({2022: 100.0, 2023: 95.0, 2024: 70.0, 2025: 75.0})
    found = target_alerts(kg, org_with_target(), dt.date(int(month[:4]), int(month[5:]), 1))
    assert [a.period for a in found] == expected
    for alert in found:
        assert (alert.rule, alert.subject) == ("target_path", "s1")
        assert alert.evidence["observed"] > alert.evidence["threshold"]
        assert alert.evidence["series"][-1]["period"] == month


def test_target_path_numbers_and_tolerance() -> None:
    kg = monthly_kg({2022: 100.0, 2023: 95.0})
    (alert,) = target_alerts(kg, org_with_target(), dt.date(2023, 6, 1))
    assert alert.evidence["observed"] == pytest.approx(570.0)  # 6 x 95 kg
    assert alert.evidence["threshold"] == pytest.approx(540.0)  # 600 kg x (1 - 10 %)
    assert alert.evidence["achieved_reduction_pct"] == pytest.approx(5.0)
    assert alert.evidence["expected_reduction_pct"] == pytest.approx(10.0)
    assert target_alerts(kg, org_with_target(target_path_tolerance_pct=6), dt.date(2023, 6, 1)) == []
    assert target_alerts(kg, org_with_target(target_path=False), dt.date(2023, 6, 1)) == []


def test_severity_from_configuration() -> None:
    config = AlertConfig(severity={"month_on_month": "critical"})
    assert judge([100.0] * 13 + [180.0], config=config)["month_on_month"].severity == "critical"
