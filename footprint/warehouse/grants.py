"""Grants that follow the views: a view a migration adds reaches every role that already reads the others.

Below both the migrations (which call it after each schema change) and the BI role set-up (which lists the views).
"""

from __future__ import annotations

import sqlalchemy as sa


def regrant_views(conn: sa.Connection) -> None:
    """Grant every view to each role that already reads one, so a view added by a migration reaches BI."""
    roles = conn.execute(
        sa.text(
            "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
            "WHERE n.nspname = current_schema() AND c.relkind = 'v' AND left(c.relname, 2) = 'v_' "
            "AND a.privilege_type = 'SELECT' AND a.grantee NOT IN (0, c.relowner) ORDER BY 1"
        )
    ).scalars().all()
    granted = views(conn)
    if roles and granted:
        quote = conn.dialect.identifier_preparer.quote_identifier
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(quote(v) for v in granted)} TO {', '.join(roles)}")


def views(conn: sa.Connection) -> list[str]:
    return list(
        conn.execute(
            sa.text("SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND left(viewname, 2) = 'v_' ORDER BY 1")
        ).scalars()
    )
