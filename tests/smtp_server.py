"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with injectable replies, faults and TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

KEEP_AND_DROP = "keep-and-drop"  # on_data result: the message arrived, then the line went dead
DROP = "drop"  # on_data result: the line went dead before the server accepted the message
CLOSE = "close"  # suffix marker: reply, then close the connection (as Gmail does after 421)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One accepted message: the envelope and the bytes exactly as they arrived."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    parsed: EmailMessage | None = None

    @property
    def message(self) -> EmailMessage:
        """The message parsed (when first asked: parsing every message costs the server's CPU,
        which the benchmark shares with the run it measures)."""
        if self.parsed is None:
            self.parsed = message_from_bytes(self.raw, policy=policy.default)
        return self.parsed


@dataclass
class Sink:
    """Collects accepted messages; hooks inject replies and faults.

    on_rcpt(address) -> reply or None. on_data(message, index, received) -> None (accept), a
    reply string (refuse; end it with " close" to hang up afterwards, like Gmail's 421),
    KEEP_AND_DROP (keep the message, then abort the connection before the reply) or DROP (abort,
    not kept). on_accept(raw) runs for each kept message (e.g. to file it in an IMAP Sent
    folder). `delay` seconds pass before each reply to DATA, widening the moment between handing
    over and confirmation.
    """

    received: list[Received] = field(default_factory=list)
    on_rcpt: Callable[[str], str | None] | None = None
    on_data: Callable[[EmailMessage, int, int], str | None] | None = None
    on_accept: Callable[[bytes], None] | None = None
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sessions: set[tuple] = field(default_factory=set)
    data_commands: int = 0

    @property
    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed."""
        return [r.message for r in self.received]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions.add(session.peer)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.on_rcpt(address) if self.on_rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        got = Received(envelope.mail_from, list(envelope.rcpt_tos), raw)
        with self.lock:
            self.data_commands += 1
            reply = (self.on_data(got.message, self.data_commands, len(self.received))
                     if self.on_data else None)
            keep = reply is None or reply == KEEP_AND_DROP
            if keep:
                self.received.append(got)
        if keep and self.on_accept:
            self.on_accept(raw)
        if self.delay:
            await asyncio.sleep(self.delay)
        if reply in (KEEP_AND_DROP, DROP):
            server.transport.abort()
            return "250 never seen"
        if reply and reply.endswith(" " + CLOSE):
            asyncio.get_running_loop().call_later(0.01, server.transport.close)
            return reply[: -len(CLOSE) - 1]
        return reply or "250 Message accepted"

    @property
    def connections(self) -> int:
        """How many TCP connections said EHLO (by client address and port)."""
        return len(self.sessions)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope recipient is `address`."""
        return [r.message for r in self.received if address.lower() in [a.lower() for a in r.rcpt_tos]]

    def per_recipient(self) -> dict[str, int]:
        """How many messages each envelope recipient got."""
        counts: dict[str, int] = {}
        for r in self.received:
            for a in r.rcpt_tos:
                counts[a.lower()] = counts.get(a.lower(), 0) + 1
        return counts


class Authenticator:
    """Accepts one username/password pair."""

    def __init__(self, username: str, password: str):
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == self.username and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


@dataclass
class LoopbackCA:
    """A throwaway certificate authority (trustme) and a server certificate for 127.0.0.1."""

    server: ssl.SSLContext
    client: ssl.SSLContext  # verifies certificates and host names, trusting only the test CA


def make_ca() -> LoopbackCA:
    """Contexts for a TLS server on 127.0.0.1 and a verifying client that trusts it."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return LoopbackCA(server, client)


def start_server(
    sink: Sink,
    *,
    auth: tuple[str, str] | None = None,
    tls: str = "none",
    ca: LoopbackCA | None = None,
    **kwargs,
) -> Controller:
    """Start aiosmtpd on 127.0.0.1 on a free port (tls: none, starttls or ssl); stop with .stop()."""
    options: dict = {}
    if auth:
        options = {"authenticator": Authenticator(*auth), "auth_required": True,
                   "auth_require_tls": tls == "starttls"}  # implicit TLS is TLS already
    if tls == "starttls":
        assert ca is not None
        options.update(tls_context=ca.server, require_starttls=True)
    elif tls == "ssl":
        assert ca is not None
        options.update(ssl_context=ca.server)
    options.update(kwargs)
    with warnings.catch_warnings():  # plain AUTH on loopback is what the plain tests want
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller
