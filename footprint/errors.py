"""Named errors whose messages carry the file, row, column and value a user must fix.

The CLI turns every FootprintError into one line and an exit code; anything else is a bug.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class FootprintError(Exception):
    """Base of footprint's own errors: shown to the user as one line, never a traceback."""

    exit_code = 1


class ConfigError(FootprintError):
    """The organisation configuration or settings are wrong: exit code 2."""

    exit_code = 2


class UsageError(FootprintError):
    """The command line asks for something impossible: exit code 2."""

    exit_code = 2


class InputFileError(FootprintError):
    """A raw file cannot be read at all (not one bad row: the whole file)."""

    def __init__(
        self,
        file: str | Path,
        reason: str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.reason = reason
        self.row = row
        self.column = column
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {reason}")


class FactorError(FootprintError):
    """A factor list cannot be loaded or an activity has no factor."""


class WarehouseError(FootprintError):
    """The warehouse cannot be reached, migrated or granted on (unreachable server, failed migration, no rights)."""


class StorageError(FootprintError):
    """The inbox or raw store cannot be read or written (missing bucket, refused credentials, a write-once clash)."""


class ChecksumMismatchError(StorageError):
    """A file's content is not what its SHA-256 says: it changed while it was being stored, so nothing was kept."""


class WriteRefusedError(StorageError):
    """A disk refused a write (full, read-only, no permission): a person must make room or fix it, so no retry."""


class UserYamlError(ConfigError):
    """A user's YAML file (footprint.yaml, a fuel-card profile) that does not parse or does not fit its schema.

    The message names the file, the line or key and the kind of problem, never the file's content: a
    path may point at any file (/etc/shadow), and the message reaches the console, the logs and
    Prefect's stored run messages. A key is named only when it looks like one.
    """

    # What a key or product name looks like; anything else is content, described by its length.
    _NAME = re.compile(r"[\w][\w .,+/()&'-]{0,59}")
    # PyYAML quotes what it found: a token kind ('<scalar>') or one character may be shown, nothing longer.
    _QUOTED = re.compile(r"""'([^'\n]*)'|"([^"\n]*)\"""")
    _TOKEN = re.compile(r"<[a-z ]+>|.|\\.|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}")

    @classmethod
    def unparsable(cls, path: str | Path, kind: str, error: BaseException) -> UserYamlError:
        return cls(f"{path}: not a YAML {kind} ({cls.problem(error)})")

    @classmethod
    def invalid(cls, path: str | Path, kind: str, problems: Iterable[Mapping[str, Any]]) -> UserYamlError:
        """From pydantic's errors(include_input=False): each problem as `key.path: message`."""
        described = []
        for item in problems:
            key = cls.key_path(item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            described.append(f"{key}: {message}" if key else message)
        return cls(f"{path}: not a valid {kind}: {'; '.join(described)}")

    @classmethod
    def key_path(cls, loc: Iterable[object]) -> str:
        """A pydantic location as key.path; a key that does not look like a name is not shown."""
        parts = []
        for part in loc:
            text = str(part)
            named = isinstance(part, int) or cls._NAME.fullmatch(text)
            parts.append(text if named else f"<a key of {len(text)} characters>")
        return ".".join(parts)

    @classmethod
    def problem(cls, error: BaseException) -> str:
        """Where and what kind of problem a YAML or decoding error is, without the text it found."""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            parts = (getattr(error, "context", None), getattr(error, "problem", None))
            what = ": ".join(str(part) for part in parts if part)
            return f"line {mark.line + 1}, column {mark.column + 1}: {cls._without_content(what)}"
        line, first = getattr(error, "line", None), getattr(error, "first_line", None)
        if isinstance(line, int) and isinstance(first, int):
            return cls.duplicate_key(str(getattr(error, "key", "")), line, first)
        position, reason = getattr(error, "position", None), getattr(error, "reason", None)
        if isinstance(position, int) and reason:
            return f"character {position + 1}: {cls._without_content(str(reason))}"
        return cls._without_content(" ".join(str(error).split())) or type(error).__name__

    @classmethod
    def duplicate_key(cls, key: str, line: int, first_line: int) -> str:
        """yaml_strict.DuplicateKeyError's message, as problem() shows it too."""
        named = f"key {key!r}" if cls._NAME.fullmatch(key) else "a key"
        return f"line {line}: {named} is written twice in the same mapping (first on line {first_line})"

    @classmethod
    def _without_content(cls, text: str) -> str:
        def keep(match: re.Match[str]) -> str:
            quoted = match.group(1) if match.group(1) is not None else match.group(2)
            return match.group(0) if cls._TOKEN.fullmatch(quoted) else "'...'"

        return cls._QUOTED.sub(keep, text)
