"""Which module opens a connector of each `kind:` in footprint.yaml's pull section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from footprint.config.pull import PullSource
from footprint.pull import energiemissie, imap, meetbedrijf, meterbeheer_hub, sftp
from footprint.pull.connector import Connector
from footprint.pull.secrets import Secret

OPENERS: Final[dict[str, Callable[[Any, Secret], Connector]]] = {
    "meetbedrijf": meetbedrijf.connect,
    "energiemissie": energiemissie.connect,
    "meterbeheer_hub": meterbeheer_hub.connect,
    "sftp": sftp.connect,
    "imap": imap.connect,
}


def open_connector(source: PullSource, secret: Secret) -> Connector:
    return OPENERS[source.kind](source, secret)
