"""Per-project emission report, for projects won with a CO2 award advantage (gunningvoordeel)."""

from __future__ import annotations

from prefect import flow

from tasks.write_project_report import write_project_report


@flow(name="project_report")
def project_report(project_id: str, first: str, last: str, out_dir: str, config: str | None = None,
                   lang: str = "nl") -> dict[str, str]:
    """Write the report of one configured project for the months first..last (YYYY-MM)."""
    return write_project_report(config, project_id, first, last, out_dir, lang)
