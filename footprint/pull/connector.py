"""What every connector offers the pull run, whatever protocol it speaks.

A connector lists the items that are new for a channel since its watermark (`list_new`), fetches one
item as the files the source delivered (`fetch`), and may mark at the source what was taken
(`taken`, an IMAP flag). It raises CredentialError when the source refuses its credentials (the run
stops that connector at once) and SourceError when the source fails after its retries; anything it
fetched before stays stored, and no watermark of an unfinished channel moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from footprint.errors import FootprintError


class CredentialError(FootprintError):
    """The source refused the credentials (HTTP 401/403, SSH or IMAP authentication), or the secret is missing."""


class SourceError(FootprintError):
    """The source failed after its retries: down, too slow, or answering what the connector cannot read."""


@dataclass(frozen=True)
class Item:
    """One thing to fetch: a month of an EAN, a remote file, an e-mail's attachments."""

    key: str  # unique and stable within the source: fetched once, ever ("871...:2026-01", "uidvalidity:uid")
    channel: str  # what the watermark is kept per: an EAN, a remote folder, a mailbox
    period: str  # YYYY-MM: the inbox month folder the fetched files go to
    request: str  # what was asked, for lineage; never a credential
    watermark: str  # the channel's watermark once this item (and every earlier one) is stored


@dataclass(frozen=True)
class Delivered:
    """One file as the source delivered it: an API response (a page of it), a remote file, an attachment."""

    file_name: str  # deterministic: the same item fetched again gets the same name
    content: bytes
    request: str  # the exact request (URL without credentials, remote path, message and part)


class Connector(Protocol):
    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        """The items up to and including `period` (YYYY-MM) that lie past each channel's watermark, oldest first."""
        ...

    def fetch(self, item: Item) -> list[Delivered]: ...

    def taken(self, item: Item) -> None:
        """Mark at the source that the item is stored (an IMAP flag); nothing where the source keeps no marks."""
        ...

    def close(self) -> None: ...
