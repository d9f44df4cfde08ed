"""Mail transports (outbox .eml files, SMTP, Gmail) behind one small Protocol, and message building."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime
from pathlib import Path
from typing import Protocol

from jinja2.sandbox import SandboxedEnvironment

from .config import Event, TransportConfig
from .errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    QuotaExceeded,
    RecipientRefused,
    SendError,
    TemporaryFailure,
)

__all__ = [
    "GmailTransport",
    "OutboxTransport",
    "SmtpTransport",
    "Transport",
    "build_message",
    "open_transport",
]

_jinja = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_html = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)


class Transport(Protocol):
    """Sends messages over one connection held between open() and close() (or a `with` block)."""

    def open(self) -> None:
        """Connect and log in; raise AuthError before anything is sent when login fails."""
        ...

    def send(self, message: EmailMessage) -> None:
        """Hand one message over; raise a SendError subclass saying whether to retry."""
        ...

    def close(self) -> None:
        """Disconnect."""
        ...


def one_line(text: str) -> str:
    """Text safe for a mail header: line breaks and other control characters become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text).strip()


def render_text(template: str, fields: dict[str, str], html: bool = False) -> str:
    """Jinja over the row's fields, sandboxed; HTML output escapes the values."""
    env = _html if html else _jinja
    return env.from_string(template).render(**fields)


def build_message(
    event: Event,
    fields: dict[str, str],
    to: str,
    pdf: Path,
    message_id: str,
    *,
    certificate_id: str,
    test: bool = False,
) -> EmailMessage:
    """A personalized message with the PDF attached; roster values can never add headers."""
    cfg = event.email
    msg = EmailMessage()
    subject = one_line(render_text(cfg.subject, fields))
    msg["Subject"] = f"TEST: {subject}" if test else subject
    msg["From"] = Address(one_line(cfg.sender_name), addr_spec=one_line(cfg.sender))
    msg["To"] = Address(one_line(fields.get("name", "")), addr_spec=one_line(to))
    if cfg.reply_to:
        msg["Reply-To"] = one_line(cfg.reply_to)
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = message_id
    msg["X-Certkit-Id"] = one_line(certificate_id)
    msg.set_content(render_text(cfg.body, fields))
    if cfg.html:
        msg.add_alternative(render_text(cfg.html, fields, html=True), subtype="html")
    name = one_line(render_text(cfg.attachment_name, fields)).replace("/", "-").replace("\\", "-")
    msg.add_attachment(
        pdf.read_bytes(), maintype="application", subtype="pdf", filename=name or pdf.name
    )
    return msg


class OutboxTransport:
    """Writes each message as an .eml file in a folder: a real back-end for dry runs and demos."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def open(self) -> None:
        """Create the outbox folder."""
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        """Write the message to `<X-Certkit-Id>.<n>.eml` (never a name from a roster cell)."""
        cid = re.sub(r"[^A-Za-z0-9-]", "", str(message["X-Certkit-Id"])) or "message"
        n = 1
        while (self.folder / f"{cid}.{n}.eml").exists():
            n += 1
        tmp = self.folder / f".{cid}.{n}.tmp"
        tmp.write_bytes(bytes(message))
        os.replace(tmp, self.folder / f"{cid}.{n}.eml")

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> OutboxTransport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SmtpTransport:
    """SMTP with SSL, STARTTLS or plain; one connection for a whole batch; errors mapped once."""

    def __init__(
        self,
        host: str,
        port: int,
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
        self.host, self.port, self.security = host, port or (465 if security == "ssl" else 587), security
        self.username, self.password, self.timeout = username, password, timeout
        self.context = context or ssl.create_default_context()
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, secure and log in, mapping refusals to AuthError."""
        try:
            if self.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    conn.starttls(context=self.context)
            if self.username:
                conn.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthError(auth_advice(self.host, exc), code=exc.smtp_code) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(
                f"Could not connect to the mail server {self.host}:{self.port} ({exc}). "
                "Check [transport] host, port and security, and the network."
            ) from exc
        self.conn = conn

    def send(self, message: EmailMessage) -> None:
        """Send one message on the open connection (opening it if needed)."""
        if self.conn is None:
            self.open()
        assert self.conn is not None
        try:
            self.conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise classify(code, text) from exc
        except smtplib.SMTPResponseException as exc:
            raise classify(exc.smtp_code, exc.smtp_error) from exc
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self.conn = None
            raise DeliveryUnknown(
                f"The connection to {self.host} dropped while sending ({exc}); it is not known "
                "whether the message arrived."
            ) from exc

    def close(self) -> None:
        """Say QUIT politely; ignore a server that already left."""
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None

    def __enter__(self) -> SmtpTransport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GmailTransport(SmtpTransport):
    """Gmail's SMTP server with an app password (smtp.gmail.com:465, verified TLS)."""

    def __init__(self, username: str, password: str, *, timeout: float = 60.0):
        if not username:
            raise ConfigError(
                "[transport] username is empty: put your Gmail address there (e.g. you@gmail.com)."
            )
        super().__init__(
            "smtp.gmail.com", 465, security="ssl", username=username, password=password,
            timeout=timeout,
        )


