"""Real servers on loopback for the delivery tests: free ports and aiosmtpd SMTP servers."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_servers() -> Iterator[Callable[..., int]]:
    """`start(handler, **controller_options) -> port` runs an aiosmtpd server; all are stopped on exit."""
    controllers: list[Controller] = []

    def start(handler: Any, **options: Any) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return port

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()
