"""footprint.yaml's `pull:` section: the places a month's data is fetched from, and the secret each one needs.

A source names its kind, what it covers (meters, a remote folder, senders) and the NAME of the secret
holding its credentials: the secret itself is an environment variable of that name or a Prefect Secret
block, never a value in footprint.yaml. Fetched files land in the inbox under `<name>/YYYY-MM/`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from footprint.config.common import Month, Strict
from footprint.ean import ean_problem

# A source's name is its inbox folder and its key in the warehouse's pull ledger.
SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# An environment variable's name (and a Prefect Secret block's, lower-cased with - for _).
SECRET_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"

Name = Annotated[str, Field(pattern=SOURCE_NAME, description="the inbox folder and ledger key of the source")]
SecretName = Annotated[str, Field(pattern=SECRET_NAME, description="environment variable or Prefect Secret block")]


class _Source(Strict):
    name: Name
    secret: SecretName
    # The first month to fetch when nothing was pulled before (YYYY-MM); later runs go on from the watermark.
    start: Month | None = None
    timeout_s: Annotated[float, Field(gt=0, le=600)] = 60.0


class MeteringApiSource(_Source):
    """A metering company's or energy portal's HTTP API: interval values per EAN and month."""

    kind: Literal["meetbedrijf", "energiemissie", "meterbeheer_hub"]
    # No user or password in the URL: credentials live in the secret, never in footprint.yaml.
    url: Annotated[str, Field(pattern=r"^https?://[^\s@/]+(/[^\s]*)?$")]
    eans: Annotated[list[str], Field(min_length=1)]
    # Requests per second this client makes at most (the provider's rate limit; Retry-After always wins).
    max_requests_per_s: Annotated[float, Field(gt=0, le=100)] = 5.0

    @field_validator("eans", mode="before")
    @classmethod
    def _eans(cls, value: object) -> object:
        if isinstance(value, list):
            for item in value:
                problem = ean_problem(str(item).strip())
                if problem is not None:
                    raise ValueError(f"EAN {problem}")
            return [str(item).strip() for item in value]
        return value


class SftpSource(_Source):
    """A provider's SFTP drop: new files in a remote folder (fuel-card transaction files)."""

    kind: Literal["sftp"]
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    folder: Annotated[str, Field(min_length=1)] = "."
    # Which remote files to take (glob, matched against the name).
    files: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] = ["*"]
    # The known_hosts file holding the server's host key (default ~/.ssh/known_hosts; a relative path is
    # relative to footprint.yaml). Host-key
    # checking is on unless explicitly switched off, and then every run says so.
    known_hosts: str | None = None
    host_key_checking: bool = True


class ImapSource(_Source):
    """A mailbox: attachments of e-mails from the listed senders, or sent to the listed address."""

    kind: Literal["imap"]
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    mailbox: Annotated[str, Field(min_length=1)] = "INBOX"
    senders: list[Annotated[str, Field(min_length=3)]] = []
    to: Annotated[str, Field(min_length=3)] | None = None
    # Which attachments to take (glob on the file name, ignoring case).
    attachments: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] = ["*"]

    @model_validator(mode="after")
    def _whose(self) -> ImapSource:
        """A mailbox source takes only what it is told to: every attachment in a mailbox is not data."""
        if not self.senders and self.to is None:
            raise ValueError("an imap source needs senders (a list of addresses) or to (the address mail is sent to)")
        return self


PullSource = Annotated[MeteringApiSource | SftpSource | ImapSource, Field(discriminator="kind")]
