"""The alert record shared by detection (rules.py), storage (store.py) and delivery (transport.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
