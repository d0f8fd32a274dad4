"""Where a profile finds the meter: a column, a labelled line above the header, the file's name, or what
the user gives; a file that names a valid EAN of its own keeps it (the one meter rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.errors import InputFileError
from footprint.sources.meter_profile import profile_format

PROFILE = """name: portal_ean_test
description: a portal's quarter hours
source: constructed for this test (2026)
table: {type: csv, delimiter: ";", decimal: ",", signature: [Tijdstip, Afname]}
time: {column: Tijdstip, formats: ["%d-%m-%Y %H:%M"], marks: end, interval: 15min}
values: usage
channels:
  - {column: Afname, carrier: electricity, direction: consumption, unit: kWh}
"""
# Check digits by hand: 3 x (digits 1, 3, ..., 17) + (digits 2, 4, ..., 16), up to the next ten.
OWN = "871687120000000004"  # 3 x 18 + 22 = 76 -> 4
GIVEN = "871687120000000011"  # 3 x 19 + 22 = 79 -> 1
BODY = "Tijdstip;Afname\n01-03-2025 00:15;0,25\n01-03-2025 00:30;0,50\n"


def _read(tmp_path: Path, ean_key: str, text: str, name: str = "export.csv", given: str | None = None):
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE + ean_key, encoding="utf-8")
    export = tmp_path / name
    export.write_text(text, encoding="utf-8")
    return profile_format(profile).read_with_report(export, ean=given)


def test_a_labelled_line_above_the_header_names_the_meter(tmp_path: Path) -> None:
    frame, notes = _read(tmp_path, "ean: {preamble: EAN}\n", f"Export\nEAN;{OWN}\n{BODY}", given=GIVEN)
    assert frame["ean"].tolist() == [OWN, OWN]  # the file's own EAN wins over the one given
    assert frame["source_row"].tolist() == [4, 5]
    assert any("the file's own" in str(n) for n in notes)


def test_a_placeholder_above_the_header_takes_the_given_ean(tmp_path: Path) -> None:
    frame, _ = _read(tmp_path, "ean: {preamble: EAN}\n", f"EAN;XXXXXXXXXXXXXXXXXX\n{BODY}", given=GIVEN)
    assert frame["ean"].tolist() == [GIVEN, GIVEN]


def test_the_file_name_names_the_meter_only_when_the_profile_says_so(tmp_path: Path) -> None:
    frame, _ = _read(tmp_path, "ean: {file_name: true}\n", BODY, name=f"data_2025_{OWN}.csv")
    assert frame["ean"].tolist() == [OWN, OWN]
    with pytest.raises(InputFileError, match="key ean"):
        _read(tmp_path, "", BODY, name=f"data_2025_{OWN}.csv")


def test_a_file_name_code_with_a_wrong_check_digit_is_no_meter(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="--ean"):
        _read(tmp_path, "ean: {file_name: true}\n", BODY, name="data_2025_871687120000000005.csv")
