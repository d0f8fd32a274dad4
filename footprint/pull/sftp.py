"""A provider's SFTP drop (fuel-card transaction files): the new regular files of one remote folder.

An item is one remote file as listed, keyed `name:size:mtime`, so a file replaced under the same
name is a new item (its fetched copy replaces the old one in the inbox: a corrected file). Its month
is a YYYY-MM, YYYYMM or YYYY_MM in the name when the name holds exactly one such month, otherwise the
month of the file's modification time in Europe/Amsterdam. Files of a later month than the run's wait
for a later run, and the folder's watermark (the UTC modification time of the last file taken) never
passes a waiting file, so it is listed again when its month comes.

The server's host key is checked against known_hosts (paramiko's RejectPolicy) unless the source
switches checking off; then every run warns. Connecting is retried with backoff; an SFTP drop is the
provider's, so nothing is deleted or marked there.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import logging
import posixpath
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

import paramiko

from footprint.config.pull import SftpSource
from footprint.pull.connector import CredentialError, Delivered, Item, SourceError
from footprint.pull.secrets import Secret
from footprint.schemas import LOCAL_TZ

PERIOD_ZONE: Final = ZoneInfo(LOCAL_TZ)  # the month of a file's modification time is told here
DEFAULT_KNOWN_HOSTS: Final = "~/.ssh/known_hosts"
DEFAULT_ATTEMPTS: Final = 4
# Names of files still being written by the provider's upload (or a client's download) are left alone.
PARTIAL_SUFFIXES: Final = (".part", ".partial", ".tmp", ".temp", ".filepart", ".crdownload", "~")
# A month in a file name: 2026-01, 202601 or 2026_01, not part of a longer number (20260115 is no month).
MONTH_IN_NAME: Final = re.compile(r"(?<!\d)(20\d\d)[-_]?(0[1-9]|1[0-2])(?!\d)")
# Characters that are no part of a safe file name on any system the inbox may live on.
UNSAFE_IN_NAME: Final = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# ssh-keyscan -t takes these names for a host key's type.
KEYSCAN_TYPES: Final = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa"}

T = TypeVar("T")

# paramiko's own log of the SSH exchange: it repeats, with tracebacks, what the connector's one-line error
# says, so it is quiet unless an operator lowers this logger's level to DEBUG to watch the exchange.
SSH_LOG: Final = f"{__name__}.ssh"
logging.getLogger(SSH_LOG).setLevel(logging.CRITICAL)


class _Lost(Exception):
    """The connection could not be made or broke: worth another attempt."""


class _UnknownHostKey(Exception):
    def __init__(self, key: paramiko.PKey) -> None:
        super().__init__(key.get_name())
        self.key = key


class _Refuse(paramiko.RejectPolicy):
    """RejectPolicy that keeps the refused key, for a message a person can act on."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise _UnknownHostKey(key)


