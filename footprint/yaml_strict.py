"""YAML that people write by hand, read strictly: UTF-8 only, and a key written twice is an error.

PyYAML keeps the last of two equal keys, so a second `meters: []` further down footprint.yaml drops
every meter above it without a word. Every YAML file a user writes (footprint.yaml, fuel-card
profiles, an activity-factor mapping) is read here; the errors are yaml.YAMLError subclasses with a
one-line message naming the line, so existing `except yaml.YAMLError` handlers keep working.

Such a file is then validated by a pydantic model that refuses unknown keys (StrictModel): a typo
in a key is an error, not a setting silently ignored. YamlKind.load does both steps and turns every
problem into one ConfigError naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from footprint.errors import ConfigError, UserYamlError

# libyaml's parser when PyYAML has it: every task opens the workspace, 2 ms instead of 20.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"),
)


class DuplicateKeyError(yaml.YAMLError):
    """A mapping holds the same key twice: which one silently wins is not for footprint to guess."""

    def __init__(self, key: object, line: int, first_line: int) -> None:
        self.key, self.line, self.first_line = key, line, first_line
        # Named only when it looks like a key: a path may point at any file, and its lines are not for a message.
        super().__init__(UserYamlError.duplicate_key(str(key), line, first_line))


class EncodingError(yaml.YAMLError):
    """The file is not UTF-8 text: a Latin-1 export or a UTF-16 file saved by a Windows editor."""


class _StrictLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """The mapping as SafeLoader builds it, after checking its own keys (merged `<<` keys may be overridden)."""
        first_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            # A sequence or mapping as key is unhashable (SafeLoader's own error names it); `<<` merges.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in first_lines:
                raise DuplicateKeyError(key, line, first_lines[key])
            first_lines[key] = line
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> Any:
    """Parse YAML text like yaml.safe_load, refusing duplicate keys at every level."""
    return yaml.load(text, Loader=_StrictLoader)


def decode(data: bytes) -> str:
    """The bytes as UTF-8 text (a UTF-8 byte-order mark is dropped); anything else is an EncodingError."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise EncodingError(f"the file is {name} text (it starts with a {name} byte-order mark): save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise EncodingError(
            f"line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}): save the file as UTF-8"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise EncodingError(f"line {line} holds a NUL byte (UTF-16 text without a byte-order mark?): save it as UTF-8")
    return text


def load_file(path: Path) -> Any:
    """Read and parse a user's YAML file; OSError passes through for the caller to name the file."""
    return load(decode(path.read_bytes()))


ModelT = TypeVar("ModelT", bound=BaseModel)


class StrictModel(BaseModel):
    """The schema of a hand-written mapping: a key it does not know (a typo) is an error, never ignored."""

    model_config = ConfigDict(extra="forbid")


class FrozenModel(StrictModel, frozen=True):
    """A StrictModel shared by everything that reads it (a profile, the factor mapping): never changed."""


class YamlKind:
    """A kind of YAML file a user writes, read with load_file and validated by a StrictModel.

    Problems are worded as UserYamlError words them, naming the file and never quoting it (a path may
    point at any file, /etc/shadow); a kind with wording of its own overrides the methods that word them.
    """

    def __init__(self, name: str, keys: str) -> None:
        self.name = name
        self.keys = keys  # the top-level keys a message names, e.g. "name, layout, fields, ..."

    def load(self, path: Path, model: type[ModelT]) -> ModelT:
        """The file validated as `model`; every problem is a ConfigError (or UserYamlError) naming the file."""
        try:
            data = load_file(path)
        except OSError as exc:
            raise self.unreadable(path, exc) from None
        except yaml.YAMLError as exc:
            raise self.unparsable(path, exc) from None
        if not isinstance(data, dict):
            raise self.not_a_mapping(path)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self.invalid(path, exc) from None

    def unreadable(self, path: Path, error: OSError) -> ConfigError:
        return ConfigError(f"{path}: cannot read the {self.name}: {error.strerror or error}")

    def unparsable(self, path: Path, error: yaml.YAMLError) -> ConfigError:
        return UserYamlError.unparsable(path, self.name, error)

    def not_a_mapping(self, path: Path) -> ConfigError:
        return ConfigError(f"{path}: a {self.name} is a mapping of keys ({self.keys})")

    def invalid(self, path: Path, error: ValidationError) -> ConfigError:
        problems = error.errors(include_input=False, include_url=False, include_context=False)
        return UserYamlError.invalid(path, self.name, problems)
