"""The delivery-tracking half of the ledger: bounces read from the mailbox, personal links, claims.

Three tables, added to older ledgers by Ledger._migrate: `bounces` (every delivery-status
notification read, once, and whether it made its row Bounced), `links` (the unguessable token of
each certificate's personal download link) and `tracking` (per certificate: page views, PDF
downloads, LinkedIn clicks, when it was claimed).
"""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass

from ..status import BOUNCED, CLAIMED, SENT, UNKNOWN
from ._attempts import now

TRACKING_SCHEMA = """
CREATE TABLE IF NOT EXISTS bounces (
    key         TEXT PRIMARY KEY,          -- the notification's own Message-ID (or a digest): read once
    cert_id     TEXT NOT NULL DEFAULT '',  -- '' when it matched no certificate of this event
    attempt_id  INTEGER,
    recipient   TEXT NOT NULL DEFAULT '',
    code        TEXT NOT NULL DEFAULT '',  -- enhanced status code, e.g. 5.1.1
    reason      TEXT NOT NULL DEFAULT '',  -- in words: "no such address"
    diagnostic  TEXT NOT NULL DEFAULT '',  -- the receiving server's own words
    applied     INTEGER NOT NULL DEFAULT 0,  -- 1: it made its row Bounced
    at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    cert_id     TEXT PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tracking (
    cert_id     TEXT PRIMARY KEY,
    views       INTEGER NOT NULL DEFAULT 0,
    downloads   INTEGER NOT NULL DEFAULT 0,
    linkedin    INTEGER NOT NULL DEFAULT 0,
    last_seen   TEXT NOT NULL DEFAULT '',
    claimed_at  TEXT NOT NULL DEFAULT ''
);
"""

KINDS = ("views", "downloads", "linkedin")
CLAIMABLE = (SENT, UNKNOWN)  # opened through the personal link: it arrived


@dataclass
class BounceRecord:
    """One delivery-status notification as the ledger keeps it."""

    key: str
    cert_id: str
    attempt_id: int | None
    recipient: str
    code: str
    reason: str
    diagnostic: str
    applied: bool
    at: str


