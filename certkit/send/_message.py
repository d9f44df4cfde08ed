"""Building one certificate email: personalized text, the PDF attached, headers no roster cell can forge."""

from __future__ import annotations

import binascii
import io
import re
import uuid
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, localtime
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from ..config import Event
from ..emails import envelope_address as parse_envelope
from ..errors import RecipientRefused


class _Headers(HeaderRegistry):
    """The email package's header classes, made once per name instead of once per header.

    HeaderRegistry builds a new class with type() for every header it parses (33 per message);
    that was a third of the time spent building a certificate email.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        """The header class for `name`, made on first use."""
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def map_to_type(self, name: str, cls: type[BaseHeader]) -> None:
        """Register a header class (and forget the one made for that name)."""
        super().map_to_type(name, cls)
        self._made.pop(name.lower(), None)


class _Policy(EmailPolicy):
    """The email package's SMTP policy, remembering the headers it has parsed and folded.

    Most headers of a certificate email are the same in every message (From, MIME-Version, the
    text part's Content-Type, ...); header objects are immutable, so messages can share them.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        """The header object for `value`, parsed once per distinct (name, text)."""
        if not isinstance(value, str) or hasattr(value, "name"):
            return super().header_store_parse(name, value)
        key = (name, value)
        parsed = _PARSED.get(key)
        if parsed is None:  # the email package refuses a line break here (ValueError)
            parsed = _remember(_PARSED, key, super().header_store_parse(name, value))
        return parsed

    def fold_binary(self, name: str, value: Any) -> bytes:
        """The header's folded bytes, folded once per distinct header and line ending."""
        if not hasattr(value, "name"):
            return super().fold_binary(name, value)
        key = (name, value, self.linesep, self.utf8, self.max_line_length, self.cte_type)
        folded = _FOLDED.get(key)
        if folded is None:
            folded = _remember(_FOLDED, key, super().fold_binary(name, value))
        return folded


_PARSED: dict[tuple, tuple[str, Any]] = {}
_FOLDED: dict[tuple, bytes] = {}


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    """Keep `value` under `key`; a full cache starts over (the same few headers come back)."""
    if len(cache) >= 1024:
        cache.clear()
    cache[key] = value
    return value


_headers = _Headers()
SMTP_POLICY = _Policy(header_factory=_headers, linesep="\r\n")  # policy.SMTP, remembering
SMTPUTF8_POLICY = SMTP_POLICY.clone(utf8=True)
_jinja = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_html = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)


def one_line(text: str) -> str:
    """Text safe for a mail header: line breaks and other control characters become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text).strip()


@lru_cache(maxsize=64)
def _compiled(template: str, html: bool) -> Template:
    """A template compiled once per run, not once per message."""
    return (_html if html else _jinja).from_string(template)


@lru_cache(maxsize=8)
def _sender(name: str, address: str) -> str:
    """The From header's text (the same in every message of a run, so parsed once)."""
    return str(Address(one_line(name), addr_spec=one_line(address)))


def render_text(template: str, fields: dict[str, str], html: bool = False) -> str:
    """Jinja over the row's fields, sandboxed; HTML output escapes the values."""
    return _compiled(template, html).render(**fields)


def envelope_address(address: str) -> tuple[str, bool]:
    """The address to put in RCPT TO (ASCII domain) and whether it needs SMTPUTF8 (non-ASCII user).

    Raises RecipientRefused, in words, for anything that is not one plain address: a roster cell
    can never smuggle a second recipient or a line break into the SMTP conversation.
    """
    try:
        return parse_envelope(address)
    except ValueError as exc:
        raise RecipientRefused(
            f"{one_line(str(exc))}. Correct it in the sheet, then run again."
        ) from None


def download_url(event: Event, certificate_id: str, token: str) -> str:
    """The personal link: the verification page plus the PDF, under an unguessable path."""
    return f"{event.verify_base_url.rstrip('/')}/{certificate_id}/{token}/"


def _with_link(text: str, template: str, url: str, html: bool) -> str:
    """The text, plus the download link when the organizer's text does not place it itself."""
    if "download_url" in template or not url:
        return text
    if html:
        from html import escape

        return f'{text}\n<p><a href="{escape(url)}">Download your certificate (PDF)</a></p>\n'
    return f"{text.rstrip()}\n\nDownload your certificate: {url}\n"