def _text(raw: bytes | str) -> str:
    """A server reply as text."""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def auth_advice(host: str, exc: smtplib.SMTPAuthenticationError) -> str:
    """What to do when a login is refused."""
    reply = _text(exc.smtp_error)
    hint = (
        "Gmail needs an app password (Google Account > Security > 2-Step Verification > App "
        "passwords), not your normal password. Store it with: certkit login gmail"
        if "gmail" in host
        else "Check [transport] username and the password in the keyring or environment."
    )
    return f"The mail server {host} refused the login ({exc.smtp_code} {reply}). {hint}"


def classify(code: int, raw: bytes | str) -> SendError:
    """Turn an SMTP reply into the error that says what to do next."""
    text = _text(raw)
    if code == 535 or code == 530:
        return AuthError(f"The mail server refused the login ({code} {text}).", code=code)
    if "5.4.5" in text or ("daily" in text.lower() and code >= 500):
        return QuotaExceeded(
            f"The daily sending limit was reached ({code} {text}). The rest can go tomorrow: "
            "run the same command again then.",
            code=code,
        )
    if 400 <= code < 500:
        return TemporaryFailure(f"The server said to try again later ({code} {text}).", code=code)
    return RecipientRefused(f"The server refused this address ({code} {text}).", code=code)


def get_password(service: str, username: str, env: str) -> str:
    """A secret from the environment variable `env`, else the OS keyring; never from a file."""
    if os.environ.get(env):
        return os.environ[env]
    try:
        import keyring

        secret = keyring.get_password(service, username) or keyring.get_password(
            "yagmail", username
        )
    except Exception:
        secret = None
    if not secret:
        raise AuthError(
            f"No password found for {username}. Store it once with: certkit login {service} "
            f"(or set the environment variable {env})."
        )
    return secret


def open_transport(event: Event) -> Transport:
    """The transport event.toml names (outbox, smtp or gmail), checked now, not at the first send."""
    cfg: TransportConfig = event.transport
    if cfg.backend == "outbox":
        return OutboxTransport(event.path(cfg.outbox_dir))
    if cfg.backend == "smtp":
        password = get_password("smtp", cfg.username, cfg.password_env) if cfg.username else ""
        return SmtpTransport(
            cfg.host, cfg.port, security=cfg.security, username=cfg.username,
            password=password, timeout=cfg.timeout,
        )
    if cfg.backend == "gmail":
        env = cfg.password_env if cfg.password_env != "CERTKIT_SMTP_PASSWORD" else "CERTKIT_GMAIL_PASSWORD"
        return GmailTransport(cfg.username, get_password("gmail", cfg.username, env))
    raise ConfigError(
        f"[transport] backend = '{cfg.backend}' is unknown. Use one of: outbox, smtp, gmail."
    )
