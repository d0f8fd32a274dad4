"""Credentials by name: an environment variable, or a Prefect Secret block the wiring looks up.

footprint.yaml names a secret; its value never passes through the configuration, a log line or a
message. A value is either one token (an API key) or a JSON object of fields
({"username": ..., "password": ...}); `Secret.field` names the missing field and the secret, never
the value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from footprint.pull.connector import CredentialError

# How the wiring finds a secret's value by its name; None when there is none.
SecretLookup = Callable[[str], str | None]


def environment(name: str) -> str | None:
    return os.environ.get(name) or None


def env_file(path: Path) -> SecretLookup:
    """The secrets in a .env file (beside a client's footprint.yaml): one installation, each client its own."""
    values = dotenv_values(path) if path.is_file() else {}
    return lambda name: values.get(name) or None


def first_of(lookups: Sequence[SecretLookup]) -> SecretLookup:
    """The first lookup that knows the name wins: the environment, then the .env file, then Prefect's blocks."""
    return lambda name: next((value for lookup in lookups if (value := lookup(name)) is not None), None)


def block_name(name: str) -> str:
    """The Prefect Secret block a secret name stands for: block names are lower case with dashes."""
    return name.lower().replace("_", "-")


@dataclass(frozen=True)
class Secret:
    name: str
    source: str  # the pull source that uses it, for messages
    value: str = field(repr=False)

    def token(self) -> str:
        return self.value.strip()

    def field(self, key: str) -> str:
        """One field of a JSON-object secret; a missing field is a CredentialError naming it, not the value."""
        try:
            data = json.loads(self.value)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CredentialError(
                f"pull source {self.source}: secret {self.name} must be a JSON object with {key!r} "
                f"(for example {{\"username\": ..., \"password\": ...}})")
        found = data.get(key)
        if not isinstance(found, str) or not found:
            raise CredentialError(f"pull source {self.source}: secret {self.name} has no {key!r}")
        return found

    def optional(self, key: str) -> str | None:
        try:
            return self.field(key)
        except CredentialError:
            return None


def find_secret(source: str, name: str, lookup: SecretLookup) -> Secret:
    value = lookup(name)
    if value is None or not value.strip():
        raise CredentialError(
            f"pull source {source}: secret {name} is not set (environment variable {name} "
            f"or Prefect Secret block {block_name(name)})")
    return Secret(name, source, value)
