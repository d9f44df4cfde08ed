"""The event's ledger (certkit.db, SQLite): every certificate and send attempt, the truth behind the sheet."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LedgerError
from ..ids import new_certificate_id
from ..status import NOT_SENT, REPLACED, REVOKED
from ._attempts import AttemptLog, now
from ._audit import AuditLog
from ._tracking import TRACKING_SCHEMA, TrackingLog

LEDGER_FILE = "certkit.db"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS certificates (
    cert_id     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    row_number  INTEGER,
    email       TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{{}}',
    pdf         TEXT NOT NULL DEFAULT '',
    pages       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT '{NOT_SENT}',
    detail      TEXT NOT NULL DEFAULT '',
    sent_at     TEXT NOT NULL DEFAULT '',
    synced      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_fingerprint ON certificates(fingerprint);
CREATE INDEX IF NOT EXISTS certificates_id_nocase ON certificates(cert_id COLLATE NOCASE);
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
    replaces: str = ""  # the certificate this one was reissued from
    replaced_by: str = ""  # the certificate reissued in its place (status Replaced)
    ended_at: str = ""  # when it was revoked or replaced
    reason: str = ""  # the public reason for revoking or reissuing it

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> Record:
        """Build from a SELECT * row."""
        d = dict(r)
        d["fields"] = json.loads(d["fields"] or "{}")
        d["synced"] = bool(d["synced"])
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


# columns added after the first release: (table, column, declaration); added when missing
MIGRATIONS = [
    ("attempts", "seq", "INTEGER NOT NULL DEFAULT 0"),
    ("attempts", "handed_at", "REAL"),
    ("certificates", "replaces", "TEXT NOT NULL DEFAULT ''"),
    ("certificates", "replaced_by", "TEXT NOT NULL DEFAULT ''"),
    ("certificates", "ended_at", "TEXT NOT NULL DEFAULT ''"),
    ("certificates", "reason", "TEXT NOT NULL DEFAULT ''"),
    ("audit", "command", "TEXT NOT NULL DEFAULT ''"),
]


class Ledger(AuditLog, AttemptLog, TrackingLog):
    """The event's SQLite ledger; every state change is committed before the next step runs."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock: Any = None
        self._batching = False
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
        """Add columns that ledgers made by older certkit versions lack (see MIGRATIONS)."""
        have: dict[str, set[str]] = {}
        for table, column, kind in MIGRATIONS:
            if table not in have:
                have[table] = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have[table]:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                have[table].add(column)
        self.db.executescript(TRACKING_SCHEMA)  # bounces, personal links, view/download counters

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
    def _tx(self, synced: bool = True) -> Iterator[sqlite3.Connection]:
        """One committed transaction (inside batch(): part of the batch's transaction).

        Every commit survives the process being stopped or killed. `synced=False` skips the disk
        sync, so a power cut may lose it: only for a step whose loss the next synced commit (or
        a lookup in the Sent folder) makes good. In WAL mode a sync covers all commits before it.
        """
        if self._batching:
            yield self.db
            return
        if not synced:
            self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:  # Ctrl-C can land just after COMMIT: nothing to undo
                    self.db.execute("ROLLBACK")
                raise
        finally:
            if not synced:
                self.db.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make many certificate changes one transaction: one disk sync instead of one per row.

        For bookkeeping that can be redone (new IDs, "PDF ready"): a stop inside the batch
        leaves none of it, and the next run does it again. Never around sending, whose steps
        must each be committed on their own (see AttemptLog).
        """
        if self._batching:
            yield
            return
        with self._tx():
            self._batching = True
            try:
                yield
            finally:
                self._batching = False

    def get(self, cert_id: str) -> Record | None:
        """The certificate with this ID (case ignored, see ids.id_key), if the ledger has it."""
        cert_id = cert_id.strip()
        r = self.db.execute(
            "SELECT * FROM certificates WHERE cert_id = ? COLLATE NOCASE "
            "ORDER BY cert_id = ? DESC LIMIT 1", (cert_id, cert_id)).fetchone()
        return Record.from_row(r) if r else None

    def find(self, fingerprint: str, cert_id: str = "") -> Record | None:
        """The row's certificate: by the ID in the sheet, else by fingerprint (newest first)."""
        if cert_id:
            rec = self.get(cert_id)
            if rec:
                return rec
        r = self.db.execute(
            "SELECT * FROM certificates WHERE fingerprint = ? AND status != ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (fingerprint, REPLACED),
        ).fetchone()
        return Record.from_row(r) if r else None

    def assign(self, fingerprint: str, row_number: int, email: str, name: str, cert_id: str = "") -> Record:
        """Create the certificate for a row, with a fresh unique ID unless the sheet already has one."""
        if cert_id and self.get(cert_id):
            raise LedgerError(f"Certificate ID {cert_id} is already used by another row.")
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

    def log(self, cert_id: str, action: str, detail: str = "") -> None:
        """Note an event in the certificate's audit trail (e.g. "issued" when its PDF is made)."""
        with self._tx() as db:
            self._audit(db, cert_id, action, detail)

    def replace(self, old_id: str, reason: str, *, fingerprint: str, row_number: int, email: str,
                name: str) -> Record:
        """Reissue: a new certificate (fresh ID) for the row, and the old one Replaced by it, in
        one transaction, so no stop can leave two live certificates or none. Returns the new one."""
        old = self.get(old_id)
        if old is None or old.status in (REPLACED, REVOKED):
            state = old.status.lower() if old else "unknown"
            raise LedgerError(f"Certificate {old_id} is {state}; it cannot be reissued.")
        stamp = now()
        for _ in range(20):
            cid = new_certificate_id()
            try:
                with self._tx() as db:
                    db.execute(
                        "INSERT INTO certificates (cert_id, fingerprint, row_number, email, name, "
                        "replaces, reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (cid, fingerprint, row_number, email, name, old_id, reason, stamp, stamp),
                    )
                    db.execute(
                        "UPDATE certificates SET status = ?, replaced_by = ?, ended_at = ?, "
                        "reason = ?, detail = ?, synced = 1, updated_at = ? WHERE cert_id = ?",
                        (REPLACED, cid, stamp, reason, f"Replaced by {cid}", stamp, old_id),
                    )
                    self._audit(db, old_id, "replaced", f"by {cid}: {reason}")
                    self._audit(db, cid, "reissued", f"replaces {old_id}: {reason}")
            except sqlite3.IntegrityError:
                continue  # the random ID exists already (revoked and replaced ones too): draw again
            rec = self.get(cid)
            assert rec is not None
            return rec
        raise LedgerError("Could not create a unique certificate ID; try again.")

    def revoke(self, cert_id: str, reason: str) -> Record:
        """Withdraw a certificate for good: status Revoked, with the date and the public reason."""
        rec = self.get(cert_id)
        if rec is None:
            raise LedgerError(f"No certificate with ID {cert_id} in this event. Check the spelling.")
        if rec.status == REVOKED:
            return rec
        stamp = now()
        detail = f"Revoked on {stamp[:10]}" + (f": {reason}" if reason else "")
        with self._tx() as db:
            db.execute(
                "UPDATE certificates SET status = ?, ended_at = ?, reason = ?, detail = ?, "
                "synced = 0, updated_at = ? WHERE cert_id = ?",
                (REVOKED, stamp, reason, detail, stamp, cert_id),
            )
            self._audit(db, cert_id, "revoked", reason or "no reason given")
        return self.get(cert_id) or rec

    def current(self, cert_id: str) -> Record | None:
        """The certificate that stands for `cert_id` now: itself, or the one that replaced it."""
        rec = self.get(cert_id)
        seen = set()
        while rec and rec.replaced_by and rec.cert_id not in seen:
            seen.add(rec.cert_id)
            rec = self.get(rec.replaced_by) or rec
        return rec

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

    def search(self, text: str) -> list[Record]:
        """Certificates whose name, email or ID contains `text` (case and spacing ignored)."""
        from .._text import normalize

        wanted = normalize(text)
        if not wanted:
            return []
        return [r for r in self.all() if any(
            wanted in normalize(v) for v in (r.name, r.email, r.cert_id))]

    def counts(self) -> dict[str, int]:
        """How many certificates are in each status."""
        rows = self.db.execute("SELECT status, COUNT(*) FROM certificates GROUP BY status")
        return {r[0]: r[1] for r in rows}



def open_ledger(folder: Path) -> Ledger:
    """The ledger of the event in `folder` (created when the event has none yet)."""
    return Ledger(Path(folder) / LEDGER_FILE)


def peek_ledger(folder: Path) -> Ledger:
    """The ledger of the event in `folder` for reading: an empty one in memory when the event has
    none yet, so a check or a plan never creates certkit.db."""
    path = Path(folder) / LEDGER_FILE
    return Ledger(path) if path.exists() else Ledger(Path(":memory:"))
