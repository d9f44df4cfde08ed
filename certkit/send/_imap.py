"""The sending account's mailbox over IMAP (Gmail: imap.gmail.com:993, the same app password).

One connection code for everything certkit reads there: the Sent folder (settling Unknown rows)
and the inbox (bounces). Folders are always opened read-only (EXAMINE) and messages fetched with
BODY.PEEK, so certkit never marks, moves or deletes anyone's mail.
"""

from __future__ import annotations

import imaplib
import re
import ssl

from ..config import Event
from ..errors import AuthError, ConfigError, SendError
from ._credentials import get_password, keyring_service


def imap_quote(text: str) -> str:
    """An IMAP quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list(data: list) -> list[tuple[str, str]]:
    """(flags, name) of every mailbox in a LIST reply, names as the server spells them."""
    out = []
    for item in data:
        if not isinstance(item, bytes):
            continue
        m = re.match(rb'\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$', item)
        if not m:
            continue
        name = m["name"].decode("utf-8", "replace")
        if name.startswith('"') and name.endswith('"'):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        out.append((m["flags"].decode("ascii", "replace"), name))
    return out


class ImapAccount:
    """A logged-in IMAP connection; `examine` opens a folder read-only."""

    purpose = "read the mailbox"

    def __init__(self, host: str, port: int = 0, *, security: str = "ssl", username: str,
                 password: str, context: ssl.SSLContext | None = None, timeout: float = 30.0):
        if security not in ("ssl", "starttls", "none"):
            raise ConfigError(f"[transport] imap_security = '{security}' is unknown. Use ssl, "
                              "starttls or none.")
        self.host, self.security = host, security
        self.port = port or (993 if security == "ssl" else 143)
        self.context = context or ssl.create_default_context()
        self.where = where = f"{host}:{self.port}"
        try:
            if security == "ssl":
                self.conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, self.port, ssl_context=self.context,
                                                             timeout=timeout)
            else:
                self.conn = imaplib.IMAP4(host, self.port, timeout=timeout)
                if security == "starttls":
                    self.conn.starttls(ssl_context=self.context)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise SendError(f"Could not connect to {where} to {self.purpose} ({exc}).") from None
        try:
            self.conn.login(username, password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise AuthError(f"{where} refused the login to {self.purpose} ({exc}). Gmail "
                            "uses the same app password as for sending.") from None

    def folders(self) -> list[tuple[str, str]]:
        """(flags, name) of every folder."""
        typ, data = self.conn.list('""', "*")
        return parse_list(data if typ == "OK" else [])

    def examine(self, folder: str, setting: str) -> int:
        """Open `folder` read-only (EXAMINE); returns how many messages it holds."""
        typ, data = self.conn.select(imap_quote(folder), readonly=True)
        if typ != "OK":
            self.close()
            raise ConfigError(f"The folder '{folder}' on {self.where} cannot be opened ({data}). "
                              f"Set [transport] {setting} to the folder's name.")
        try:
            return int(data[0] or 0)
        except (TypeError, ValueError):
            return 0

    def call(self, what: str, *args: object) -> list:
        """One IMAP command (search, fetch, ...); its data, or SendError in words."""
        try:
            typ, data = getattr(self.conn, what)(*args)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise SendError(f"Reading the mailbox on {self.host} failed ({exc}).") from None
        if typ != "OK":
            raise SendError(f"{self.host} answered {typ} to {what.upper()} ({data}).")
        return list(data or [])

    def close(self) -> None:
        """Log out."""
        try:
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def imap_login(event: Event) -> dict[str, object] | None:
    """Where and as whom to log in to the sending account's mailbox, or None when there is none."""
    cfg = event.transport
    host = cfg.imap_host or ("imap.gmail.com" if cfg.backend == "gmail" else "")
    if not host:
        return None
    from ._transports import password_env

    service = keyring_service(cfg.backend, cfg.host)
    password = get_password(service, cfg.username, password_env(cfg))
    return {"host": host, "port": cfg.imap_port, "security": cfg.imap_security,
            "username": cfg.username, "password": password}
