"""Tasks receive the config path, not objects, so every task stays cheap to call and to retry."""

from __future__ import annotations

from pathlib import Path

from footprint.config.workspace import Workspace, open_workspace


def workspace(config: str | None) -> Workspace:
    return open_workspace(Path(config) if config else None)
