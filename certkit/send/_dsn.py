"""Reading one message from the sender's inbox: is it a bounce, for whom, why, and for which message?

Delivery-status notifications (RFC 3464 `multipart/report`, as Gmail, Postfix and Exchange send
them) and the older non-standard formats are recognised by flufl.bounce (GNU Mailman's detectors);
the status code, the server's words and the original Message-ID are read here with the standard
email package. Auto-replies (vacation, out of office) and people's replies are never bounces.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parseaddr

from flufl.bounce import all_failures

BOUNCE, DELAY, AUTO_REPLY, OTHER = "bounce", "delay", "auto-reply", "other"
DAEMONS = ("mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mail.delivery.subsystem")
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned to sender|returned mail|delivery fail|"
    r"mail delivery failed|failure notice|could not be delivered|non.?remis|unzustellbar",
    re.IGNORECASE)
AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|vacation|away from|"
    r"abwesenheit|absence|r[ée]ponse automatique)", re.IGNORECASE)
CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
CERTKIT_ID = re.compile(r"<certkit\.[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")

# (enhanced code prefix or words in the server's reply) -> the reason in words, first match wins
REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"spam|junk|blocked|blacklist|block ?list|reputation|policy|5\.7\.\d", re.I),
     "refused as spam"),
    (re.compile(r"5\.2\.2|4\.2\.2|quota|mailbox (is )?full|storage|insufficient", re.I),
     "mailbox full"),
    (re.compile(r"5\.1\.[0136]|no such (user|address|recipient)|user unknown|unknown user|does not "
                r"exist|doesn't exist|not found|invalid recipient|recipient rejected|address "
                r"rejected|undeliverable address|wasn't found", re.I), "no such address"),
    (re.compile(r"5\.1\.2|5\.4\.4|host (not found|unknown)|domain (not found|does not exist)|"
                r"no mx|name or service", re.I), "the address's domain does not exist"),
    (re.compile(r"5\.2\.1|disabled|inactive|suspended|deactivated", re.I), "mailbox disabled"),
    (re.compile(r"5\.3\.4|5\.2\.3|too (big|large)|size", re.I), "message too big"),
]


@dataclass
class Notice:
    """What one inbox message is, for certkit."""

    key: str  # its own Message-ID (or a digest of it): each notice is read once
    kind: str  # bounce | delay | auto-reply | other
    recipients: list[str] = field(default_factory=list)  # addresses that failed for good
    code: str = ""  # enhanced status code, e.g. 5.1.1
    diagnostic: str = ""  # the receiving server's words
    reason: str = ""  # in words: "no such address"
    original_ids: list[str] = field(default_factory=list)  # certkit Message-IDs it refers to


def reason_in_words(code: str, diagnostic: str) -> str:
    """A bounce's cause as an organizer says it."""
    text = f"{code} {diagnostic}"
    if code.startswith("5.1.1") or code in ("5.1.10", "5.1.6"):
        return "no such address"
    for pattern, words in REASONS:
        if pattern.search(text):
            return words
    return "refused by the receiving server"


def _sender(msg: Message) -> tuple[str, str]:
    """(display name, address) of From, lower-cased."""
    name, addr = parseaddr(str(msg.get("From", "")))
    return name.lower(), addr.lower()


def from_daemon(msg: Message) -> bool:
    """Whether the message comes from a mail system rather than a person."""
    name, addr = _sender(msg)
    local = addr.split("@")[0]
    return (local.startswith(DAEMONS) or "mail delivery" in name or not addr
            or str(msg.get("Return-Path", "")).strip() == "<>")


def is_report(msg: Message) -> bool:
    """An RFC 3464 delivery-status report."""
    return msg.get_content_type() == "multipart/report" and \
        str(msg.get_param("report-type", "")).lower() == "delivery-status"


def is_auto_reply(msg: Message) -> bool:
    """A vacation or out-of-office answer (RFC 3834 headers, or a subject that says so)."""
    if is_report(msg) or from_daemon(msg):
        return False
    auto = str(msg.get("Auto-Submitted", "")).lower()
    return (auto.startswith("auto-replied") or "X-Autoreply" in msg or "X-Autorespond" in msg
            or str(msg.get("Precedence", "")).lower() in ("auto_reply", "auto-reply")
            or bool(AUTO_SUBJECT.search(str(msg.get("Subject", "")))))


def may_be_bounce(msg: Message) -> bool:
    """From the headers alone: worth fetching whole (a report, a mail system, a failure subject)."""
    return is_report(msg) or (from_daemon(msg) and not is_auto_reply(msg)) or \
        bool(BOUNCE_SUBJECT.search(str(msg.get("Subject", ""))))


def _status_blocks(msg: Message) -> list[Message]:
    """The per-recipient header blocks of every message/delivery-status part."""
    blocks: list[Message] = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status" and part.is_multipart():
            blocks += [b for b in part.get_payload() if isinstance(b, Message)]
    return blocks


def _all_text(msg: Message, raw: bytes) -> str:
    """The raw message and every decoded text part (embedded headers may be base64 or QP encoded)."""
    texts = [raw.decode("latin-1")]
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def _one_line(text: str, limit: int = 200) -> str:
    """Folded header text as one short line."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_notice(raw: bytes) -> Notice:
    """Classify one inbox message and, for a bounce, read who failed, why, and the original ID."""
    msg = email.message_from_bytes(raw)
    key = str(msg.get("Message-ID", "")).strip() or "sha256:" + hashlib.sha256(raw).hexdigest()[:32]
    if is_auto_reply(msg):
        return Notice(key, AUTO_REPLY)
    if not (is_report(msg) or from_daemon(msg)):
        return Notice(key, OTHER)  # a person's reply, or unrelated mail
    temporary, permanent = all_failures(msg)
    recipients = sorted(a.decode("ascii", "replace").lower() for a in permanent)
    text = _all_text(msg, raw)
    ids = list(dict.fromkeys(CERTKIT_ID.findall(text)))
    code, diagnostic = "", ""
    for block in _status_blocks(msg):
        action = str(block.get("Action", "")).lower()
        if action.startswith(("fail", "error")) or not code:
            code = str(block.get("Status", "")).strip().split(" ")[0]
            diagnostic = _one_line(str(block.get("Diagnostic-Code", "")).split(";", 1)[-1])
    if not code:
        found = CODE.search(text)
        code = found.group(1) if found else ""
    if not recipients:
        if temporary or code.startswith("4"):
            return Notice(key, DELAY, original_ids=ids)  # "still trying": not a bounce (yet)
        failed = code.startswith("5") or (not code and BOUNCE_SUBJECT.search(str(msg.get("Subject", ""))))
        if not (ids and failed):
            return Notice(key, OTHER, original_ids=ids)
    if not diagnostic:
        line = re.search(r"^.*\b(5\d\d)\b.*$", text, re.MULTILINE)
        diagnostic = _one_line(line.group(0)) if line else ""
    return Notice(key, BOUNCE, recipients, code, diagnostic, reason_in_words(code, diagnostic), ids)
