"""The IMAP connector: attachments of e-mails from the listed senders or sent to the listed address.

One item per message, keyed by the mailbox's UIDVALIDITY and the message's UID, filed under the month
of its INTERNALDATE (when the server received it) in Europe/Amsterdam. The server's SEARCH narrows to the
senders or address, UIDs past the watermark, and messages without the `$FootprintTaken` keyword; the
addresses are then checked exactly (SEARCH FROM matches any substring) and the attachments against the
source's globs. Nothing here sets \\Seen (every read is BODY.PEEK). `taken` stores the keyword so people
sharing the mailbox see what was taken; where the server keeps no keywords the pull ledger alone decides
and `warnings` says so.

imap-tools parses no BODYSTRUCTURE, so listing reads the candidate messages whole (BODY.PEEK[]) to see
their attachments; the search has already cut them down to new mail from the listed senders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import imaplib
import re
import ssl
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from imap_tools import (
    AND,
    OR,
    BaseMailBox,
    MailBox,
    MailBoxStartTls,
    MailBoxUnencrypted,
    MailMessage,
    UidRange,
)
from imap_tools.errors import (
    MailboxLoginError,
    MailboxStarttlsError,
    UnexpectedCommandStatusError,
)

from footprint.config.pull import ImapSource
from footprint.pull.connector import CredentialError, Delivered, Item, SourceError
from footprint.pull.secrets import Secret
from footprint.schemas import LOCAL_TZ

TAKEN_KEYWORD: Final = "$FootprintTaken"
PERIOD_ZONE: Final = ZoneInfo(LOCAL_TZ)
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_ATTEMPTS: Final = 4
UIDS_PER_FETCH: Final = 500
MAX_NAME_CHARS: Final = 120
# A dropped or refused connection (socket errors, TLS errors, a server hanging up mid-command): worth retrying.
CONNECTION_ERRORS: Final = (OSError, imaplib.IMAP4.abort)
_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FETCHED_UID: Final = re.compile(r"UID (\d+)")
_FETCHED_DATE: Final = re.compile(r'INTERNALDATE "([^"]+)"')
_DATE: Final = re.compile(r"\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\s*")

T = TypeVar("T")


def period_of(internal_date: str) -> str:
    """The YYYY-MM in Europe/Amsterdam of an IMAP INTERNALDATE ("31-Jan-2026 23:30:00 +0000" is 2026-02)."""
    parts = _DATE.fullmatch(internal_date)
    if parts is None or parts[2].lower() not in _MONTHS:
        raise ValueError(f"INTERNALDATE {internal_date!r} is not dd-Mon-yyyy hh:mm:ss +zzzz")
    day, month, year, hour, minute, second, sign, offset_h, offset_min = parts.groups()
    offset = dt.timedelta(hours=int(offset_h), minutes=int(offset_min)) * (-1 if sign == "-" else 1)
    moment = dt.datetime(int(year), _MONTHS.index(month.lower()) + 1, int(day), int(hour), int(minute), int(second),
                         tzinfo=dt.timezone(offset))
    return moment.astimezone(PERIOD_ZONE).strftime("%Y-%m")


def file_name(uid: int, position: int, original: str) -> str:
    """`<uid>_<n>_<name>`: the attachment's own name without any path, odd characters as `_`, extension kept."""
    name = unicodedata.normalize("NFKC", re.split(r"[/\\]", original)[-1])
    name = re.sub(r"[^\w.\-]+", "_", name).strip("_ ") or "attachment"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        name = stem[:MAX_NAME_CHARS - len(extension) - 1] + dot + extension if dot else name[:MAX_NAME_CHARS]
    return f"{uid}_{position}_{name}"


def _shut(box: BaseMailBox) -> None:
    """Close the socket of a session that is refused or broken: no LOGOUT to a server that may be gone."""
    with contextlib.suppress(OSError):
        box.client.shutdown()


def _address(text: str) -> str:
    return (parseaddr(text)[1] or text).strip().lower()


