"""Mail transports behind one small Protocol: outbox (.eml files), SMTP and Gmail.

A transport holds one connection for a whole batch (open ... close, or a `with` block) and maps
every smtplib/socket failure, in one place, to the SendError that says what happens next:
RecipientRefused (that row fails), TemporaryFailure (retry later), QuotaExceeded and AuthError
(stop), DeliveryUnknown (the reply to DATA was lost: the message may have arrived).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from ..config import Event, TransportConfig
from ..errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    QuotaExceeded,
    RecipientRefused,
    SendError,
    TemporaryFailure,
)
from ._credentials import ENV_DEFAULTS, get_password, keyring_service
from ._message import envelope_address, message_bytes, smtp_data

Handover = Callable[[], None]


def _nothing() -> None:
    """The default handover hook."""


class Transport(Protocol):
    """Sends messages over one connection held between open() and close() (or a `with` block)."""

    def open(self) -> None:
        """Connect and log in; raise AuthError before anything is sent when login fails."""
        ...

    def send(self, message: EmailMessage, handover: Handover = _nothing) -> None:
        """Send one message; call `handover()` right before the point after which a lost reply
        leaves it unknown whether the message arrived. Raise a SendError subclass on failure."""
        ...

    def close(self) -> None:
        """Disconnect."""
        ...


class OutboxTransport:
    """Writes each message as an .eml file in a folder: a real back-end for dry runs and demos."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def open(self) -> None:
        """Create the outbox folder."""
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, handover: Handover = _nothing) -> None:
        """Write the message to `<X-Certkit-Id>.<n>.eml` (never a name from a roster cell)."""
        cid = re.sub(r"[^A-Za-z0-9-]", "", str(message["X-Certkit-Id"])) or "message"
        n = 1
        while (self.folder / f"{cid}.{n}.eml").exists():
            n += 1
        tmp = self.folder / f".{cid}.{n}.tmp"
        tmp.write_bytes(message_bytes(message))
        handover()
        os.replace(tmp, self.folder / f"{cid}.{n}.eml")

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> OutboxTransport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SmtpTransport:
    """SMTP with implicit TLS (ssl), STARTTLS or none; one connection per batch; verified TLS.

    MAIL, RCPT and DATA are driven step by step so the uncertain moment is as short as it can
    be: `handover()` runs after the whole message but its final "." went out; if the process or
    the connection dies before that, the server discards the unfinished message.
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int = 0,
        *,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 60.0,
        context: ssl.SSLContext | None = None,
    ):
        if security not in ("ssl", "starttls", "none"):
            raise ConfigError(
                f"[transport] security = '{security}' is unknown. Use ssl, starttls or none."
            )
        if not host:
            raise ConfigError("[transport] host is empty: name the SMTP server (e.g. smtp.example.org).")
        self.host, self.security = host, security
        self.port = port or (465 if security == "ssl" else 587)
        self.username, self.password, self.timeout = username, password, timeout
        self.context = context or ssl.create_default_context()
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, secure and log in; AuthError for a refused login, TemporaryFailure otherwise."""
        if self.conn is not None:
            return
        where = f"{self.host}:{self.port}"
        conn: smtplib.SMTP | None = None
        try:
            if self.security == "ssl":
                conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=self.context)
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    conn.starttls(context=self.context)
            if conn.sock is not None:  # the final "." goes out alone: no Nagle delay on it
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo_or_helo_if_needed()
            if self.username:
                conn.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            _quit(conn)
            raise AuthError(auth_advice(self.host, exc.smtp_code, exc.smtp_error),
                            code=exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError as exc:
            _quit(conn)
            raise AuthError(
                f"The mail server {where} does not offer a login here ({exc}). Set [transport] "
                "security = \"ssl\" or \"starttls\"."
            ) from None
        except ssl.SSLCertVerificationError as exc:
            _quit(conn)
            raise SendError(
                f"The mail server {where} could not prove it is {self.host} ({exc.verify_message}). "
                "Check [transport] host; certkit does not send over an unverified connection."
            ) from None
        except smtplib.SMTPResponseException as exc:
            _quit(conn)
            raise classify(exc.smtp_code, exc.smtp_error, where=f"greeting of {where}") from None
        except (OSError, smtplib.SMTPException) as exc:
            _quit(conn)
            raise TemporaryFailure(
                f"Could not connect to the mail server {where} ({exc or type(exc).__name__}). Check "
                "[transport] host, port and security, and the network."
            ) from None
        self.conn = conn

    def send(self, message: EmailMessage, handover: Handover = _nothing) -> None:
        """Send one message on the open connection (opening it if needed)."""
        self.open()
        conn = self.conn
        assert conn is not None
        sender = message["From"].addresses[0].addr_spec
        rcpt, utf8 = envelope_address(message["To"].addresses[0].addr_spec)
        options: list[str] = []
        if utf8:
            if not conn.has_extn("smtputf8"):
                raise RecipientRefused(
                    f"The address {rcpt} has non-ASCII characters and {self.host} cannot deliver to "
                    "such addresses. Ask the person for another address."
                )
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        data = smtp_data(message)
        try:
            self._step(*conn.mail(sender, options), stage="MAIL FROM")
            self._step(*conn.rcpt(rcpt), stage="RCPT TO")
            self._step(*conn.docmd("DATA"), stage="DATA", ok=(354,))
            conn.send(data)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            raise TemporaryFailure(
                f"The connection to {self.host} dropped before the message was handed over "
                f"({exc or type(exc).__name__}); it did not arrive and will be sent again."
            ) from None
        except SendError:
            raise
        except BaseException:  # Ctrl-C mid-DATA: hang up; no QUIT inside a message body
            self._drop()
            raise
        try:
            handover()
        except BaseException:
            self._drop()  # the final "." never went out: the server discards the message
            raise
        try:
            conn.send(b".\r\n")
            code, reply = conn.getreply()
        except BaseException as exc:
            self._drop()
            if not isinstance(exc, OSError | smtplib.SMTPServerDisconnected):
                raise
            raise DeliveryUnknown(
                f"The connection to {self.host} ended before it confirmed the message "
                f"({exc or type(exc).__name__}): it may or may not have arrived."
            ) from None
        if code != 250:
            if code == 421:
                self._drop()
            raise classify(code, reply, where="the message")

    def _step(self, code: int, reply: bytes, *, stage: str, ok: tuple[int, ...] = (250, 251)) -> None:
        """Check one reply before DATA; on a refusal reset the transaction (or drop a closed link)."""
        if code in ok:
            return
        if code == 421 or code == -1:
            self._drop()
        else:
            try:
                assert self.conn is not None
                self.conn.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()
        raise classify(code, reply, where="the address" if stage == "RCPT TO" else stage)

    def _drop(self) -> None:
        """Forget a connection the server closed (or that broke), so the next send reconnects."""
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        """Say QUIT politely; ignore a server that already left."""
        conn, self.conn = self.conn, None
        _quit(conn)

    def __enter__(self) -> SmtpTransport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GmailTransport(SmtpTransport):
    """Gmail's SMTP server with an app password (smtp.gmail.com:465, verified TLS)."""

    name = "gmail"

    def __init__(self, username: str, password: str, *, timeout: float = 60.0,
                 context: ssl.SSLContext | None = None):
        if not username:
            raise ConfigError(
                "[transport] username is empty: put your Gmail address there (e.g. you@gmail.com)."
            )
        super().__init__(
            "smtp.gmail.com", 465, security="ssl", username=username, password=password,
            timeout=timeout, context=context,
        )


def _quit(conn: smtplib.SMTP | None) -> None:
    """QUIT and close, ignoring a connection that is already gone."""
    if conn is None:
        return
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        try:
            conn.close()
        except OSError:
            pass


def _text(raw: bytes | str) -> str:
    """A server reply as one line of text."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def auth_advice(host: str, code: int, reply: bytes | str) -> str:
    """What to do when a login is refused."""
    hint = (
        "Gmail needs an app password, not your normal password: turn on 2-Step Verification in "
        "your Google Account, create an app password (Security > App passwords), then store it "
        "with: certkit login gmail (the README section 'Connect Gmail' shows each step)."
        if "gmail" in host or "google" in host
        else "Check [transport] username, and store the password again with: certkit login smtp"
    )
    return f"The mail server {host} refused the login ({code} {_text(reply)}). Nothing was sent. {hint}"


WORDS = {
    "5.1.1": "no such mailbox: the address is probably misspelled",
    "5.1.2": "the domain after the @ does not receive mail: the address is probably misspelled",
    "5.1.10": "no such mailbox: the address is probably misspelled",
    "5.2.1": "the mailbox is disabled",
    "5.2.2": "the mailbox is full",
    "5.3.4": "the message is too big for this server",
    "5.7.1": "the receiving server refused it as policy or spam",
}


def classify(code: int, raw: bytes | str, *, where: str = "the message") -> SendError:
    """Turn an SMTP reply into the error that says what to do next."""
    text = _text(raw)
    reply = f"{code} {text}".strip()
    if code in (530, 534, 535):
        return AuthError(f"The mail server refused the login ({reply}). Nothing more was sent. "
                         "Store the password again with: certkit login", code=code)
    if "5.4.5" in text or (code >= 500 and "limit" in text.lower() and "daily" in text.lower()):
        return QuotaExceeded(f"The mail server says the daily sending limit is reached ({reply}).",
                             code=code)
    if code < 0:
        return TemporaryFailure(f"The mail server closed the connection ({reply}).", code=code)
    if 400 <= code < 500:
        return TemporaryFailure(f"The mail server said to try again later ({reply}).", code=code)
    found = next((w for k, w in WORDS.items() if re.search(rf"\b{re.escape(k)}\b", text)), "")
    if not found and code == 552:
        found = WORDS["5.3.4"]
    if not found and code == 553:
        found = "the server does not accept this address"
    words = f"{found} " if found else ""
    return RecipientRefused(f"The mail server refused {where}: {words}({reply}).", code=code)


def transport_config(event: Event) -> TransportConfig:
    """The [transport] settings, with Gmail's fixed host and a checked backend name."""
    cfg = event.transport
    if cfg.backend not in ("outbox", "smtp", "gmail"):
        raise ConfigError(
            f"[transport] backend = '{cfg.backend}' is unknown. Use one of: outbox, smtp, gmail."
        )
    return cfg


def password_env(cfg: TransportConfig) -> str:
    """The environment variable that holds this transport's password."""
    if cfg.backend == "gmail" and cfg.password_env == ENV_DEFAULTS["smtp"]:
        return ENV_DEFAULTS["gmail"]
    return cfg.password_env


def open_transport(event: Event, *, context: ssl.SSLContext | None = None) -> Transport:
    """The transport event.toml names (outbox, smtp or gmail), checked now, not at the first send.

    Raises ConfigError for unknown settings and AuthError when no password is stored.
    """
    cfg = transport_config(event)
    if cfg.backend == "outbox":
        return OutboxTransport(event.path(cfg.outbox_dir))
    env = password_env(cfg)
    if cfg.backend == "smtp":
        password = (get_password(keyring_service("smtp", cfg.host), cfg.username, env)
                    if cfg.username else "")
        return SmtpTransport(
            cfg.host, cfg.port, security=cfg.security, username=cfg.username,
            password=password, timeout=cfg.timeout, context=context,
        )
    password = get_password(keyring_service("gmail"), cfg.username, env) if cfg.username else ""
    return GmailTransport(cfg.username, password, timeout=cfg.timeout, context=context)