class _Accept(paramiko.MissingHostKeyPolicy):
    """host_key_checking: false: any key, written nowhere; the connector warns instead."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        return None


# Failures of a connection (not of a request on it): another attempt may succeed.
_TRANSIENT: Final = (_Lost, ConnectionError, TimeoutError, EOFError, paramiko.SSHException)


@dataclass(frozen=True)
class _Remote:
    name: str
    size_bytes: int
    mtime_s: int  # seconds since the epoch, as SFTP reports it

    @property
    def key(self) -> str:
        return f"{self.name}:{self.size_bytes}:{self.mtime_s}"


def month_in_name(name: str) -> str | None:
    """The one month a file name states (YYYY-MM), or None when it states none or several."""
    months = {f"{m[1]}-{m[2]}" for m in MONTH_IN_NAME.finditer(name)}
    return months.pop() if len(months) == 1 else None


def file_period(name: str, mtime_s: int) -> str:
    return month_in_name(name) or dt.datetime.fromtimestamp(mtime_s, PERIOD_ZONE).strftime("%Y-%m")


def utc_iso(mtime_s: int) -> str:
    return dt.datetime.fromtimestamp(mtime_s, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_file_name(name: str) -> str:
    """The remote name as an inbox file name: unsafe characters become '_', no leading dot, extension kept."""
    cleaned = UNSAFE_IN_NAME.sub("_", name).strip().lstrip(".").rstrip(". ")
    return cleaned or "file"


def fingerprint(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {key.fingerprint}"


def _private_key(secret: Secret, text: str) -> paramiko.PKey:
    passphrase = secret.optional("passphrase")
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException as exc:
            raise CredentialError(f"pull source {secret.source}: the private_key of secret {secret.name} is "
                                  "encrypted; add its passphrase to the secret") from exc
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    raise CredentialError(f"pull source {secret.source}: the private_key of secret {secret.name} is no readable "
                          "Ed25519, ECDSA or RSA key (PEM or OpenSSH text), or its passphrase is wrong")


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__


@dataclass
class SftpConnector:
    """One SFTP source's connection, opened at the first request; attempts and backoff_s are settings."""

    source: SftpSource
    secret: Secret
    username: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    pkey: paramiko.PKey | None = field(default=None, repr=False)
    attempts: int = DEFAULT_ATTEMPTS
    backoff_s: float = 1.0  # waits 1, 2, 4 s ... between attempts
    warnings: list[str] = field(default_factory=list)
    _client: paramiko.SSHClient | None = field(default=None, init=False, repr=False)
    _sftp: paramiko.SFTPClient | None = field(default=None, init=False, repr=False)

    @property
    def where(self) -> str:
        return f"{self.source.host}:{self.source.port}"

    @property
    def known_hosts(self) -> Path:
        return Path(self.source.known_hosts or DEFAULT_KNOWN_HOSTS).expanduser()

    def _path(self, name: str) -> str:
        return name if self.source.folder in (".", "") else posixpath.join(self.source.folder, name)

    def _request(self, name: str) -> str:
        path = self._path(name)
        return f"sftp://{self.where}{path if path.startswith('/') else '/~/' + path}"

    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        """Every matching file of the folder up to the run's month: the ledger's keys (name, size, time) say
        which were taken, so a file uploaded late with its original time (put -p, rsync -t) is still new.
        The watermark (the time of the last file taken) is kept for --status only."""
        channel = self.source.folder
        entries = self._retrying(f"listing folder {channel!r}", lambda sftp: sftp.listdir_attr(channel))
        files = sorted((f for f in map(self._wanted, entries) if f is not None), key=lambda f: (f.mtime_s, f.name))
        dated = [(f, file_period(f.name, f.mtime_s)) for f in files]
        if self.source.start is not None:
            dated = [(f, month) for f, month in dated if month >= self.source.start]
        # A file waiting for a later month keeps the watermark at its time, so the next runs list it again.
        hold_s = min((f.mtime_s for f, month in dated if month > period), default=None)
        return [Item(key=f.key, channel=channel, period=month, request=self._request(f.name),
                     watermark=utc_iso(f.mtime_s if hold_s is None else min(f.mtime_s, hold_s)))
                for f, month in dated if month <= period]

    def _wanted(self, entry: paramiko.SFTPAttributes) -> _Remote | None:
        """A regular, finished, matching file with a size and a time; links, folders and dot-files are not."""
        name = entry.filename
        if (entry.st_mode is None or not stat.S_ISREG(entry.st_mode) or entry.st_size is None
                or entry.st_mtime is None or name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES)):
            return None
        if not any(fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in self.source.files):
            return None
        return _Remote(name, int(entry.st_size), int(entry.st_mtime))

    def fetch(self, item: Item) -> list[Delivered]:
        name, size, mtime = item.key.rsplit(":", 2)
        listed = _Remote(name, int(size), int(mtime))
        path = self._path(name)

        def download(sftp: paramiko.SFTPClient) -> tuple[bytes, paramiko.SFTPAttributes]:
            with sftp.open(path, "rb") as remote:
                remote.prefetch(listed.size_bytes)
                content = remote.read()
            return content, sftp.stat(path)

        content, after = self._retrying(f"downloading {path!r}", download)
        if len(content) != listed.size_bytes or after.st_size != listed.size_bytes or after.st_mtime != listed.mtime_s:
            raise SourceError(
                f"pull source {self.source.name}: {path!r} on {self.where} changed while it was downloaded "
                f"(listed {listed.size_bytes} bytes of {utc_iso(listed.mtime_s)}, read {len(content)} bytes, now "
                f"{after.st_size} bytes of {utc_iso(int(after.st_mtime or 0))}); the next run takes the new version")
        return [Delivered(safe_file_name(name), content, item.request)]

    def taken(self, item: Item) -> None:
        """Nothing: the drop is the provider's; the ledger remembers what was taken."""

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None

    def _retrying(self, what: str, request: Callable[[paramiko.SFTPClient], T]) -> T:
        """The request on an open connection; a lost or refused connection is opened again after a backoff."""
        last: BaseException | None = None
        for attempt in range(max(1, self.attempts)):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                return request(self._open())
            except _TRANSIENT as exc:
                self.close()
                last = exc
            except (OSError, paramiko.SFTPError) as exc:  # an SFTP status: no such file, permission denied
                raise SourceError(f"pull source {self.source.name}: {what} on {self.where} failed: "
                                  f"{_reason(exc)}") from exc
        raise SourceError(f"pull source {self.source.name}: {what} on {self.where} failed after {self.attempts} "
                          f"attempt(s): {_reason(last) if last else 'no attempt'}")

    def _open(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        client = paramiko.SSHClient()
        client.set_log_channel(SSH_LOG)
        if self.source.host_key_checking:
            self._load_known_hosts(client)
            client.set_missing_host_key_policy(_Refuse())
        else:
            client.set_missing_host_key_policy(_Accept())
        timeout_s = self.source.timeout_s
        try:
            client.connect(
                self.source.host, self.source.port, username=self.username, password=self.password, pkey=self.pkey,
                look_for_keys=False, allow_agent=False, timeout=timeout_s, banner_timeout=timeout_s,
                auth_timeout=timeout_s, channel_timeout=timeout_s)
            sftp = client.open_sftp()
        except _UnknownHostKey as exc:
            client.close()
            raise SourceError(self._unknown_key(exc.key)) from None
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise SourceError(self._changed_key(exc.key, exc.expected_key)) from None
        except paramiko.AuthenticationException as exc:
            client.close()
            raise CredentialError(f"pull source {self.source.name}: {self.where} refused the login "
                                  f"({_reason(exc)}); check secret {self.secret.name}") from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            client.close()
            raise _Lost(f"cannot connect: {_reason(exc)}") from exc
        sftp.get_channel().settimeout(timeout_s)
        transport = client.get_transport()
        if not self.source.host_key_checking and transport is not None:
            self._warn(transport.get_remote_server_key())
        self._client, self._sftp = client, sftp
        return sftp

    def _load_known_hosts(self, client: paramiko.SSHClient) -> None:
        """Read known_hosts (never written: a key is added by a person); a missing file knows no host."""
        if not self.known_hosts.is_file():
            return
        try:
            client.load_system_host_keys(str(self.known_hosts))
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise SourceError(f"pull source {self.source.name}: known_hosts {self.known_hosts} cannot be read: "
                              f"{_reason(exc)}") from exc

    @property
    def host_entry(self) -> str:
        """The host as known_hosts names it: the bare name on port 22, [name]:port elsewhere."""
        return self.source.host if self.source.port == 22 else f"[{self.source.host}]:{self.source.port}"

    def _keyscan(self, key: paramiko.PKey) -> str:
        kind = KEYSCAN_TYPES.get(key.get_name(), "ecdsa" if key.get_name().startswith("ecdsa") else key.get_name())
        return f"ssh-keyscan -p {self.source.port} -t {kind} {self.source.host} >> {self.known_hosts}"

    def _unknown_key(self, key: paramiko.PKey) -> str:
        state = "" if self.known_hosts.is_file() else " (the file does not exist)"
        return (f"pull source {self.source.name}: the host key of {self.where} ({fingerprint(key)}) is not in "
                f"known_hosts {self.known_hosts}{state}; once a person has checked that fingerprint with the "
                f"provider, add it: {self._keyscan(key)}")

    def _changed_key(self, key: paramiko.PKey, expected: paramiko.PKey) -> str:
        return (f"pull source {self.source.name}: the host key of {self.where} CHANGED: the server shows "
                f"{fingerprint(key)}, known_hosts {self.known_hosts} has {fingerprint(expected)}; nothing was "
                f"fetched. Only if the provider confirms the new key, remove the old line (ssh-keygen -R "
                f"'{self.host_entry}' -f {self.known_hosts}) and add it: {self._keyscan(key)}")

    def _warn(self, key: paramiko.PKey) -> None:
        warning = (f"pull source {self.source.name}: host-key checking is off, so the key of {self.where} "
                   f"({fingerprint(key)}) was not verified and the server may not be the provider's; set "
                   "host_key_checking: true and add the key to known_hosts")
        if warning not in self.warnings:
            self.warnings.append(warning)


def connect(source: SftpSource, secret: Secret) -> SftpConnector:
    """The source's connector; the secret's fields are read now, the connection is made at the first listing."""
    username = secret.field("username")
    private_key = secret.optional("private_key")
    if private_key is not None:
        return SftpConnector(source, secret, username, password=secret.optional("password"),
                             pkey=_private_key(secret, private_key))
    return SftpConnector(source, secret, username, password=secret.field("password"))
