"""A consultant's list of organisations (clients.yaml): one installation, one schedule, each client its own files.

Each entry names a client and its footprint.yaml; everything else is that file's: warehouse (or
schema), inbox, raw store, and the secrets in the environment, the .env beside it or Prefect blocks.
Adding a client is adding an entry; the monthly-ingest-clients deployment runs every entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

from pydantic import Field, field_validator

from footprint import yaml_strict
from footprint.config.common import Strict, doubled_keys
from footprint.config.workspace import open_workspace
from footprint.errors import ConfigError, FootprintError


class Client(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
    config: Annotated[str, Field(min_length=1)]  # footprint.yaml, relative to clients.yaml or absolute
    active: bool = True


class ClientsFile(Strict):
    clients: Annotated[list[Client], Field(min_length=1)]

    @field_validator("clients")
    @classmethod
    def _once(cls, clients: list[Client]) -> list[Client]:
        doubled = doubled_keys(c.name for c in clients)
        if doubled:
            raise ValueError(f"client {', '.join(doubled)} listed twice; give each client once")
        return clients


_KIND: Final = yaml_strict.YamlKind("clients file", "clients")


def load_clients(path: Path) -> list[tuple[str, Path]]:
    """The active clients as (name, resolved footprint.yaml path); two names on one file are refused."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such clients file (a list of `clients:` each with name and config)")
    listed = _KIND.load(path, ClientsFile).clients
    resolved = [(c.name, (path.parent / Path(c.config).expanduser()).resolve()) for c in listed if c.active]
    doubled = doubled_keys(str(config) for _, config in resolved)
    if doubled:
        raise ConfigError(f"{path}: {', '.join(doubled)} is the configuration of two clients; one file, one client")
    return resolved


def shared_places(clients: list[tuple[str, Path]]) -> list[str]:
    """Warehouses (with schema) and inboxes two clients would share, as they resolve with this process's settings.

    A FOOTPRINT_WAREHOUSE_SCHEMA or FOOTPRINT_INBOX in the worker's environment overrides every client's
    footprint.yaml alike, and would pour their data together: that is refused before any client runs. A
    client whose configuration does not open is left to fail in its own run.
    """
    owners: dict[tuple[str, str], list[str]] = {}
    for name, config in clients:
        try:
            ws = open_workspace(config)
        except FootprintError:
            continue
        owners.setdefault(("warehouse", f"{ws.warehouse_url} schema {ws.warehouse_schema or '(default)'}"),
                          []).append(name)
        owners.setdefault(("inbox", str(ws.inbox)), []).append(name)
    return [f"clients {', '.join(names)} share the {kind} {place}"
            for (kind, place), names in owners.items() if len(names) > 1]
