"""The event's ledger (certkit.db, SQLite): every certificate and send attempt, the truth behind the sheet."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .docs import new_certificate_id
from .errors import LedgerError
from .roster import FAILED, NOT_SENT, PENDING, SENT, UNKNOWN

LEDGER_FILE = "certkit.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS certificates (
    cert_id     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    row_number  INTEGER,
    email       TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{}',
    pdf         TEXT NOT NULL DEFAULT '',
    pages       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'Not sent',
    detail      TEXT NOT NULL DEFAULT '',
    sent_at     TEXT NOT NULL DEFAULT '',
    synced      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_fingerprint ON certificates(fingerprint);
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cert_id     TEXT NOT NULL REFERENCES certificates(cert_id),
    to_addr     TEXT NOT NULL,
    message_id  TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,           -- see ATTEMPT_STATES
    code        INTEGER,
    detail      TEXT NOT NULL DEFAULT '',
    test        INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    seq         INTEGER NOT NULL DEFAULT 0,  -- attempt number for this certificate (in the Message-ID)
    handed_at   REAL                         -- Unix time the message was handed over (quota window)
);
CREATE INDEX IF NOT EXISTS attempts_cert ON attempts(cert_id);
CREATE INDEX IF NOT EXISTS attempts_state ON attempts(state);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    cert_id TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
"""


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
class Record:
    """One certificate as the ledger knows it."""

    cert_id: str
    fingerprint: str
    row_number: int
    email: str
    name: str
    fields: dict[str, str]
    pdf: str
    pages: int
    status: str
    detail: str
    sent_at: str
    synced: bool

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Record:
        """Build from a SELECT * row."""
        d = dict(r)
        d["fields"] = json.loads(d["fields"] or "{}")
        d["synced"] = bool(d["synced"])
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


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


class Ledger:
    """The event's SQLite ledger; every state change is committed before the next step runs."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock: Any = None
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(
                f"The ledger {self.path} cannot be opened ({exc}). Restore it from a backup; do "
                "not delete it, or certkit cannot know who already received a certificate."
            ) from exc

    def _migrate(self) -> None:
        """Add columns that ledgers made by older certkit versions lack."""
        have = {r[1] for r in self.db.execute("PRAGMA table_info(attempts)")}
        for column, kind in (("seq", "INTEGER NOT NULL DEFAULT 0"), ("handed_at", "REAL")):
            if column not in have:
                self.db.execute(f"ALTER TABLE attempts ADD COLUMN {column} {kind}")

    def close(self) -> None:
        """Close the database and release the event's lock."""
        self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def get(self, cert_id: str) -> Record | None:
        """The certificate with this ID, if the ledger has it."""
        r = self.db.execute("SELECT * FROM certificates WHERE cert_id = ?", (cert_id,)).fetchone()
        return Record.from_row(r) if r else None

    def find(self, fingerprint: str, cert_id: str = "") -> Record | None:
        """The row's certificate: by the ID in the sheet, else by fingerprint (newest first)."""
        if cert_id:
            rec = self.get(cert_id)
            if rec:
                return rec
        r = self.db.execute(
            "SELECT * FROM certificates WHERE fingerprint = ? AND status != 'Replaced' "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return Record.from_row(r) if r else None

    def assign(self, fingerprint: str, row_number: int, email: str, name: str, cert_id: str = "") -> Record:
        """Create the certificate for a row, with a fresh unique ID unless the sheet already has one."""
        for _ in range(20):
            cid = cert_id or new_certificate_id()
            try:
                with self._tx() as db:
                    db.execute(
                        "INSERT INTO certificates (cert_id, fingerprint, row_number, email, name, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (cid, fingerprint, row_number, email, name, now(), now()),
                    )
                    self._audit(db, cid, "created", f"row {row_number}")
                rec = self.get(cid)
                assert rec is not None
                return rec
            except sqlite3.IntegrityError:
                if cert_id:
                    raise LedgerError(f"Certificate ID {cert_id} is already used by another row.") from None
        raise LedgerError("Could not create a unique certificate ID; try again.")

    def update(self, cert_id: str, **values: object) -> None:
        """Change fields of a certificate (status, detail, pdf, ...); any change unsyncs it."""
        if "fields" in values:
            values["fields"] = json.dumps(values["fields"], ensure_ascii=False)
        values.setdefault("synced", 0)
        cols = ", ".join(f"{k} = ?" for k in values)
        with self._tx() as db:
            db.execute(
                f"UPDATE certificates SET {cols}, updated_at = ? WHERE cert_id = ?",  # noqa: S608
                (*values.values(), now(), cert_id),
            )
            if "status" in values:
                self._audit(db, cert_id, "status", f"{values['status']} {values.get('detail', '')}")

    # --- send attempts -------------------------------------------------------------------------
    # pending -> handing_over -> sent | failed | unknown | deferred;  pending -> aborted (killed
    # before DATA: the server discarded it). Only a stop inside handing_over leaves "unknown".

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
        with self._tx() as db:
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
        with self._tx() as db:
            self._finish(db, attempt, state, detail, code, status, now())

    def _finish(
        self, db: sqlite3.Connection, attempt: int, state: str, detail: str, code: int | None,
        status: str, stamp: str,
    ) -> None:
        """Close one attempt and move its certificate (inside the caller's transaction)."""
        row = db.execute("SELECT cert_id, test FROM attempts WHERE id = ?", (attempt,)).fetchone()
        db.execute(
            "UPDATE attempts SET state = ?, detail = ?, code = ?, finished_at = ? WHERE id = ?",
            (state, detail, code, stamp, attempt),
        )
        if row and not row["test"]:
            db.execute(
                "UPDATE certificates SET status = ?, detail = ?, synced = 0, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'Sent' THEN ? ELSE sent_at END WHERE cert_id = ?",
                (status, detail, now(), status, stamp, row["cert_id"]),
            )
            self._audit(db, row["cert_id"], "send", f"{state} {detail}".strip())

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

    def unsynced(self) -> list[Record]:
        """Certificates whose current status is not yet shown in the sheet."""
        rows = self.db.execute("SELECT * FROM certificates WHERE synced = 0").fetchall()
        return [Record.from_row(r) for r in rows]

    def mark_synced(self, cert_ids: list[str]) -> None:
        """Note that the sheet now shows these certificates' statuses."""
        with self._tx() as db:
            db.executemany(
                "UPDATE certificates SET synced = 1 WHERE cert_id = ?", [(c,) for c in cert_ids]
            )

    def all(self) -> list[Record]:
        """Every certificate, in row order."""
        rows = self.db.execute("SELECT * FROM certificates ORDER BY row_number, created_at").fetchall()
        return [Record.from_row(r) for r in rows]

    def history(self, cert_id: str) -> list[dict[str, object]]:
        """Every attempt for a certificate, oldest first."""
        rows = self.db.execute(
            "SELECT * FROM attempts WHERE cert_id = ? ORDER BY id", (cert_id,)
        ).fetchall()
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many certificates are in each status."""
        rows = self.db.execute("SELECT status, COUNT(*) FROM certificates GROUP BY status")
        return {r[0]: r[1] for r in rows}

    def _audit(self, db: sqlite3.Connection, cert_id: str, action: str, detail: str) -> None:
        """Append to the audit trail (inside the caller's transaction)."""
        db.execute(
            "INSERT INTO audit (at, cert_id, action, detail) VALUES (?, ?, ?, ?)",
            (now(), cert_id, action, detail),
        )


def open_ledger(folder: Path) -> Ledger:
    """The ledger of the event in `folder`."""
    return Ledger(Path(folder) / LEDGER_FILE)
