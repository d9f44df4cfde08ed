"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests, with injectable replies and faults."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sink:
    """Collects accepted messages; hooks may return an SMTP reply string to refuse instead."""

    messages: list[EmailMessage] = field(default_factory=list)
    on_rcpt: Callable[[str], str | None] | None = None
    on_data: Callable[[EmailMessage, int], str | None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.on_rcpt(address) if self.on_rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            reply = self.on_data(msg, len(self.messages)) if self.on_data else None
            if reply:
                return reply
            self.messages.append(msg)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


class Authenticator:
    """Accepts one username/password pair."""

    def __init__(self, username: str, password: str):
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == self.username and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


def start_server(sink: Sink, *, auth: tuple[str, str] | None = None, **kwargs) -> Controller:
    """Start aiosmtpd on 127.0.0.1 on a free port; stop it with .stop()."""
    options = {}
    if auth:
        options = {"authenticator": Authenticator(*auth), "auth_required": True,
                   "auth_require_tls": False}
    options.update(kwargs)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller
