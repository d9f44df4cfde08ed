"""Settling Unknown rows: look for their deterministic Message-ID where sent mail is kept.

Gmail files every message sent through its SMTP server in the Sent Mail folder, so a message whose
confirmation was lost can be searched for there over IMAP (same app password). The outbox
back-end is searched in its folder of .eml files. Found: the row is Sent. Not found: it stays
Unknown, and Detail says how to resend it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Event
from ..errors import ConfigError
from ..ledger import now
from ..sheets import RosterSource
from ._imap import ImapAccount, imap_login, imap_quote

if TYPE_CHECKING:
    from ..jobs import Run


SENT_NAMES = ("[Gmail]/Sent Mail", "[Google Mail]/Sent Mail", "Sent", "Sent Items", "Sent Messages",
              "INBOX.Sent", "INBOX/Sent")


class SentFolder(Protocol):
    """Where sent messages can be found again by Message-ID."""

    def has(self, message_id: str) -> bool:
        """Whether a message with this Message-ID is there."""
        ...

    def close(self) -> None:
        """Disconnect."""
        ...


class ImapSentFolder(ImapAccount):
    """The Sent folder of an IMAP account (Gmail: imap.gmail.com:993), searched read-only."""

    purpose = "look in the Sent folder"

    def __init__(self, host: str, port: int = 0, *, folder: str = "", **login: Any):
        super().__init__(host, port, **login)
        self.folder = folder or self._find_sent()
        self.examine(self.folder, "sent_folder")

    def _find_sent(self) -> str:
        """The mailbox flagged \\Sent (RFC 6154), else one with a usual name."""
        boxes = self.folders()
        for flags, name in boxes:
            if "\\sent" in flags.lower().split():
                return name
        names = {n.lower(): n for _, n in boxes}
        for candidate in SENT_NAMES:
            if candidate.lower() in names:
                return names[candidate.lower()]
        raise ConfigError(f"No Sent folder found on {self.host}. Set [transport] sent_folder to its "
                          "name.")

    def has(self, message_id: str) -> bool:
        """Whether the Sent folder holds a message with this Message-ID."""
        data = self.call("search", None, "HEADER", "Message-ID", imap_quote(message_id))
        return bool(data and data[0] and data[0].split())


class OutboxSentFolder:
    """The outbox back-end's folder of .eml files."""

    def __init__(self, folder: Path):
        parser = BytesHeaderParser()
        self.ids = set()
        for path in Path(folder).glob("*.eml"):
            with path.open("rb") as fh:
                self.ids.add(str(parser.parse(fh).get("Message-ID", "")).strip())

    def has(self, message_id: str) -> bool:
        """Whether an .eml file has this Message-ID."""
        return message_id in self.ids

    def close(self) -> None:
        """Nothing to release."""


def open_sent_folder(event: Event, *, context: ssl.SSLContext | None = None) -> SentFolder | None:
    """The Sent folder event.toml points to (Gmail's by default), or None when there is none."""
    cfg = event.transport
    if cfg.backend == "outbox":
        return OutboxSentFolder(event.path(cfg.outbox_dir))
    login = imap_login(event)
    if login is None:
        return None
    return ImapSentFolder(folder=cfg.sent_folder, context=context, **login)  # type: ignore[arg-type]


@dataclass
class Settled:
    """What reconciliation found for Unknown rows."""

    found: list[int] = field(default_factory=list)  # row numbers now Sent
    missing: list[int] = field(default_factory=list)  # row numbers still Unknown
    checked: bool = True  # False: no Sent folder to look in

    def to_text(self, folder: Path) -> str:
        """A few lines for the organizer."""
        if not self.checked:
            return ("No Sent folder to look in (set [transport] imap_host). Decide for each Unknown "
                    f"row: certkit resend {folder} --row N")
        lines = [f"{len(self.found)} Unknown row(s) found in the Sent folder: now Sent."]
        if self.missing:
            rows = ", ".join(map(str, self.missing))
            lines.append(f"{len(self.missing)} not found there (rows {rows}): they most likely did "
                         f"not arrive. Send each with: certkit resend {folder} --row N")
        return "\n".join(lines)


def reconcile_run(run: Run, *, context: ssl.SSLContext | None = None) -> Settled:
    """Settle the run's ledger's Unknown rows and queue their new statuses for the sheet."""
    event, ledger = run.event, run.ledger
    attempts = ledger.unknown_attempts()
    settled = Settled()
    if not attempts:
        return settled
    folder = open_sent_folder(event, context=context)
    if folder is None:
        settled.checked = False
        return settled
    found = set()
    try:
        for a in attempts:
            if a.cert_id not in found and folder.has(a.message_id):
                ledger.resolve_unknown(a.id, "Found in the Sent folder after the connection ended; "
                                       "not sent again.")
                found.add(a.cert_id)
    finally:
        folder.close()
    for cert_id in dict.fromkeys(a.cert_id for a in attempts):
        rec = ledger.get(cert_id)
        if rec is None:
            continue
        if cert_id in found:
            settled.found.append(rec.row_number)
        else:
            ledger.update(cert_id, status=rec.status, detail=(
                f"Not in the Sent folder when checked ({now()}): it most likely did not arrive. "
                f"Send it with: certkit resend {event.folder} --row {rec.row_number}"))
            settled.missing.append(rec.row_number)
        run.show(ledger.get(cert_id) or rec)
    return settled


def reconcile(event: Event, *, context: ssl.SSLContext | None = None,
              source: RosterSource | None = None) -> Settled:
    """`certkit reconcile`: settle Unknown rows against the Sent folder and update the sheet
    (`source`, default the one event.toml names)."""
    from ..jobs import open_run

    with open_run(event, source) as run:
        return reconcile_run(run, context=context)
