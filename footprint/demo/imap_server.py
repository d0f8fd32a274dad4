"""A real IMAP server on loopback for the demo and the tests: pymap with its maildir backend in a temporary folder.

The pull connector is shown and tested against a server that speaks the protocol (SEARCH, FETCH,
STORE of keywords, UIDVALIDITY) rather than a mock of the client library. pymap runs as a child
process of the same Python (what its `pymap` console script runs, `pymap.main:main`), plain IMAP on
127.0.0.1 only, one user. The maildir backend, not pymap's in-memory one: only maildir keeps keywords
(those listed in the mailbox's `dovecot-keywords` file), and the connector marks what it took with one.
Everything is deleted when the server stops.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from imap_tools import MailBoxUnencrypted

LOOPBACK: Final = "127.0.0.1"
START_TIMEOUT_S: Final = 20.0
STOP_TIMEOUT_S: Final = 5.0
KEYWORDS: Final = ("$FootprintTaken",)
# pymap ships no `python -m pymap`. The child writes the user's passwd and shadow lines (the password hashed
# with pysasl, pymap's own dependency, cheaply: a demo login need not cost half a second) and the INBOX's
# keyword file, then runs what the `pymap` console script runs. The password comes in the environment.
_ENTRY_POINT: Final = """
import os, sys
from pysasl.hashing import BuiltinHash
from pymap.main import main
base, user, keywords = sys.argv.pop(1), sys.argv.pop(1), sys.argv.pop(1).split()
inbox = os.path.join(base, "mail")
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(inbox, sub))
with open(os.path.join(base, "pymap-etc-passwd"), "w") as out:
    out.write(f"{user}:x::::mail:\\n")
with open(os.path.join(base, "pymap-etc-shadow"), "w") as out:
    out.write(f"{user}:{BuiltinHash(rounds=1000).hash(os.environ.pop('FOOTPRINT_DEMO_IMAP_PASSWORD'))}\\n")
with open(os.path.join(inbox, "dovecot-keywords"), "w") as out:
    out.writelines(f"{i} {keyword}\\n" for i, keyword in enumerate(keywords))
sys.exit(main())
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def _greets(port: int) -> bool:
    """True once the server accepts a connection and sends its IMAP greeting."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0) as conn:
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def serve(username: str, password: str) -> Iterator[tuple[str, int]]:
    """Run pymap on a free loopback port with one user; yields (host, port) once it greets, stops it after."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="footprint-imap-") as base, tempfile.TemporaryFile() as log:
        command = [sys.executable, "-c", _ENTRY_POINT, base, username, " ".join(KEYWORDS),
                   "--host", LOOPBACK, "--port", str(port), "--no-tls", "maildir", base]
        environment = {**os.environ, "FOOTPRINT_DEMO_IMAP_PASSWORD": password}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=environment)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _greets(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    said = log.read().decode(errors="replace").strip().splitlines()
                    raise RuntimeError(f"pymap did not start on {LOOPBACK}:{port}: {said[-1] if said else 'no output'}")
                time.sleep(0.05)
            yield LOOPBACK, port
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def deliver(host: str, port: int, username: str, password: str, message_bytes: bytes, mailbox: str = "INBOX",
            internal_date: dt.datetime | None = None) -> int:
    """APPEND one message (as a mail server would deliver it) and return its UID; `internal_date` (aware) sets
    its INTERNALDATE, the month the connector files it under."""
    with MailBoxUnencrypted(host, port, timeout=10).login(username, password, initial_folder=None) as box:
        if not box.folder.exists(mailbox):
            box.folder.create(mailbox)
        _, said = box.append(message_bytes, mailbox, dt=internal_date)
    appended = re.search(rb"APPENDUID \d+ (\d+)", said[0] or b"")
    if appended is None:
        raise RuntimeError(f"the IMAP server on {host}:{port} did not say which UID it gave the message")
    return int(appended[1])