def build_message(
    event: Event,
    fields: dict[str, str],
    to: str,
    pdf: Path,
    message_id: str,
    *,
    certificate_id: str,
    attempt: int = 1,
    test: bool = False,
) -> EmailMessage:
    """A personalized message (plain text, HTML alternative, the PDF attached and/or its link).

    Every header value passes through one_line(), so a name or subject with CR/LF cannot add a
    header; non-ASCII names and subjects are RFC 2047 encoded by the email package. With [email]
    deliver = "link" or "both", `fields["download_url"]` is the personal link; it is added below
    the text unless the text places `{{ download_url }}` itself.
    """
    cfg = event.email
    address, utf8 = envelope_address(to)
    msg = EmailMessage(policy=SMTPUTF8_POLICY if utf8 else SMTP_POLICY)
    subject = one_line(render_text(cfg.subject, fields))
    msg["Subject"] = f"TEST: {subject}" if test else subject
    msg["From"] = _sender(cfg.sender_name, cfg.sender)
    user, _, domain = address.rpartition("@")
    msg["To"] = Address(one_line(fields.get("name", "")), username=user, domain=domain)
    if cfg.reply_to:
        msg["Reply-To"] = one_line(cfg.reply_to)
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = message_id
    msg["X-Certkit-Id"] = one_line(certificate_id)
    msg["X-Certkit-Attempt"] = str(attempt)
    link = fields.get("download_url", "") if cfg.deliver != "attach" else ""
    msg.set_content(_with_link(render_text(cfg.body, fields), cfg.body, link, False))
    if cfg.html:
        msg.add_alternative(_with_link(render_text(cfg.html, fields, html=True), cfg.html, link, True),
                            subtype="html")
    if cfg.deliver == "link":
        return msg
    name = one_line(render_text(cfg.attachment_name, fields))
    name = re.sub(r'[\\/:*?"<>|]', "-", name)
    data = pdf.read_bytes()
    msg.add_attachment(b"", maintype="application", subtype="pdf", filename=name or pdf.name)
    msg.get_payload()[-1].set_payload(_base64_lines(data))
    for part in msg.walk():
        if part.is_multipart():
            subtype = part.get_content_subtype()
            part.replace_header("Content-Type", f'multipart/{subtype}; boundary="{_BOUNDARY}{subtype}"')
    return msg


# A boundary nobody can guess (random per process, so a roster cell cannot contain it; "=_" never
# occurs in base64 or quoted-printable), set as text: its header is parsed once per process, and
# the generator need not search 100 KB for a collision. Nested parts differ by the subtype.
_BOUNDARY = f"=_{uuid.uuid4().hex}_"


def _base64_lines(data: bytes) -> str:
    """What the email package writes for a base64 body (76-character lines), in C loops, not 1,300."""
    encoded = binascii.b2a_base64(data, newline=False)
    size = len(encoded)
    if not size:
        return ""
    cuts = map(slice, range(0, size, 76), range(76, size + 76, 76))
    return b"\n".join(chain(map(encoded.__getitem__, cuts), (b"",))).decode("ascii")


class _Generator(BytesGenerator):
    """BytesGenerator writing each part's body in one piece instead of line by line.

    Byte for byte what BytesGenerator writes (every line ending becomes the policy's), several
    times faster on a base64 attachment of a thousand lines.
    """

    dots = False  # double a line's leading dot, as SMTP's DATA wants (_DataGenerator)

    def _write_lines(self, lines: str) -> None:
        if lines:  # as re.sub(r"\r\n|\r|\n", NL), at the speed of str.replace
            if "\r" in lines:
                lines = lines.replace("\r\n", "\n").replace("\r", "\n")
            if self.dots:  # a body starts on a line of its own
                lines = ("." if lines[0] == "." else "") + lines.replace("\n.", "\n..")
            self.write(lines.replace("\n", self._NL))


class _DataGenerator(_Generator):
    """The generator for SMTP DATA: CRLF everywhere and a body line's leading dot doubled.

    Only a body line can start with a dot: header lines start with a name, folded ones with a
    space, boundary lines with "--". So one pass writes what DATA needs, where normalizing and
    dot-stuffing the finished bytes took four more passes over 100 KB.
    """

    dots = True

    def _handle_multipart(self, msg: Any) -> None:
        if isinstance(msg.get_payload(), str):  # a parsed message's raw body: written as lines
            self._write_lines(msg.get_payload())
            return
        super()._handle_multipart(msg)


def _flatten(msg: EmailMessage, generator: type[_Generator], linesep: str | None) -> bytes:
    """The message through `generator`, with `linesep` line endings (the policy's when None)."""
    out = io.BytesIO()
    pol = msg.policy if linesep in (None, msg.policy.linesep) else msg.policy.clone(linesep=linesep)
    generator(out, mangle_from_=False, policy=pol).flatten(msg, unixfrom=False)
    return out.getvalue()


def message_bytes(msg: EmailMessage, linesep: str | None = None) -> bytes:
    """The message as bytes (what msg.as_bytes() gives), with `linesep` line endings."""
    return _flatten(msg, _Generator, linesep)


def smtp_data(msg: EmailMessage) -> bytes:
    """The message as SMTP's DATA sends it (RFC 5321 4.5.2): CRLF line ends, a line's leading dot
    doubled, a final CRLF; the server removes the added dots, so what arrives is message_bytes."""
    data = _flatten(msg, _DataGenerator, "\r\n")
    return data if data.endswith(b"\r\n") else data + b"\r\n"
