"""`footprint formats suggest` and `formats check`: a draft written where asked and never over a file
unasked, a preview of what a profile reads, and one clear line (exit 2, no traceback) for a profile or
file that does not fit."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from footprint_cli import app

runner = CliRunner()
SAMPLES = Path(__file__).parent / "sources" / "real_samples"
SMP = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
EAN = "871687120000000004"  # a stand-in with a valid check digit
HEADER = b"Datum;Tijd;Levering (kWh);Teruglevering (kWh)\n"


def _export(folder: Path, name: str = "meter.csv") -> Path:
    """Two days of quarter hours from 13-03-2024 00:00: 0,25 kWh consumption and 0,00 feed-in each."""
    moments = pd.date_range("2024-03-13 00:00", periods=192, freq="15min")
    lines = [f"{m:%d-%m-%Y};{m:%H:%M};0,25;0,00" for m in moments]
    path = folder / name
    path.write_text("Datum;Tijd;Levering (kWh);Teruglevering (kWh)\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _one_error(output: str) -> None:
    assert "Traceback" not in output
    assert output.count("error:") == 1


def test_suggest_writes_the_draft_here_and_previews_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = _export(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["formats", "suggest", str(export)])
    assert result.exit_code == 0, result.output
    draft = tmp_path / "meter.profile.yaml"
    assert "name: meter\n" in draft.read_text(encoding="utf-8")
    assert "guesses to check (# GUESS)" in result.output
    assert "preview with stand-in EANs" in result.output
    # 192 quarter hours x 0.25 kWh = 48 kWh consumption, 192 x 0 feed-in, under the stand-in EAN
    assert "871687120000000004 consumption single: 192 rows, total 48 kWh" in result.output
    assert "871687120000000004 feed_in single: 192 rows, total 0 kWh" in result.output
    assert "interval lengths: 15 min: 384 rows" in result.output
    assert "gaps: none" in result.output


def test_suggest_never_overwrites_unless_forced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = _export(tmp_path)
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.yaml"
    mine.write_text("# my own work\n", encoding="utf-8")
    refused = runner.invoke(app, ["formats", "suggest", str(export), "--out", str(mine)])
    assert refused.exit_code == 2
    assert "--force" in refused.output
    _one_error(refused.output)
    assert mine.read_text(encoding="utf-8") == "# my own work\n"
    forced = runner.invoke(app, ["formats", "suggest", str(export), "--out", str(mine), "--force", "--name", "site_a"])
    assert forced.exit_code == 0, forced.output
    assert "name: site_a\n" in mine.read_text(encoding="utf-8")


def test_suggest_refuses_a_name_a_profile_cannot_have(tmp_path: Path) -> None:
    result = runner.invoke(app, ["formats", "suggest", str(_export(tmp_path)), "--name", "Site A"])
    assert result.exit_code == 2
    _one_error(result.output)


def test_suggest_says_what_keeps_the_draft_from_loading(tmp_path: Path) -> None:
    out = tmp_path / "smp.yaml"
    result = runner.invoke(app, ["formats", "suggest", str(SMP), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "the draft does not load yet" in result.output
    assert "keys channels.0.unit (line 25), channels.1.unit" in result.output.replace("\n", " ")
    assert "--ean 871687120058657526" in result.output  # the EAN in the file's name, for the next command
    assert "footprint already reads this file as format slimmemeterportal_xlsx" in result.output


def test_suggest_on_a_file_without_a_table_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("1;2;3\n4;5;6\n", encoding="utf-8")
    result = runner.invoke(app, ["formats", "suggest", str(notes), "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert "no header line" in result.output
    _one_error(result.output)
    assert not (tmp_path / "x.yaml").exists()


def _draft(tmp_path: Path) -> tuple[Path, Path]:
    export = _export(tmp_path)
    profile = tmp_path / "meter.yaml"
    assert runner.invoke(app, ["formats", "suggest", str(export), "--out", str(profile)]).exit_code == 0
    return profile, export


def test_check_prints_rows_totals_and_notes(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    result = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    assert result.exit_code == 0, result.output
    assert "meter.csv read by profile meter (meter.yaml):" in result.output
    assert "384 canonical row(s); the first 8:" in result.output
    assert "13-03-2024 00:00+01:00  13-03-2024 00:15+01:00" in result.output
    assert "consumption single: 192 rows, total 48 kWh" in result.output
    assert f"note: electricity (kWh): EAN {EAN}" in result.output


def test_check_without_an_ean_for_a_file_naming_none_is_one_line(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    result = runner.invoke(app, ["formats", "check", str(profile), str(export)])
    assert result.exit_code == 2
    assert "no EAN in this file: give it with `footprint parse --ean`" in result.output
    assert "(profile meter.yaml, key ean)" in result.output
    _one_error(result.output)


def test_check_with_a_wrong_column_names_the_profile_key(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('- column: "Levering (kWh)"', '- column: "Levering (MWh)"'), encoding="utf-8")
    result = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    assert result.exit_code == 2
    assert "missing column 'Levering (MWh)'" in result.output
    assert "profile meter.yaml, key channels.0.column" in result.output
    _one_error(result.output)


def test_check_with_a_broken_profile_names_the_key(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    profile.write_text(profile.read_text(encoding="utf-8").replace("unit: kWh", "unit: kWhh", 1), encoding="utf-8")
    result = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    assert result.exit_code == 2
    assert "key channels.0.unit" in result.output and "'kWhh'" in result.output
    _one_error(result.output)


def test_check_of_files_that_are_not_there(tmp_path: Path) -> None:
    result = runner.invoke(app, ["formats", "check", str(tmp_path / "no.yaml"), str(tmp_path / "no.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.output
    _one_error(result.output)


def test_control_characters_from_the_file_are_shown_escaped(tmp_path: Path) -> None:
    export = _export(tmp_path, name="meter\x1b[2J.csv")
    profile = tmp_path / "meter.yaml"
    suggested = runner.invoke(app, ["formats", "suggest", str(export), "--out", str(profile)])
    checked = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    for result in (suggested, checked):
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output
        assert "meter\\x1b[2J.csv" in result.output


def test_a_row_without_a_readable_time_shows_dashes_not_nat(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[1] = "13-03-2024;25:00;0,25;0,00"  # the first data row (line 2): no hour 25
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    assert result.exit_code == 0, result.output
    assert "NaT" not in result.output
    assert re.search(rf"^  2 +- +- +{EAN} +consumption", result.output, re.MULTILINE), result.output


def test_a_gap_is_told_once(tmp_path: Path) -> None:
    profile, export = _draft(tmp_path)
    lines = export.read_text(encoding="utf-8").splitlines()
    del lines[5]  # line 6: the quarter hour from 13-03-2024 01:00
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["formats", "check", str(profile), str(export), "--ean", EAN])
    assert result.exit_code == 0, result.output
    # two series (consumption, feed-in) each miss the one quarter hour: two gap notes, and the count of them
    assert "gaps: 2, each in the notes below" in result.output
    assert result.output.count("from 13-03-2024 01:00+01:00 to 13-03-2024 01:15+01:00") == 2


def test_the_next_command_quotes_a_path_with_a_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = _export(tmp_path, name="my meter.csv")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["formats", "suggest", str(export)])
    assert result.exit_code == 0, result.output
    assert f"footprint formats check 'my meter.profile.yaml' '{export}' --ean <EAN>" in result.output


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty"),
        (b"PK\x03\x04\x00\x00\x00\x00binary\x00\x01\x02", "binary"),
        ("Datum;Verbruik kWh\r\n01-01-2024;1,5\r\n".encode("utf-16"), "UTF-16"),
        (HEADER + b"13-03-2024;00:00;0,25;0,00\n" * 30 + b"13-03-2024;00:15;" + b"9" * 3_000_000 + b";0\n", "longer than"),
    ],
    ids=["empty", "binary", "utf-16", "over-long line"],
)
def test_suggest_and_check_on_odd_files_are_one_line(tmp_path: Path, content: bytes, said: str) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_bytes(content)
    profile, _ = _draft(tmp_path)
    for args in (["suggest", str(odd), "--out", str(tmp_path / "odd.yaml")], ["check", str(profile), str(odd), "--ean", EAN]):
        result = runner.invoke(app, ["formats", *args])
        assert result.exit_code == 2, result.output
        assert said in result.output
        _one_error(result.output)