@dataclass
class ImapConnector:
    """One logged-in session on the source's mailbox; reconnects (with backoff) when the connection drops."""

    source: ImapSource
    secret: Secret
    attempts: int = DEFAULT_ATTEMPTS
    backoff_s: float = 1.0
    warnings: list[str] = field(default_factory=list)
    _username: str = field(default="", repr=False)
    _password: str = field(default="", repr=False)
    _box: BaseMailBox | None = field(default=None, init=False, repr=False)
    _uidvalidity: int = field(default=0, init=False)
    _keywords_kept: bool = field(default=True, init=False)

    @property
    def _where(self) -> str:
        return f"pull source {self.source.name}: imap {self.source.host}:{self.source.port} {self.source.mailbox}"

    def _new_mailbox(self) -> BaseMailBox:
        source = self.source
        if source.security == "tls":
            return MailBox(source.host, source.port, timeout=source.timeout_s, ssl_context=ssl.create_default_context())
        if source.security == "starttls":
            if source.port == 993:
                raise SourceError(f"{self._where}: port 993 speaks TLS from the start; use security tls, or starttls "
                                  f"on port 143")
            return MailBoxStartTls(source.host, source.port, timeout=source.timeout_s,
                                   ssl_context=ssl.create_default_context())
        return MailBoxUnencrypted(source.host, source.port, timeout=source.timeout_s)

    def _open(self) -> BaseMailBox:
        """Connect, log in and select the mailbox once: CredentialError when refused, connection errors raised."""
        try:
            box = self._new_mailbox()
        except ssl.SSLCertVerificationError as exc:
            raise SourceError(f"{self._where}: the server's certificate is not trusted ({exc.verify_message})") from None
        except MailboxStarttlsError:
            raise SourceError(f"{self._where}: the server refuses STARTTLS") from None
        try:
            if (self._username + self._password).isascii():
                box.login(self._username, self._password, initial_folder=None)
            else:
                box.login_utf8(self._username, self._password, initial_folder=None)
        except CONNECTION_ERRORS:
            _shut(box)
            raise
        except (MailboxLoginError, imaplib.IMAP4.error):
            _shut(box)
            raise CredentialError(
                f"{self._where}: the server refused the username and password; check secret {self.secret.name}") from None
        try:
            box.folder.set(self.source.mailbox)
        except UnexpectedCommandStatusError:
            _shut(box)
            raise SourceError(f"{self._where}: no such mailbox (or it cannot be selected)") from None
        uidvalidity = box.client.response("UIDVALIDITY")[1][0]
        if not uidvalidity or not uidvalidity.isdigit():
            _shut(box)
            raise SourceError(f"{self._where}: the server gave no UIDVALIDITY on SELECT")
        self._uidvalidity = int(uidvalidity)
        permanent = box.client.response("PERMANENTFLAGS")[1][0]
        kept = permanent is None or b"\\*" in permanent or TAKEN_KEYWORD.lower().encode() in permanent.lower()
        if not kept and self._keywords_kept:
            self.warnings.append(f"{self._where}: the server keeps no keyword {TAKEN_KEYWORD}; taken mail is not "
                                 f"marked in the mailbox, the pull ledger alone remembers it")
        self._keywords_kept = kept
        return box

    def _retrying(self, what: str, operation: Callable[[BaseMailBox], T]) -> T:
        """Run one operation on a live session, reconnecting after a lost connection; SourceError when it stays lost."""
        reason = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                if self._box is None:
                    self._box = self._open()
                return operation(self._box)
            except CONNECTION_ERRORS as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self._drop()
            except (UnexpectedCommandStatusError, imaplib.IMAP4.error) as exc:
                said = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                raise SourceError(f"{self._where}: {what} failed: {said}") from None
        raise SourceError(f"{self._where}: {what} failed after {self.attempts} attempts: {reason}")

    def _drop(self) -> None:
        if self._box is not None:
            _shut(self._box)
            self._box = None

    def _after_uid(self, watermark: str | None) -> int:
        """The UID the watermark stands at; 0 (all mail) without one or when the mailbox's UIDVALIDITY changed."""
        if not watermark:
            return 0
        uidvalidity, _, uid = watermark.partition(":")
        if not (uidvalidity.isdigit() and uid.isdigit()):
            raise SourceError(f"{self._where}: watermark {watermark!r} is not UIDVALIDITY:UID")
        return int(uid) if int(uidvalidity) == self._uidvalidity else 0

    def _criteria(self, after_uid: int) -> str:
        """New mail of the listed senders (or to the address) past the watermark; from `start` on without one.

        The taken keyword is not a criterion: the ledger alone says what this source took, so two sources
        may take from one mailbox and a new warehouse takes again; the keyword is for the people sharing it.
        """
        whose = OR(from_=self.source.senders or None, to=self.source.to)
        since = ({"date_gte": dt.date.fromisoformat(f"{self.source.start}-01")}
                 if after_uid == 0 and self.source.start else {})
        return str(AND(whose, uid=UidRange(str(after_uid + 1), "*"), **since))

    def _periods(self, box: BaseMailBox, uids: list[int]) -> dict[int, str]:
        periods: dict[int, str] = {}
        for start in range(0, len(uids), UIDS_PER_FETCH):
            chunk = ",".join(str(uid) for uid in uids[start:start + UIDS_PER_FETCH])
            status, lines = box.client.uid("FETCH", chunk, "(UID INTERNALDATE)")
            if status != "OK":
                raise UnexpectedCommandStatusError(f"UID FETCH INTERNALDATE answered {status}")
            for line in lines:
                text = (line[0] if isinstance(line, tuple) else line or b"").decode(errors="replace")
                uid, date = _FETCHED_UID.search(text), _FETCHED_DATE.search(text)
                if uid is not None and date is not None:
                    try:
                        periods[int(uid[1])] = period_of(date[1])
                    except ValueError as exc:
                        raise UnexpectedCommandStatusError(f"message uid {uid[1]}: {exc}") from None
        return periods

    def _wanted(self, message: MailMessage) -> bool:
        senders = {_address(sender) for sender in self.source.senders}
        to = _address(self.source.to) if self.source.to else None
        return (message.from_values is not None and message.from_values.email.lower() in senders) or (
            to is not None and to in {value.email.lower() for value in message.to_values})

    def _attachments(self, message: MailMessage) -> list[tuple[int, str, bytes]]:
        """(position, name, bytes) of the attachments whose name matches one of the source's globs."""
        patterns = [pattern.lower() for pattern in self.source.attachments]
        return [(position, attachment.filename, attachment.payload)
                for position, attachment in enumerate(message.attachments, start=1)
                if attachment.filename
                and any(fnmatch.fnmatchcase(attachment.filename.lower(), pattern) for pattern in patterns)]

    def _message(self, box: BaseMailBox, uid: int) -> MailMessage | None:
        return next(box.fetch(uid_list=[str(uid)], mark_seen=False), None)

    def _list(self, box: BaseMailBox, period: str, watermark: str | None) -> list[Item]:
        after_uid = self._after_uid(watermark)
        criteria = self._criteria(after_uid)
        found = box.uids(criteria, charset=None if criteria.isascii() else "UTF-8")
        uids = sorted(uid for uid in (int(text) for text in found) if uid > after_uid)
        periods = self._periods(box, uids)
        waiting = [uid for uid in uids if periods.get(uid, period) > period]
        # A message left for a later month holds the watermark back, so it is listed when its month comes.
        held_at = waiting[0] - 1 if waiting else None
        items = []
        for uid in uids:
            message = self._message(box, uid) if uid in periods and periods[uid] <= period else None
            if message is None or not self._wanted(message) or not self._attachments(message):
                continue
            items.append(Item(
                key=f"{self._uidvalidity}:{uid}", channel=self.source.mailbox, period=periods[uid],
                request=f"imap {self.source.host} {self.source.mailbox} uid {uid}",
                watermark=f"{self._uidvalidity}:{uid if held_at is None else min(uid, held_at)}"))
        return items

    def _uid_of(self, item: Item) -> int:
        uidvalidity, _, uid = item.key.partition(":")
        if int(uidvalidity) != self._uidvalidity:
            raise SourceError(f"{self._where}: UIDVALIDITY changed since message {item.key} was listed; run again")
        return int(uid)

    def _fetch(self, box: BaseMailBox, item: Item) -> list[Delivered]:
        uid = self._uid_of(item)
        message = self._message(box, uid)
        if message is None:
            raise SourceError(f"{self._where}: message uid {uid} is no longer in the mailbox")
        return [Delivered(file_name(uid, position, name), content,
                          request=f"imap {self.source.host} {self.source.mailbox} uid {uid} part {position}")
                for position, name, content in self._attachments(message)]

    def _mark(self, box: BaseMailBox, item: Item) -> None:
        if not self._keywords_kept:
            return
        uid = self._uid_of(item)
        # Not imap-tools' flag(): it EXPUNGEs after storing, deleting mail others marked \Deleted.
        status, _ = box.client.uid("STORE", str(uid), "+FLAGS.SILENT", f"({TAKEN_KEYWORD})")
        if status != "OK":
            self._keywords_kept = False
            self.warnings.append(f"{self._where}: the server did not store keyword {TAKEN_KEYWORD} "
                                 f"({status}); the pull ledger alone remembers what was taken")

    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        return self._retrying("listing", lambda box: self._list(box, period, watermarks.get(self.source.mailbox)))

    def fetch(self, item: Item) -> list[Delivered]:
        return self._retrying(f"fetching {item.request}", lambda box: self._fetch(box, item))

    def taken(self, item: Item) -> None:
        self._retrying(f"marking {item.request} taken", lambda box: self._mark(box, item))

    def close(self) -> None:
        if self._box is not None:
            try:
                self._box.logout()
            except (*CONNECTION_ERRORS, UnexpectedCommandStatusError, imaplib.IMAP4.error):
                pass
            self._box = None


def connect(source: ImapSource, secret: Secret, *, attempts: int = DEFAULT_ATTEMPTS,
            backoff_s: float = 1.0) -> ImapConnector:
    """Log in and select the mailbox: a refused login is a CredentialError now, not halfway through a run."""
    connector = ImapConnector(source, secret, attempts=attempts, backoff_s=backoff_s,
                              _username=secret.field("username"), _password=secret.field("password"))
    if source.security == "none" and source.host.lower() not in LOOPBACK_HOSTS:
        connector.warnings.append(f"pull source {source.name}: security none sends the password for {source.host} "
                                  f"in clear text; use tls or starttls")
    connector._retrying("connecting", lambda box: None)
    return connector
