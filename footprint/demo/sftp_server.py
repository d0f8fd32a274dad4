"""A real, read-only SFTP server on loopback over a local folder: the fuel-card provider's drop of the demo and tests.

paramiko's server mode speaks SSH and SFTP; this module only maps paths into the folder (refusing '..'
and links that lead outside it), lists with the files' own size, mode and times, and refuses writing.
Each `serve` has a fresh Ed25519 host key and one user with a password (and optionally a public key).
"""

from __future__ import annotations

import hmac
import io
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Flags of an SFTP open that would change the folder.
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# The server side's SSH log: a client refusing the host key or dropping the line is what the demo shows.
SSH_LOG = f"{__name__}.ssh"
logging.getLogger(SSH_LOG).setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class ServerInfo:
    host: str
    port: int
    host_key_line_for_known_hosts: str  # "[127.0.0.1]:PORT ssh-ed25519 AAAA...", as ssh-keyscan writes it


def new_host_key() -> paramiko.Ed25519Key:
    text = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    return paramiko.Ed25519Key.from_private_key(io.StringIO(text.decode("ascii")))


class _Login(paramiko.ServerInterface):
    def __init__(self, username: str, password: str, public_key: paramiko.PKey | None) -> None:
        self.username, self.password, self.public_key = username, password, public_key

    def get_allowed_auths(self, username: str) -> str:
        return "password,publickey" if self.public_key is not None else "password"

    def check_auth_password(self, username: str, password: str) -> int:
        same = hmac.compare_digest(username.encode(), self.username.encode()) & hmac.compare_digest(
            password.encode(), self.password.encode())
        return paramiko.AUTH_SUCCESSFUL if same else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        same = username == self.username and self.public_key is not None and key == self.public_key
        return paramiko.AUTH_SUCCESSFUL if same else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> paramiko.SFTPAttributes | int:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _Folder(paramiko.SFTPServerInterface):
    """SFTP requests on the served folder; every path is relative to it ('/' is the folder itself)."""

    def __init__(self, server: paramiko.ServerInterface, root: Path) -> None:
        super().__init__(server)
        self.root = root.resolve()

    def _local(self, path: str, follow: bool = True) -> Path | None:
        """The local path of a remote one, or None when it would lie outside the folder."""
        parts = PurePosixPath(path).parts
        if ".." in parts:
            return None
        local = self.root.joinpath(*(p for p in parts if p not in ("/", ".")))
        seen = local.resolve() if follow else local.parent.resolve() / local.name
        return local if seen == self.root or seen.is_relative_to(self.root) else None

    def _attributes(self, path: str, follow: bool) -> paramiko.SFTPAttributes | int:
        local = self._local(path, follow)
        if local is None:
            return paramiko.SFTP_PERMISSION_DENIED
        try:
            found = local.stat() if follow else local.lstat()
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        attributes = paramiko.SFTPAttributes.from_stat(found)
        attributes.filename = local.name
        return attributes

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        return self._attributes(path, follow=True)

    def lstat(self, path: str) -> paramiko.SFTPAttributes | int:
        return self._attributes(path, follow=False)

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        local = self._local(path)
        if local is None:
            return paramiko.SFTP_PERMISSION_DENIED
        try:
            names = sorted(os.listdir(local))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        listed = []
        for name in names:
            attributes = paramiko.SFTPAttributes.from_stat((local / name).lstat(), name)
            listed.append(attributes)
        return listed

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
        local = self._local(path)
        if local is None or flags & _WRITING:
            return paramiko.SFTP_PERMISSION_DENIED
        try:
            readfile = local.open("rb")
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        handle = _Handle(flags)
        handle.readfile = readfile
        handle.filename = str(local)
        return handle


@contextmanager
def serve(root: Path, username: str, password: str, *, public_key: paramiko.PKey | None = None,
          ) -> Iterator[ServerInfo]:
    """An SFTP server on 127.0.0.1 (a free port) serving root read-only until the block ends."""
    host_key = new_host_key()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()
    transports: list[paramiko.Transport] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            transport = paramiko.Transport(conn)
            transport.set_log_channel(SSH_LOG)
            transport.add_server_key(host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Folder, Path(root))
            transports.append(transport)
            transport.start_server(event=threading.Event(), server=_Login(username, password, public_key))

    thread = threading.Thread(target=accept, name=f"sftp-demo-{port}", daemon=True)
    thread.start()
    try:
        yield ServerInfo("127.0.0.1", port, f"[127.0.0.1]:{port} {host_key.get_name()} {host_key.get_base64()}")
    finally:
        stop.set()
        thread.join()
        listener.close()
        for transport in transports:
            transport.close()
