"""The send-attempt half of the ledger: each try at mailing a certificate, committed step by step.

An attempt moves pending -> handing_over -> sent | failed | unknown | deferred, or pending -> aborted
when a run stopped before DATA finished (the server discarded the message). Only a stop inside
handing_over (between the final "." of DATA and the server's reply) leaves a row Unknown.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import LedgerError
from ..status import FAILED, NOT_SENT, PENDING, SENT, UNKNOWN

ATTEMPT_STATUS = {
    "sent": SENT, "failed": FAILED, "unknown": UNKNOWN, "deferred": NOT_SENT, "aborted": NOT_SENT,
}
UNKNOWN_DETAIL = (
    "The connection ended while this message was being handed to the mail server: it may or may "
    "not have arrived. It is not sent again by itself. Check the Sent folder (certkit reconcile) "
    "or ask the person, then, if it did not arrive: certkit resend --row N"
)


def message_id(cert_id: str, seq: int, domain: str) -> str:
    """A Message-ID unique per certificate and attempt, found again later in a Sent folder."""
    return f"<certkit.{cert_id}.{seq}@{domain or 'certkit.invalid'}>"


def now() -> str:
    """Local time with its UTC offset, to the second (ISO 8601): what the sheet shows in 'Sent at'."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Attempt:
    """One try at mailing a certificate: its number and its deterministic Message-ID."""

    id: int
    cert_id: str
    seq: int
    message_id: str
    to_addr: str
    test: bool = False
    handed_at: float | None = None

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Attempt:
        """Build from a SELECT * FROM attempts row."""
        return cls(r["id"], r["cert_id"], r["seq"], r["message_id"], r["to_addr"], bool(r["test"]),
                   r["handed_at"])


