"""The audit trail: what happened to each certificate (issued, sent, resent, reissued, revoked),
when, and by which command. Appended inside the same transaction as the change it describes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_COMMAND: ContextVar[str] = ContextVar("certkit_command", default="")

# what `certkit history` shows by default; "status" entries (every internal change) only with --all
ACTIONS = ("created", "issued", "sent", "resent", "send failed", "send unknown", "reissued",
           "revoked", "replaced", "bounced", "claimed")


@contextmanager
def acting_as(command: str) -> Iterator[None]:
    """Record `command` (e.g. "certkit revoke my-event --id CK-…") as the cause of every change
    made inside the block; the CLI and the notebook panels wrap their calls in it."""
    token = _COMMAND.set(command)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def current_command(operation: str = "") -> str:
    """Who is acting: the command set by acting_as, else the Python call (`reissue()` from Python)."""
    told = _COMMAND.get()
    if told:
        return told
    return f"{operation or 'certkit'}() from Python"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    at: str
    cert_id: str
    action: str
    detail: str
    command: str

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> AuditEntry:
        """Build from a SELECT * FROM audit row."""
        return cls(r["at"], r["cert_id"], r["action"], r["detail"], r["command"])


class AuditLog:
    """The audit half of the ledger; mixed into Ledger, which provides the database."""

    db: sqlite3.Connection
    operation: str = ""  # the library call now running (run, resend, reissue, revoke, ...)

    def _audit(self, db: sqlite3.Connection, cert_id: str, action: str, detail: str) -> None:
        """Append to the audit trail (inside the caller's transaction)."""
        from ._attempts import now

        db.execute(
            "INSERT INTO audit (at, cert_id, action, detail, command) VALUES (?, ?, ?, ?, ?)",
            (now(), cert_id, action, detail.strip(), current_command(self.operation)),
        )

    def trail(self, cert_id: str | None = None, *, everything: bool = False) -> list[AuditEntry]:
        """The audit trail, oldest first: one certificate's (and the ones it replaced or was
        replaced by) or the whole event's; `everything` adds each internal status change."""
        wanted = "" if everything else f" AND action IN ({', '.join('?' * len(ACTIONS))})"
        args: list[str] = [] if everything else list(ACTIONS)
        if cert_id:
            ids = self.lineage(cert_id)
            where = f"cert_id IN ({', '.join('?' * len(ids))})"
            args = ids + args
        else:
            where = "1"
        rows = self.db.execute(
            f"SELECT * FROM audit WHERE {where}{wanted} ORDER BY id", args  # noqa: S608
        ).fetchall()
        return [AuditEntry.from_row(r) for r in rows]

    def lineage(self, cert_id: str) -> list[str]:
        """A certificate and every one it replaced or that replaced it, oldest first."""
        first = cert_id
        seen = {first}
        while True:
            r = self.db.execute("SELECT replaces FROM certificates WHERE cert_id = ?",
                                (first,)).fetchone()
            if not r or not r[0] or r[0] in seen:
                break
            first = r[0]
            seen.add(first)
        chain = [first]
        while True:
            r = self.db.execute("SELECT replaced_by FROM certificates WHERE cert_id = ?",
                                (chain[-1],)).fetchone()
            if not r or not r[0] or r[0] in chain:
                break
            chain.append(r[0])
        return chain
