"""The alerts section of footprint.yaml: optional, defaults that keep existing files valid, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from footprint.config.organisation import load_org_config
from footprint.errors import ConfigError

BASE = {
    "organisation": "Test B.V.",
    "base_year": 2022,
    "years": {2022: {"revenue_eur": 1_000_000, "fte": 12}},
    "sites": [{"id": "hq", "name": "Head office"}],
    "vehicles": [{"plate": "v-123-ab", "site": "hq", "fuel": "diesel", "tank_litres": 70}],
}


def load(tmp_path: Path, **extra: object):  # noqa: ANN201 - OrganisationConfig
    path = tmp_path / "footprint.yaml"
    path.write_text(yaml.safe_dump({**BASE, **extra}), encoding="utf-8")
    return load_org_config(path)


def test_a_file_without_alerts_gets_the_defaults(tmp_path: Path) -> None:
    org = load(tmp_path)
    assert org.alerts.enabled and org.alerts.defaults.mom_pct == 50 and org.alerts.defaults.zscore == 3.5
    assert org.vehicles[0].active is True
    assert org.alerts.business_travel.mom_pct is None


def test_overrides_and_severity_from_yaml(tmp_path: Path) -> None:
    org = load(tmp_path, alerts={"defaults": {"yoy_pct": 30}, "overrides": {"V-123-AB": {"mom_pct": None}},
                                 "severity": {"missing": "critical"}})
    thresholds = org.alerts.thresholds_for("V123AB", "diesel")
    assert (thresholds.mom_pct, thresholds.yoy_pct) == (None, 30)
    assert org.alerts.severity == {"missing": "critical"}


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        pytest.param({"severity": {"mom": "critical"}}, "alerts.severity: mom is not a rule", id="unknown-rule"),
        pytest.param({"severity": {"missing": "loud"}}, "alerts.severity.missing", id="unknown-severity"),
        pytest.param({"defaults": {"mom_pct": -5}}, "alerts.defaults.mom_pct", id="negative-threshold"),
        pytest.param({"thresholds": {}}, "alerts.thresholds: is not a known key", id="unknown-key"),
    ],
)
def test_wrong_alert_settings_name_their_key(tmp_path: Path, alerts: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, alerts=alerts)
    assert expected in str(info.value)