class AttemptLog:
    """Send attempts in the event's SQLite ledger; mixed into Ledger, which provides the database."""

    db: sqlite3.Connection
    path: Path
    _lock: Any

    def _tx(self, synced: bool = True) -> AbstractContextManager[sqlite3.Connection]:  # Ledger's
        raise NotImplementedError

    def _audit(self, db: sqlite3.Connection, cert_id: str, action: str, detail: str) -> None:
        raise NotImplementedError

    def _own_commit(self) -> None:
        """Send steps are committed one by one, never inside Ledger.batch()."""
        if getattr(self, "_batching", False):
            raise LedgerError("A send step was recorded inside a batch of ledger changes (a bug).")

    # pending -> handing_over -> sent | failed | unknown | deferred;  pending -> aborted (killed
    # before DATA: the server discarded it). Only a stop inside handing_over leaves "unknown".
    # Only handing_over waits for the disk (2 ms or more a message): it is what stops a second
    # copy. A power cut can lose the unsynced steps around it; a lost "pending" was never mailed,
    # and a lost "sent" leaves handing_over, so the row is looked up in the Sent folder.

    def lock(self) -> None:
        """Hold the event's lock until close(): one certkit process at a time sends for an event."""
        if self._lock is not None:
            return
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.path) + ".lock", timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise LedgerError(
                f"Another certkit command is working on this event right now ({self.path.parent}). "
                "Wait until it has finished, then run this again."
            ) from None
        self._lock = lock

    def begin_attempt(self, cert_id: str, to_addr: str, domain: str, *, test: bool = False) -> Attempt:
        """Record that a message is about to be sent (state pending, committed); row -> Pending."""
        self.lock()
        self._own_commit()
        with self._tx(synced=False) as db:
            seq = 1 + int(db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM attempts WHERE cert_id = ?", (cert_id,)
            ).fetchone()[0])
            mid = message_id(cert_id, seq, domain)
            cur = db.execute(
                "INSERT INTO attempts (cert_id, to_addr, message_id, state, test, started_at, seq) "
                "VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                (cert_id, to_addr, mid, int(test), now(), seq),
            )
            if not test:
                db.execute(
                    "UPDATE certificates SET status = ?, detail = '', synced = 0, updated_at = ? "
                    "WHERE cert_id = ?",
                    (PENDING, now(), cert_id),
                )
            return Attempt(int(cur.lastrowid or 0), cert_id, seq, mid, to_addr, bool(test))

    def handing_over(self, attempt: int) -> None:
        """Commit that the message is being handed over: a stop from here on leaves it Unknown."""
        self._own_commit()
        with self._tx() as db:
            db.execute(
                "UPDATE attempts SET state = 'handing_over', handed_at = ? WHERE id = ?",
                (time.time(), attempt),
            )

    def not_handed_over(self, attempt: int, detail: str, code: int | None = None) -> None:
        """The server refused the message outright (a reply, not silence): back to pending."""
        with self._tx() as db:
            db.execute(
                "UPDATE attempts SET state = 'pending', handed_at = NULL, detail = ?, code = ? "
                "WHERE id = ?",
                (detail, code, attempt),
            )

    def finish_attempt(self, attempt: int, state: str, detail: str = "", code: int | None = None) -> None:
        """Record how an attempt ended (sent, failed, unknown or deferred) and the row's new status."""
        status = ATTEMPT_STATUS[state]
        with self._tx(synced=False) as db:
            self._finish(db, attempt, state, detail, code, status, now())

    def _finish(
        self, db: sqlite3.Connection, attempt: int, state: str, detail: str, code: int | None,
        status: str, stamp: str,
    ) -> None:
        """Close one attempt and move its certificate (inside the caller's transaction)."""
        row = db.execute(
            "SELECT cert_id, test, to_addr, (SELECT COUNT(*) FROM attempts AS a WHERE a.cert_id = "
            "attempts.cert_id AND a.state = 'sent' AND a.test = 0 AND a.id != attempts.id) AS before "
            "FROM attempts WHERE id = ?", (attempt,)).fetchone()
        db.execute(
            "UPDATE attempts SET state = ?, detail = ?, code = ?, finished_at = ? WHERE id = ?",
            (state, detail, code, stamp, attempt),
        )
        if row and not row["test"]:
            db.execute(
                "UPDATE certificates SET status = ?, detail = ?, synced = 0, updated_at = ?, "
                "sent_at = CASE WHEN ? = ? THEN ? ELSE sent_at END WHERE cert_id = ?",
                (status, detail, now(), status, SENT, stamp, row["cert_id"]),
            )
            action = ("resent" if row["before"] else "sent") if state == "sent" else f"send {state}"
            to = row["to_addr"]
            self._audit(db, row["cert_id"], action, f"to {to} {detail}" if state == "sent" else detail)

    def recover(self) -> list[Attempt]:
        """Close attempts a killed run left open; return those now Unknown (never re-sent by `run`).

        'pending' (DATA not finished) is safe to send again: the server discarded it. 'handing_over'
        may have arrived: it becomes Unknown, for the organizer (or `certkit reconcile`) to decide.
        Takes the event's lock first, so it never touches another live run's attempts.
        """
        self.lock()
        unknown = []
        with self._tx() as db:
            for r in db.execute("SELECT * FROM attempts WHERE state IN ('pending', 'handing_over')"):
                if r["state"] == "pending":
                    self._finish(db, r["id"], "aborted", "The run stopped before this message was "
                                 "sent; it will be sent on the next run.", None, NOT_SENT, now())
                    continue
                self._finish(db, r["id"], "unknown", UNKNOWN_DETAIL, None, UNKNOWN, now())
                unknown.append(Attempt.from_row(r))
        return unknown

    def unknown_attempts(self) -> list[Attempt]:
        """Handed-over attempts whose fate is not known, for certificates still shown Unknown."""
        rows = self.db.execute(
            "SELECT a.* FROM attempts a JOIN certificates c ON c.cert_id = a.cert_id "
            "WHERE a.state = 'unknown' AND a.test = 0 AND c.status = ? ORDER BY a.id",
            (UNKNOWN,),
        ).fetchall()
        return [Attempt.from_row(r) for r in rows]

    def resolve_unknown(self, attempt: int, detail: str) -> None:
        """An Unknown attempt was found delivered (e.g. in the Sent folder): the row is Sent then."""
        with self._tx() as db:
            r = db.execute("SELECT * FROM attempts WHERE id = ? AND state = 'unknown'",
                           (attempt,)).fetchone()
            if r is None:
                return
            when = datetime.fromtimestamp(r["handed_at"] or time.time()).astimezone()
            stamp = when.isoformat(timespec="seconds")
            self._finish(db, attempt, "sent", detail, None, SENT, stamp)

    def handed_over_since(self, since: float) -> list[float]:
        """When each message handed over at or after `since` (Unix time) was, oldest first.

        Counts what may have reached the server (sent, unknown, in flight), test messages too:
        this is what a provider's daily limit counts.
        """
        rows = self.db.execute(
            "SELECT handed_at FROM attempts WHERE handed_at >= ? AND state IN ('handing_over', "
            "'sent', 'unknown') ORDER BY handed_at",
            (since,),
        ).fetchall()
        return [float(r[0]) for r in rows]

    def refused_before(self, cert_id: str, to_addr: str) -> str:
        """Why the server refused this certificate for this address for good (or "" if it did not)."""
        r = self.db.execute(
            "SELECT detail FROM attempts WHERE cert_id = ? AND lower(to_addr) = lower(?) AND "
            "state = 'failed' AND test = 0 ORDER BY id DESC LIMIT 1",
            (cert_id, to_addr),
        ).fetchone()
        return str(r[0]) if r else ""

    def sent_to(self, cert_id: str, to_addr: str) -> bool:
        """Whether this certificate (not a test copy) was ever accepted for this address."""
        r = self.db.execute(
            "SELECT 1 FROM attempts WHERE cert_id = ? AND lower(to_addr) = lower(?) AND "
            "state = 'sent' AND test = 0 LIMIT 1",
            (cert_id, to_addr),
        ).fetchone()
        return r is not None

    def attempts_count(self, cert_id: str) -> int:
        """How many attempts a certificate has had."""
        r = self.db.execute("SELECT COUNT(*) FROM attempts WHERE cert_id = ?", (cert_id,)).fetchone()
        return int(r[0])

    def open_attempt_states(self) -> dict[str, str]:
        """cert_id -> state of attempts still open (pending/handing_over), as a killed run left them."""
        rows = self.db.execute(
            "SELECT cert_id, state FROM attempts WHERE test = 0 AND state IN ('pending', "
            "'handing_over')"
        ).fetchall()
        return {r[0]: r[1] for r in rows}
