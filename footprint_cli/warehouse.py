"""`footprint warehouse`: read-only access for BI tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from footprint.config.workspace import open_workspace
from footprint.warehouse.roles import grant_bi_for
from footprint_cli.app import (
    ConfigOption,
    config_arg,
    console,
    friendly,
    warehouse_app,
)


@warehouse_app.command("grant-bi")
@friendly
def warehouse_grant_bi(
    role: Annotated[str, typer.Argument(help="The role BI tools log in as (lower case, e.g. bi_reader).")],
    password_env: Annotated[str | None, typer.Option(
        help="Name of an environment variable holding the role's password; without it the role is NOLOGIN.")] = None,
    config: ConfigOption = None,
) -> None:
    """Let a role read the v_* views and nothing else (PostgreSQL); running it again is safe."""

    ws = open_workspace(Path(config_arg(config)))
    done = grant_bi_for(ws.warehouse_url, ws.warehouse_schema, role, password_env)
    state = "created" if done.created else "updated"
    login = "can log in" if done.login else "NOLOGIN: grant it to a login role, or rerun with --password-env"
    reach = done.reach
    console.print(
        f"role {done.role} {state} ({login}); checked what it can do in database {reach.database}:\n"
        f"  reads {len(reach.reads)} views: {', '.join(reach.reads)}\n"
        "  reads no table, writes nothing, creates nothing\n"
        f"  uses schemas: {', '.join(reach.schemas)}\n"
        f"  temporary tables of its own: {f'yes, {reach.temporary}' if reach.temporary else 'no'}\n"
        f"  connects to other databases: {', '.join(reach.databases) or 'none'}\n"
        "  sees the catalog as every role does: names of all schemas, tables and columns, view definitions, "
        "tables' row counts (see sql/README.md, Read-only role for BI tools)",
        markup=False, highlight=False,
    )
