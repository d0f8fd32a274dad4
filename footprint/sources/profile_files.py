"""Profile files, fuel-card and meter export alike: read once per version, size-capped, shipped ones named as their file.

A profile path may point at any file (/etc/shadow): errors name the file and the key, never its content.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel

from footprint.config.assets import PROFILE_SUFFIXES
from footprint.errors import ConfigError
from footprint.yaml_strict import YamlKind

PROFILE_MAX_BYTES: Final = 1_000_000  # a layout is a few KB: anything larger is some other file

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_profile_file(path: Path, kind: YamlKind, model: type[ModelT]) -> ModelT:
    """The file validated as `model`, checked once per version of it (mtime and size); a ConfigError otherwise."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise kind.unreadable(path, exc) from None
    if stat.st_size > PROFILE_MAX_BYTES:
        raise ConfigError(f"{path}: {stat.st_size:,} bytes, more than a {kind.name} holds ({PROFILE_MAX_BYTES:,}): not read")
    return _load(path, stat.st_mtime_ns, stat.st_size, kind, model)  # type: ignore[return-value]


@cache
def _load(path: Path, mtime_ns: int, size: int, kind: YamlKind, model: type[BaseModel]) -> BaseModel:
    return kind.load(path, model)


def shipped_profile_paths(folder: Path) -> list[Path]:
    """The profile files of a shipped folder, in file-name order."""
    return sorted(p for p in folder.iterdir() if p.suffix in PROFILE_SUFFIXES)


def check_shipped_name(path: Path, name: str) -> None:
    """A shipped profile is a format under its name, which is its file's name."""
    if name != path.stem:
        raise ConfigError(f"{path}: the profile's name is {name!r}, not {path.stem!r} as its file name says")


def check_name_free(path: Path, name: str, taken: dict[str, Path | str]) -> None:
    """A user's profile may not take the name of another format; `taken` records it."""
    if name in taken:
        raise ConfigError(f"{path}: profile name {name!r} is already used by {taken[name]}: give it its own name")
    taken[name] = path
