"""`footprint warehouse`: read-only access for BI tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from footprint.cli.app import (
    ConfigOption,
    config_arg,
    console,
    friendly,
    warehouse_app,
)
from footprint.config import open_workspace


@warehouse_app.command("grant-bi")
@friendly
def warehouse_grant_bi(
    role: Annotated[str, typer.Argument(help="The role BI tools log in as (lower case, e.g. bi_reader).")],
    password_env: Annotated[str | None, typer.Option(
        help="Name of an environment variable holding the role's password; without it the role is NOLOGIN.")] = None,
    config: ConfigOption = None,
) -> None:
    """Let a role read the v_* views and nothing else (PostgreSQL); running it again is safe."""
    from footprint.warehouse.roles import grant_bi_for

    ws = open_workspace(Path(config_arg(config)))
    done = grant_bi_for(ws.warehouse_url, ws.warehouse_schema, role, password_env)
    state = "created" if done.created else "updated"
    login = "can log in" if done.login else "NOLOGIN: grant it to a login role, or rerun with --password-env"
    console.print(f"role {done.role} {state} ({login}); reads {len(done.views)} views in schema {done.schema}: "
                  f"{', '.join(done.views)}; no table, no writes")
