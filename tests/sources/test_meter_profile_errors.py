"""A profile that does not fit (a missing column, a wrong date format, an unknown unit, no EAN) is one
message naming the profile key and the line, in the profile or in the file, and never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.errors import ConfigError, InputFileError
from footprint.sources.meter_profile import builtin_format, profile_format
from footprint_cli import app

PROFILE = """name: portal_test
description: a portal's quarter hours
source: constructed for this test (2026)
table:
  type: csv
  delimiter: ";"
  decimal: ","
  signature: [Tijdstip, Afname]
time:
  column: Tijdstip
  formats: ["%d-%m-%Y %H:%M"]
  marks: end
  interval: 15min
values: usage
channels:
  - column: Afname
    carrier: electricity
    direction: consumption
    unit: kWh
  - column: Injectie
    carrier: electricity
    direction: feed_in
    unit: kWh
"""
EXPORT = "Portaal export\nTijdstip;Afname;Injectie\n01-03-2025 00:15;0,25;0,00\n01-03-2025 00:30;0,50;0,10\n"


def _profile(tmp_path: Path, text: str = PROFILE) -> Path:
    path = tmp_path / "portal_test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _export(tmp_path: Path, text: str = EXPORT) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_profile_reads_its_file(tmp_path: Path) -> None:
    frame, _ = profile_format(_profile(tmp_path)).read_with_report(_export(tmp_path), ean="871687120000000004")
    # Stamps mark the end: 00:15 is the quarter hour from 00:00; lines 3 and 4 of the file.
    assert frame["source_row"].tolist() == [3, 3, 4, 4]
    assert frame["interval_start"].dt.strftime("%H:%M").tolist() == ["00:00", "00:00", "00:15", "00:15"]
    assert frame.groupby("direction")["quantity"].sum().round(6).to_dict() == {"consumption": 0.75, "feed_in": 0.1}


def test_a_missing_column_names_the_profile_key_and_the_header_line(tmp_path: Path) -> None:
    export = _export(tmp_path, EXPORT.replace(";Injectie", ";Teruglevering"))
    with pytest.raises(InputFileError) as caught:
        profile_format(_profile(tmp_path)).read(export, ean="871687120000000004")
    message = str(caught.value)
    assert "row 2" in message and "'Injectie'" in message  # the header is on line 2 of the file
    assert "key channels.1.column, line 20" in message  # `- column: Injectie` is line 20 of PROFILE


def test_a_wrong_date_format_names_time_formats_and_the_first_data_line(tmp_path: Path) -> None:
    profile = _profile(tmp_path, PROFILE.replace('"%d-%m-%Y %H:%M"', '"%Y-%m-%d %H:%M"'))
    with pytest.raises(InputFileError) as caught:
        profile_format(profile).read(_export(tmp_path), ean="871687120000000004")
    message = str(caught.value)
    assert "row 3" in message and "'01-03-2025 00:15'" in message
    assert "key time.formats, line 11" in message


def test_an_unknown_unit_names_the_key_and_its_line(tmp_path: Path) -> None:
    profile = _profile(tmp_path, PROFILE.replace("    unit: kWh\n  - column: Injectie", "    unit: kWhh\n  - column: Injectie"))
    with pytest.raises(ConfigError) as caught:
        profile_format(profile)
    message = str(caught.value)
    assert "key channels.0.unit (line 19)" in message and "unknown unit 'kWhh'" in message
    assert message.count("\n") == 0


def test_no_ean_names_the_ean_key_and_the_routes(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        profile_format(_profile(tmp_path)).read(_export(tmp_path))
    message = str(caught.value)
    assert "--ean" in message and "key ean" in message


@pytest.mark.parametrize(
    ("profile_text", "export_text", "expected"),
    [
        (PROFILE, EXPORT.replace(";Injectie", ";Teruglevering"), "channels.1.column"),
        (PROFILE.replace("    unit: kWh\n  - column: Injectie", "    unit: kWhh\n  - column: Injectie"), EXPORT,
         "key channels.0.unit"),
        (PROFILE.replace('"%d-%m-%Y %H:%M"', '"%Y-%m-%d %H:%M"'), EXPORT, "time.formats"),
    ],
)
def test_formats_check_prints_one_message_and_no_traceback(
    tmp_path: Path, profile_text: str, export_text: str, expected: str
) -> None:
    result = CliRunner().invoke(
        app,
        ["formats", "check", str(_profile(tmp_path, profile_text)), str(_export(tmp_path, export_text)),
         "--ean", "871687120000000004"],
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output


def test_a_wrong_word_names_its_key_with_the_alternatives_and_no_class_names(tmp_path: Path) -> None:
    profile = _profile(tmp_path, PROFILE.replace("    direction: consumption\n", "    direction: consumption\n    tariff: peak\n", 1))
    with pytest.raises(ConfigError) as caught:
        profile_format(profile)
    message = str(caught.value)
    assert "key channels.0.tariff (line 19)" in message
    assert "'low', 'high' or 'single'" in message and "TariffColumn" not in message
    assert message.count("channels.0.tariff") == 1


def test_a_profile_of_nested_aliases_is_refused_at_once(tmp_path: Path) -> None:
    """Aliases of aliases make a few hundred bytes into millions of nodes: the key lines walk each node once."""
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefg", "bcdefgh", strict=True)]
    profile = _profile(tmp_path, "\n".join(lines) + "\nname: bomb\n")
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="keys description, source, table, time, values, channels: Field required"):
        profile_format(profile)
    assert time.perf_counter() - started < 5


def test_a_line_longer_than_a_read_block_is_one_message(tmp_path: Path) -> None:
    export = _export(tmp_path, EXPORT + "x" * 3_000_000 + "\n")
    with pytest.raises(InputFileError, match="a line is longer than 1 MiB"):
        profile_format(_profile(tmp_path)).read(export, ean="871687120000000004")


@pytest.mark.parametrize(
    ("encoding", "outcome"),
    [("auto", None), ("cp1252", None), ("utf-8", "not UTF-8 text as its layout says")],
)
def test_the_declared_encoding_is_the_one_read(tmp_path: Path, encoding: str, outcome: str | None) -> None:
    """A cp1252 export (é as byte 0xe9) reads under auto and cp1252; a layout that says utf-8 refuses it."""
    profile = _profile(tmp_path, PROFILE.replace('  decimal: ","\n', f'  decimal: ","\n  encoding: {encoding}\n'))
    export = tmp_path / "export.csv"
    export.write_bytes(("Portaal Ijsselstraat café\n" + EXPORT.split("\n", 1)[1]).encode("cp1252"))
    fmt = profile_format(profile)
    if outcome is not None:
        with pytest.raises(InputFileError, match=outcome) as caught:
            fmt.read(export, ean="871687120000000004")
        assert caught.value.row == 1
    else:
        frame = fmt.read(export, ean="871687120000000004")
        assert frame["quantity"].sum().round(6) == 0.85  # 0,25 + 0,00 + 0,50 + 0,10


def test_an_export_re_saved_with_decimal_commas_is_refused_not_read_a_thousand_times_too_large(tmp_path: Path) -> None:
    """Engie writes `,` between fields and a decimal point; re-saved by a Dutch spreadsheet it has `;` and
    "0,742", which the layout's decimal point would read as 742."""
    export = tmp_path / "engie_resaved.csv"
    export.write_text(
        "Datum;EAN;Verbruik;Type;Piek\n2021-12-25T00:00:00+01:00;871687120061402458;0,742;Elektriciteit;false\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="re-saved by a spreadsheet program") as caught:
        builtin_format("engie_csv").read(export)
    assert caught.value.column == "Verbruik"
    # The same file with its decimal point kept is read as written: 0.742 kWh.
    export.write_text(export.read_text(encoding="utf-8").replace("0,742", "0.742"), encoding="utf-8")
    assert builtin_format("engie_csv").read(export)["quantity"].tolist() == [0.742]
