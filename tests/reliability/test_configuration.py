"""Issue 15, points 11 and 12: configuration and environment that a user gets wrong, and JSON a strict parser reads.

The corpus (corpus/11-*, corpus/12-*) runs the command-line cases; these are the ones that need a
file beside footprint.yaml (.env, a fuel-card profile, a mapping) or a look at every setting at once.
"""

from __future__ import annotations

import json
import math
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from company_files import ALL_FILES, CONFIG, PERIOD, make_company, write_company

import footprint
from footprint import json_strict, yaml_strict
from footprint.activity_mapping import default_mapping_path, load_activity_mapping
from footprint.config.assets import YearFigures
from footprint.config.organisation import load_org_config
from footprint.config.workspace import Settings, open_workspace
from footprint.emissions import compute_emissions
from footprint.errors import ConfigError, FactorError, UsageError
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import parse_period
from footprint.reports.write import write_halfyear_report
from footprint.resources import close_warehouses
from footprint.sources.fuelcard_profile import builtin_profile_dir, load_profile
from footprint.verify import check_sizes


def _numeric_settings() -> list[tuple[str, str]]:
    """Every FOOTPRINT_* setting that holds a number, and the word for what 'abc' is not."""
    found = []
    for name, field in Settings.model_fields.items():
        kinds = {field.annotation, *typing.get_args(field.annotation)}
        kinds |= {typing.get_args(kind)[0] for kind in kinds if typing.get_origin(kind) is typing.Annotated}
        if int in kinds:
            found.append((name, "not a whole number"))
        elif float in kinds:
            found.append((name, "not a number"))
    return found


NUMERIC_SETTINGS = _numeric_settings()


def test_the_numeric_settings_are_found() -> None:
    """The parametrisation below must not go empty when a setting is renamed."""
    names = {name for name, _ in NUMERIC_SETTINGS}
    assert {"inbox_settle_seconds", "files_per_task"} <= names


@pytest.mark.parametrize(("name", "what"), NUMERIC_SETTINGS, ids=[n for n, _ in NUMERIC_SETTINGS])
def test_every_numeric_setting_that_is_no_number_is_one_line_naming_it(
    name: str, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"FOOTPRINT_{name.upper()}", "abc")
    with pytest.raises(ConfigError) as info:
        Settings()
    assert str(info.value) == f"FOOTPRINT_{name.upper()}='abc': {what}"


@pytest.mark.parametrize(("name", "what"), NUMERIC_SETTINGS, ids=[n for n, _ in NUMERIC_SETTINGS])
def test_no_numeric_setting_takes_infinity(name: str, what: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"FOOTPRINT_{name.upper()}", "inf")
    with pytest.raises(ConfigError) as info:
        Settings()
    expected = "not a finite number" if what == "not a number" else "not a whole number"
    assert str(info.value) == f"FOOTPRINT_{name.upper()}='inf': {expected}"