class TrackingLog:
    """Bounces, personal links and counters in the event's ledger; mixed into Ledger."""

    db: sqlite3.Connection

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by Ledger
        raise NotImplementedError

    def _audit(self, db: sqlite3.Connection, cert_id: str, action: str, detail: str) -> None:
        raise NotImplementedError

    # --- bounces ---------------------------------------------------------------------------------

    def bounce_seen(self, key: str) -> bool:
        """Whether this notification was read before (each one is applied at most once)."""
        return self.db.execute("SELECT 1 FROM bounces WHERE key = ?", (key,)).fetchone() is not None

    def attempt_by_message_id(self, message_id: str) -> sqlite3.Row | None:
        """The attempt that sent this Message-ID (certkit's are unique per certificate and try)."""
        return self.db.execute(
            "SELECT * FROM attempts WHERE message_id = ? ORDER BY id DESC LIMIT 1", (message_id,)
        ).fetchone()

    def attempts_to(self, address: str) -> list[sqlite3.Row]:
        """Real (not test) attempts that reached the server for this address, newest first."""
        return self.db.execute(
            "SELECT * FROM attempts WHERE lower(to_addr) = lower(?) AND test = 0 AND state IN "
            "('sent', 'unknown') ORDER BY id DESC", (address,)
        ).fetchall()

    def latest_delivered(self, cert_id: str) -> int | None:
        """The id of the certificate's newest real attempt that reached (or may have reached) the server."""
        r = self.db.execute(
            "SELECT MAX(id) FROM attempts WHERE cert_id = ? AND test = 0 AND state IN "
            "('sent', 'unknown', 'handing_over', 'pending')", (cert_id,)
        ).fetchone()
        return int(r[0]) if r and r[0] is not None else None

    def record_bounce(self, bounce: BounceRecord, detail: str = "") -> bool:
        """Keep a notification; with `detail`, mark its certificate Bounced. True if the row changed.

        The row changes only if the bounced attempt is still the certificate's newest one and the
        row is Sent or Unknown: a resend (to a corrected address) since then is not undone.
        """
        with self._tx() as db:
            if db.execute("SELECT 1 FROM bounces WHERE key = ?", (bounce.key,)).fetchone():
                return False
            applied = False
            if detail and bounce.cert_id and bounce.attempt_id is not None:
                row = db.execute("SELECT status FROM certificates WHERE cert_id = ?",
                                 (bounce.cert_id,)).fetchone()
                newest = self.latest_delivered(bounce.cert_id)
                if row and row["status"] in (SENT, UNKNOWN) and newest == bounce.attempt_id:
                    db.execute(
                        "UPDATE certificates SET status = ?, detail = ?, synced = 0, updated_at = ? "
                        "WHERE cert_id = ?", (BOUNCED, detail, now(), bounce.cert_id),
                    )
                    db.execute("UPDATE attempts SET detail = ? WHERE id = ?",
                               (f"bounced: {bounce.reason}", bounce.attempt_id))
                    self._audit(db, bounce.cert_id, "bounced", detail)
                    applied = True
            db.execute(
                "INSERT INTO bounces (key, cert_id, attempt_id, recipient, code, reason, diagnostic, "
                "applied, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (bounce.key, bounce.cert_id, bounce.attempt_id, bounce.recipient, bounce.code,
                 bounce.reason, bounce.diagnostic, int(applied), bounce.at or now()),
            )
            return applied

    def bounces(self) -> list[BounceRecord]:
        """Every notification read so far, oldest first."""
        rows = self.db.execute("SELECT * FROM bounces ORDER BY rowid").fetchall()
        return [BounceRecord(r["key"], r["cert_id"], r["attempt_id"], r["recipient"], r["code"],
                             r["reason"], r["diagnostic"], bool(r["applied"]), r["at"]) for r in rows]

    def first_send(self) -> str:
        """When the event's first real message was handed over (ISO time), or '' if none was."""
        r = self.db.execute(
            "SELECT MIN(started_at) FROM attempts WHERE test = 0 AND state IN ('sent', 'unknown')"
        ).fetchone()
        return str(r[0] or "")

    # --- personal links and counters -------------------------------------------------------------

    def link_token(self, cert_id: str) -> str:
        """The unguessable token of this certificate's personal link (made once, then kept)."""
        r = self.db.execute("SELECT token FROM links WHERE cert_id = ?", (cert_id,)).fetchone()
        if r:
            return str(r[0])
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO links (cert_id, token, created_at) VALUES (?, ?, ?)",
                       (cert_id, secrets.token_urlsafe(18), now()))
            return str(db.execute("SELECT token FROM links WHERE cert_id = ?",
                                  (cert_id,)).fetchone()[0])

    def token_matches(self, cert_id: str, token: str) -> bool:
        """Whether `token` is this certificate's personal-link token."""
        r = self.db.execute("SELECT token FROM links WHERE cert_id = ?", (cert_id,)).fetchone()
        return bool(r) and secrets.compare_digest(str(r[0]), token)

    def count(self, cert_id: str, kind: str, *, personal: bool = False) -> bool:
        """Add one page view, download or LinkedIn click; through the personal link the first one
        claims the certificate (row -> Claimed). True when this call claimed it."""
        if kind not in KINDS:
            raise ValueError(f"unknown counter {kind!r}")
        stamp = now()
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO tracking (cert_id) VALUES (?)", (cert_id,))
            db.execute(f"UPDATE tracking SET {kind} = {kind} + 1, last_seen = ? WHERE cert_id = ?",  # noqa: S608
                       (stamp, cert_id))
            if not personal:
                return False
            row = db.execute("SELECT status FROM certificates WHERE cert_id = ?", (cert_id,)).fetchone()
            claimed = db.execute("SELECT claimed_at FROM tracking WHERE cert_id = ?",
                                 (cert_id,)).fetchone()[0]
            if claimed or not row or row["status"] not in CLAIMABLE:
                return False
            db.execute("UPDATE tracking SET claimed_at = ? WHERE cert_id = ?", (stamp, cert_id))
            db.execute(
                "UPDATE certificates SET status = ?, detail = ?, synced = 0, updated_at = ? "
                "WHERE cert_id = ?",
                (CLAIMED, f"Opened through the personal link on {stamp[:16].replace('T', ' ')}",
                 stamp, cert_id),
            )
            self._audit(db, cert_id, "claimed", kind)
            return True

    def counters(self) -> dict[str, dict[str, object]]:
        """cert_id -> views, downloads, linkedin, last_seen, claimed_at."""
        rows = self.db.execute("SELECT * FROM tracking").fetchall()
        return {r["cert_id"]: {k: r[k] for k in r.keys() if k != "cert_id"} for r in rows}
