"""What an alert is: the record, its severities, statuses and channels, and the rules that raise one.

It lies below the alerts (which raise and send alerts) and the reports (which quote them) so that neither
imports the other, and below the configuration, which checks severity overrides against the rule names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SEVERITIES = ("info", "warning", "critical")
# resolved: footprint closed it, since a corrected or reprocessed file removed its cause (the note says which).
STATUSES = ("open", "explained", "dismissed", "resolved")
CHANNELS = ("email", "outbox", "webhook")


@dataclass(frozen=True)
class Alert:
    """One deviation for the quality officer; (rule, subject, period) is its deduplication key.

    evidence is JSON-ready: the values and history the rule saw. When it holds
    ``series`` (a list of {"period": "YYYY-MM", "value": float}) and ``unit``, delivery draws a
    small chart of it; ``threshold`` and ``observed`` are shown in the message when present.
    """

    rule: str
    subject: str
    period: str
    severity: str
    title: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    alert_id: int | None = None
    status: str = "open"
    note: str | None = None
    noted_by: str | None = None
    noted_at: str | None = None
    created_at: str | None = None

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.subject}|{self.period}"


# Which months detect judges a rule for: "months", every month the run recomputed (the value rules);
# "run_month", the run's month only; "never", a rule raised elsewhere (loading a factor list). An open
# alert of a judged rule and month that detect no longer finds has lost its cause (alert_store.resolve_stale).
Judged = Literal["months", "run_month", "never"]


@dataclass(frozen=True)
class RuleInfo:
    """A rule as configuration and the alert store know it: its name, default severity and judged months."""

    name: str
    default_severity: str
    judged: Judged


MONTH_ON_MONTH = "month_on_month"
YEAR_ON_YEAR = "year_on_year"
OUTLIER = "outlier"
MISSING = "missing"
INACTIVE_METER = "inactive_meter"
TANK_EXCEEDED = "tank_exceeded"
QUARANTINE_RATE = "quarantine_rate"
FACTOR_RESTATEMENT = "factor_restatement"
TARGET_PATH = "target_path"

CATALOGUE = (
    RuleInfo(MONTH_ON_MONTH, "warning", "months"),
    RuleInfo(YEAR_ON_YEAR, "warning", "months"),
    RuleInfo(OUTLIER, "warning", "months"),
    RuleInfo(MISSING, "warning", "run_month"),
    RuleInfo(INACTIVE_METER, "warning", "months"),
    RuleInfo(TANK_EXCEEDED, "critical", "months"),
    RuleInfo(QUARANTINE_RATE, "warning", "run_month"),
    RuleInfo(FACTOR_RESTATEMENT, "critical", "never"),
    RuleInfo(TARGET_PATH, "warning", "run_month"),
)
RULES = tuple(rule.name for rule in CATALOGUE)
DEFAULT_SEVERITY = {rule.name: rule.default_severity for rule in CATALOGUE}
RUN_MONTH_RULES = tuple(rule.name for rule in CATALOGUE if rule.judged == "run_month")
NOT_JUDGED_BY_DETECT = tuple(rule.name for rule in CATALOGUE if rule.judged == "never")