def test_a_wrong_value_in_the_env_file_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOOTPRINT_FILES_PER_TASK", raising=False)
    config = write_company(tmp_path / "co", {})
    env_file = config.parent / ".env"
    env_file.write_text("FOOTPRINT_PSEUDONYM_KEY=test-key\nFOOTPRINT_FILES_PER_TASK=abc\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        open_workspace(config)
    assert str(info.value) == f"FOOTPRINT_FILES_PER_TASK='abc' (set in {env_file}): not a whole number"


def test_an_env_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    config = write_company(tmp_path / "co", {})
    env_file = config.parent / ".env"
    env_file.write_bytes(b"FOOTPRINT_PSEUDONYM_KEY=test-key\nFOOTPRINT_USER=Ren\xe9\n")
    with pytest.raises(ConfigError) as info:
        open_workspace(config)
    assert str(info.value) == f"{env_file}: line 2 is not UTF-8 text (byte 0xe9): save the file as UTF-8"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """Notepad writes UTF-8 with a byte-order mark: that is UTF-8, and read as such."""
    config = write_company(tmp_path / "co", {})
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    assert load_org_config(config).organisation == "Klein B.V."


def test_anchors_and_merge_keys_may_override_what_they_merge(tmp_path: Path) -> None:
    """`<<: *defaults` then a key of its own is YAML's way to override, not a key written twice."""
    text = yaml.safe_dump(CONFIG) + (
        "alerts:\n"
        "  defaults: &strict {mom_pct: 20, yoy_pct: 20}\n"
        "  overrides:\n"
        "    VGH-42-K:\n"
        "      <<: *strict\n"
        "      mom_pct: 80\n"
    )
    path = tmp_path / "footprint.yaml"
    path.write_text(text, encoding="utf-8")
    org = load_org_config(path)
    assert (org.alerts.overrides["VGH-42-K"].mom_pct, org.alerts.overrides["VGH-42-K"].yoy_pct) == (80.0, 20.0)


def test_a_key_written_twice_in_a_fuel_card_profile_names_its_lines(tmp_path: Path) -> None:
    shipped = (builtin_profile_dir() / "fuelcard_shell_csv.yaml").read_text(encoding="utf-8")
    first = shipped.splitlines().index("layout: delimited") + 1
    path = tmp_path / "my_card.yaml"
    doubled = shipped.replace("layout: delimited\n", "layout: delimited\nlayout: fixed_width\n")
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    assert str(info.value).startswith(f"{path}: ")
    assert f"line {first + 1}: key 'layout' is written twice in the same mapping (first on line {first})" in str(info.value)


def test_a_key_written_twice_in_an_activity_mapping_names_its_lines(tmp_path: Path) -> None:
    shipped = default_mapping_path().read_text(encoding="utf-8")
    first = shipped.splitlines().index("  fuel:diesel:") + 1
    path = tmp_path / "mapping.yaml"
    path.write_text(shipped.replace("activities:\n", "activities:\n  fuel:diesel: {}\n", 1), encoding="utf-8")
    with pytest.raises(FactorError) as info:
        load_activity_mapping(path)
    assert str(info.value) == (
        # The key is not named: with its colon it could be a line of any file (footprint.errors.UserYamlError).
        f"{path}: cannot read the activity-factor mapping: line {first + 1}: a key is written twice in "
        f"the same mapping (first on line {first})"
    )


def test_every_shipped_yaml_file_reads_strictly() -> None:
    """The shipped data files pass the check footprint puts on the user's files."""
    package = Path(footprint.__file__).parent
    files = sorted(package.rglob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        yaml_strict.load_file(path)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [("1990-01", True), ("2100-12", True), ("1989-12", False), ("2101-01", False), ("0001-01", False)],
)
def test_periods_are_months_of_the_years_footprint_works_with(text: str, accepted: bool) -> None:
    if accepted:
        assert parse_period(text).isoformat() == f"{text}-01"
    else:
        with pytest.raises(UsageError) as info:
            parse_period(text)
        assert str(info.value) == f"period {text!r} lies outside the years footprint works with (1990-2100)"


def test_json_strict_writes_null_for_what_is_not_finite() -> None:
    text = json_strict.dumps({"a": math.inf, "b": [math.nan, 1.5, (-math.inf, 2)], "c": "Infinity"})
    assert text == '{"a": null, "b": [null, 1.5, [null, 2]], "c": "Infinity"}'


def _strict_json(path: Path) -> Any:
    """The file parsed as RFC 8259 JSON: NaN, Infinity and -Infinity are refused, as strict parsers do."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{path.name} holds {constant}, which is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_the_half_year_report_writes_strict_json_at_the_extremes_configuration_allows(tmp_path: Path) -> None:
    """The smallest revenue and FTE footprint.yaml accepts (1 EUR, 0.01 FTE) give large, finite intensities."""
    root = tmp_path / "co"
    ws = make_company(root, f"duckdb:///{tmp_path / 'warehouse.duckdb'}", ALL_FILES,
                      years={2025: {"revenue_eur": 1, "fte": 0.01}})
    try:
        load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
        compute_emissions(ws, PERIOD)
        written = write_halfyear_report(ws, "2025H1", tmp_path / "report", lang="en",
                                        raw_store_check=check_sizes(ws).as_summary())
    finally:
        close_warehouses()
    summary = _strict_json(written["summary.json"])
    _strict_json(written["manifest.json"])
    intensity = summary["comparison"]["current"]["intensity"]["total_kg_co2e"]
    total = summary["comparison"]["current"]["total_kg_co2e"]
    assert intensity["kg_co2e_per_million_eur"] == pytest.approx(total / (0.5 / 1e6))
    assert intensity["kg_co2e_per_fte"] == pytest.approx(total / 0.005)
    assert math.isfinite(intensity["kg_co2e_per_million_eur"])


def test_a_figure_that_is_not_finite_is_written_as_null(tmp_path: Path) -> None:
    """Past the configuration's checks (figures set in code), summary.json still holds no Infinity or NaN."""
    root = tmp_path / "co"
    ws = make_company(root, f"duckdb:///{tmp_path / 'warehouse.duckdb'}", ALL_FILES)
    ws.org.years[2025] = YearFigures.model_construct(revenue_eur=1e-300, fte=math.inf)
    try:
        load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
        compute_emissions(ws, PERIOD)
        written = write_halfyear_report(ws, "2025H1", tmp_path / "report", lang="en",
                                        raw_store_check=check_sizes(ws).as_summary())
    finally:
        close_warehouses()
    intensity = _strict_json(written["summary.json"])["comparison"]["current"]["intensity"]["total_kg_co2e"]
    assert intensity == {"kg_co2e_per_million_eur": None, "kg_co2e_per_fte": 0.0}


def test_the_bounds_of_the_year_figures_are_where_the_descriptions_say(tmp_path: Path) -> None:
    path = tmp_path / "footprint.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, "years": {2025: {"revenue_eur": 0.99, "fte": 0.009}}}), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_org_config(path)
    assert str(info.value) == (
        f"{path} is not a valid footprint configuration: years.2025.revenue_eur: Input should be greater than or "
        "equal to 1; years.2025.fte: Input should be greater than or equal to 0.01"
    )
