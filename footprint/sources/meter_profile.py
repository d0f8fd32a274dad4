"""Meter export profiles as source formats: each YAML file a format, the shipped ones and a user's own.

A profile (footprint/data/meter_profiles/*.yaml, or a user's file listed under meter_exports.profiles
in footprint.yaml) is a utility export's layout as data (meter_profile_schema); meter_profile_reader
reads a file by it. A wrong profile is a ConfigError naming the file, the key and its line; a file
the profile does not fit is an InputFileError naming the profile key and the file's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import pandas as pd
import yaml
from pydantic import ValidationError

from footprint import schemas, yaml_strict
from footprint.config.organisation import OrganisationConfig
from footprint.errors import ConfigError, UserYamlError
from footprint.sources import meter_profile_reader
from footprint.sources.meter_eans import EanOption
from footprint.sources.meter_profile_schema import MeterProfile
from footprint.sources.meter_profile_table import sniff as sniff_profile
from footprint.sources.notes import Note
from footprint.sources.profile_files import (
    check_name_free,
    check_shipped_name,
    load_profile_file,
    shipped_profile_paths,
)
from footprint.sources.text_head import Column

_KEY: Final = re.compile(r"[a-z_][a-z0-9_]*")  # a profile key, not a pydantic union member's name (TariffColumn)


class _ProfileFile(yaml_strict.YamlKind):
    """A meter export profile: its problems name the key and the line it is on."""

    def invalid(self, path: Path, error: ValidationError) -> ConfigError:
        """One problem per key: pydantic's names of union members are left out of the key path, and a
        key whose own item already has a problem ("channels" beside "channels.0.unit") is not repeated."""
        lines = key_lines(path)
        found: dict[tuple[str, ...], list[str]] = {}
        for item in error.errors(include_input=False, include_url=False, include_context=False):
            loc = tuple(str(p) for p in item["loc"] if isinstance(p, int) or _KEY.fullmatch(str(p)))
            message = re.sub(r" or instance of [A-Z]\w*", "", str(item["msg"]).removeprefix("Value error, "))
            if message not in found.setdefault(loc, []):
                found[loc].append(message)
        keys_of: dict[str, list[str]] = {}  # a problem -> the keys that have it (every channel's `unit: TODO`)
        for loc, messages in found.items():
            if any(other[: len(loc)] == loc and other != loc for other in found):
                continue
            key = UserYamlError.key_path(loc)
            line = _line_of(lines, loc)
            said = "; or ".join(messages)  # one key, several alternatives (a word, or a mapping)
            keys_of.setdefault(said, []).append(f"{key}" + (f" (line {line})" if line else "") if key else "")
        problems = [
            f"key{'s' if len(keys) > 1 else ''} {', '.join(keys)}: {said}" if any(keys) else said
            for said, keys in keys_of.items()
        ]
        return UserYamlError(f"{path}: not a valid {self.name}: {'; '.join(problems)}")


PROFILE_FILE: Final = _ProfileFile("meter export profile", "name, table, time, values, channels, ...")


def key_lines(path: Path) -> dict[tuple[str, ...], int]:
    """The line each key path (("channels", "2", "unit")) of a profile file starts on."""
    try:
        node = yaml.compose(yaml_strict.decode(path.read_bytes()))
    except (OSError, yaml.YAMLError):
        return {}
    found: dict[tuple[str, ...], int] = {}
    seen: set[int] = set()

    def walk(each: Any, at: tuple[str, ...]) -> None:
        found.setdefault(at, each.start_mark.line + 1)
        if id(each) in seen:  # an alias of a node already walked: once is enough (nested aliases grow exponentially)
            return
        seen.add(id(each))
        if isinstance(each, yaml.MappingNode):
            for key, value in each.value:
                found[(*at, str(key.value))] = key.start_mark.line + 1
                walk(value, (*at, str(key.value)))
        elif isinstance(each, yaml.SequenceNode):
            for index, item in enumerate(each.value):
                walk(item, (*at, str(index)))

    if node is not None:
        walk(node, ())
    return found


def _line_of(lines: dict[tuple[str, ...], int], key: tuple[str, ...]) -> int | None:
    """The line of the key, or of the nearest key above it that the file has (a missing key's parent)."""
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


def load_profile(path: Path) -> MeterProfile:
    """A profile file, checked once per version of it; a wrong one is a ConfigError naming the file, key and line."""
    return load_profile_file(path, PROFILE_FILE, MeterProfile)


@dataclass(frozen=True)
class MeterProfileFormat:
    """A profile as a source format of the registry: NAME, DATASET, sniff(head), read and read_with_report."""

    profile: MeterProfile
    source: Path

    @property
    def NAME(self) -> str:  # the registry's attribute names
        return self.profile.name

    @property
    def DATASET(self) -> str:
        return schemas.METER_USAGE

    @property
    def HEADER(self) -> tuple[Column, ...]:
        return self.profile.read_columns

    @property
    def SIGNATURE(self) -> tuple[Column, ...]:
        return self.profile.signature_columns

    @property
    def NEEDS_EAN(self) -> bool:
        return self.profile.needs_ean

    @property
    def SPANS_MONTHS(self) -> bool:  # a portal export may cover a year: rows before the delivery month
        return True

    @property
    def CONTAINER(self) -> str | None:
        return "sheet" if self.profile.table.type == "xlsx" else None

    def sniff(self, head: str) -> bool:
        return sniff_profile(head, self.profile)

    def key(self, key: str) -> str:
        """Where a profile key is, for a message: the file, the key and its line."""
        line = _line_of(key_lines(self.source), tuple(key.split(".")))
        return f"profile {self.source.name}, key {key}" + (f", line {line}" if line else "")

    def read_with_report(self, path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
        """The rows and notes; a layout not checked against a real file says so first, on every read."""
        frame, notes = meter_profile_reader.read_with_report(path, self.profile, ean=ean, keys=self.key)
        if self.profile.assumed:
            notes = [Note("assumed_layout", f"{self.NAME}: layout ASSUMED in part: {self.profile.assumed}"), *notes]
        return frame, notes

    def read(self, path: Path, *, ean: EanOption = None) -> pd.DataFrame:
        return self.read_with_report(path, ean=ean)[0]


def builtin_profile_dir() -> Path:
    return Path(str(resources.files("footprint") / "data" / "meter_profiles"))


def builtin_formats() -> list[MeterProfileFormat]:
    """Every shipped profile as a format, in file-name order."""
    formats = []
    for path in shipped_profile_paths(builtin_profile_dir()):
        profile = load_profile(path)
        check_shipped_name(path, profile.name)
        formats.append(MeterProfileFormat(profile, path))
    return formats


def builtin_format(name: str) -> MeterProfileFormat:
    """The shipped profile `name` (footprint/data/meter_profiles/<name>.yaml) as a format."""
    path = builtin_profile_dir() / f"{name}.yaml"
    return MeterProfileFormat(load_profile(path), path)


def profile_format(path: Path) -> MeterProfileFormat:
    """Any profile file as a format (footprint formats check)."""
    return MeterProfileFormat(load_profile(path), path)


def user_formats(
    org: OrganisationConfig, config_dir: Path, taken: dict[str, Path | str]
) -> list[MeterProfileFormat]:
    """The formats of the user's meter_exports.profiles; a name used by another format is an error."""
    formats: list[MeterProfileFormat] = []
    for path in org.meter_exports.profile_paths(config_dir, "meter_exports.profiles", "meter export profile"):
        profile = load_profile(path)
        check_name_free(path, profile.name, taken)
        formats.append(MeterProfileFormat(profile, path))
    return formats
