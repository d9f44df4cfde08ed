"""`certkit bounces`: read the sender's inbox for bounces since the first send and mark those rows.

The inbox is opened read-only (EXAMINE) and read with BODY.PEEK: no flag, move or delete ever
reaches anyone's mail. Each notification is matched to its certificate by certkit's deterministic
Message-ID (quoted in the notification), else by the failed address; the ledger keeps it, so a
second look changes nothing and no later run overwrites the row. A resend clears the row again.
"""

from __future__ import annotations

import email
import re
import ssl
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ..config import Event
from ..errors import CertkitError
from ..ledger import BounceRecord, Ledger, now
from ..sheets import RosterSource
from ._dsn import BOUNCE, Notice, may_be_bounce, read_notice
from ._imap import ImapAccount, imap_login

if TYPE_CHECKING:
    from ..jobs import Run

BATCH = 200  # messages per FETCH
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class BounceReport:
    """What one look at the inbox found."""

    checked: bool = True  # False: no mailbox to look in
    nothing_sent: bool = False  # nothing of this event was sent yet: nothing to look for
    looked_at: int = 0  # messages since the first send
    bounced: list[tuple[int, str, str]] = field(default_factory=list)  # (row, name, reason) new now
    known: int = 0  # notifications read before (unchanged)
    unmatched: int = 0  # bounces for no certificate of this event
    not_bounces: Counter[str] = field(default_factory=Counter)  # auto-reply / delay / other

    def to_text(self) -> str:
        """A few lines for the organizer."""
        if not self.checked:
            return ("No mailbox to look in: set [transport] imap_host (Gmail: imap.gmail.com), then "
                    "run this again.")
        if self.nothing_sent:
            return "Nothing of this event was sent yet, so there are no bounces to look for."
        lines = [f"Looked at {self.looked_at} message(s) in the inbox since the first send: "
                 f"{len(self.bounced)} new bounce(s)."]
        lines += [f"  row {row} {name}: Bounced, {reason}" for row, name, reason in self.bounced]
        if self.known:
            lines.append(f"{self.known} bounce(s) were already known (nothing changed for them).")
        if self.unmatched:
            lines.append(f"{self.unmatched} bounce(s) are for mail that is not from this event.")
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(self.not_bounces.items()))
        if skipped:
            lines.append(f"Not bounces, left alone: {skipped}.")
        return "\n".join(lines)


def _since(first_send: str) -> date:
    """The IMAP SINCE date: the day before the first send (SINCE has no time zone)."""
    try:
        return datetime.fromisoformat(first_send).date() - timedelta(days=1)
    except ValueError:
        return date.today() - timedelta(days=30)


def _uid(item: tuple) -> bytes | None:
    """The UID in a FETCH reply's first part, e.g. b'3 (UID 17 BODY[HEADER] {342}'."""
    found = re.search(rb"UID (\d+)", item[0])
    return found.group(1) if found else None


def read_inbox(account: ImapAccount, folder: str, since: date) -> tuple[list[bytes], int]:
    """Whole messages since `since` that may be bounces, and how many were looked at.

    By UID (stable while others read or delete mail) and with BODY.PEEK (nothing marked as read).
    """
    account.examine(folder, "bounce_folder")
    day = f"{since.day:02d}-{MONTHS[since.month - 1]}-{since.year}"  # English, whatever the locale
    data = account.call("uid", "SEARCH", "SINCE", day)
    uids = (data[0] or b"").split() if data else []
    candidates: list[bytes] = []
    for i in range(0, len(uids), BATCH):
        chunk = b",".join(uids[i:i + BATCH]).decode()
        for item in account.call("uid", "FETCH", chunk, "(UID BODY.PEEK[HEADER])"):
            if isinstance(item, tuple) and may_be_bounce(email.message_from_bytes(item[1])):
                uid = _uid(item)
                if uid:
                    candidates.append(uid)
    raws = []
    for i in range(0, len(candidates), BATCH):
        chunk = b",".join(candidates[i:i + BATCH]).decode()
        raws += [item[1] for item in account.call("uid", "FETCH", chunk, "(UID BODY.PEEK[])")
                 if isinstance(item, tuple)]
    return raws, len(uids)


def _match(ledger: Ledger, notice: Notice):
    """The attempt a bounce is about: by certkit's Message-ID, else by the failed address."""
    for mid in notice.original_ids:
        attempt = ledger.attempt_by_message_id(mid)
        if attempt is not None:
            return attempt
    for address in notice.recipients:
        found = ledger.attempts_to(address)
        if found:
            return found[0]
    return None


def bounce_detail(event: Event, row: int, notice: Notice) -> str:
    """Detail for the sheet: the reason in words, the server's words, and the command to resend."""
    again = f"certkit resend {event.folder} --row {row}"
    if notice.reason == "mailbox full":
        fix = f"Try again in a few days: {again}"
    elif notice.reason == "refused as spam":
        fix = (f"Ask them to allow {event.email.sender}, or use another address: {again} "
               "--to OTHER@ADDRESS")
    else:
        fix = f"Correct the address, then: {again} --to CORRECTED@ADDRESS"
    said = f" ({notice.code}: {notice.diagnostic})" if notice.diagnostic else (
        f" ({notice.code})" if notice.code else "")
    return f"{notice.reason[:1].upper()}{notice.reason[1:]}{said}. {fix}"


def apply_notices(run: Run, notices: list[Notice], report: BounceReport) -> None:
    """Record each new bounce in the ledger and show the rows it made Bounced in the sheet."""
    ledger = run.ledger
    for notice in notices:
        if notice.kind != BOUNCE:
            report.not_bounces[notice.kind] += 1
            continue
        if ledger.bounce_seen(notice.key):
            report.known += 1
            continue
        attempt = _match(ledger, notice)
        rec = ledger.get(attempt["cert_id"]) if attempt is not None else None
        if attempt is None or rec is None or attempt["test"]:
            report.unmatched += 1
            ledger.record_bounce(BounceRecord(notice.key, "", None, ",".join(notice.recipients),
                                              notice.code, notice.reason, notice.diagnostic, False,
                                              now()))
            continue
        record = BounceRecord(notice.key, rec.cert_id, attempt["id"], attempt["to_addr"], notice.code,
                              notice.reason, notice.diagnostic, False, now())
        if ledger.record_bounce(record, bounce_detail(run.event, rec.row_number, notice)):
            report.bounced.append((rec.row_number, rec.name, notice.reason))
            run.show(ledger.get(rec.cert_id) or rec)


def bounces_run(run: Run, *, context: ssl.SSLContext | None = None) -> BounceReport:
    """Look in the inbox for bounces of the run's event and mark their rows (queued for the sheet)."""
    event, ledger = run.event, run.ledger
    report = BounceReport()
    first = ledger.first_send()
    login = imap_login(event)
    if login is None or not first:
        report.checked, report.nothing_sent = login is not None, not first
        return report
    account = ImapAccount(context=context, **login)  # type: ignore[arg-type]
    account.purpose = "look for bounces"
    try:
        raws, report.looked_at = read_inbox(account, event.transport.bounce_folder, _since(first))
    finally:
        account.close()
    apply_notices(run, [read_notice(raw) for raw in raws], report)
    return report


def bounces_after_send(run: Run) -> None:
    """At the end of `run --send` with [transport] check_bounces = true: mark rows bounced so far
    (earlier sends' bounces too). A mailbox that cannot be read is a note, never a stop."""
    if not run.event.transport.check_bounces or run.test:
        return
    try:
        report = bounces_run(run)
    except CertkitError as exc:
        run.summary.notes.append(f"Could not look for bounces ({exc}). Later: certkit bounces "
                                 f"{run.event.folder}")
        return
    if report.bounced:
        rows = ", ".join(str(row) for row, _, _ in report.bounced)
        run.summary.notes.append(f"{len(report.bounced)} message(s) came back (rows {rows}): they "
                                 "are marked Bounced, with the reason and how to resend in Detail.")


def find_bounces(event: Event, *, context: ssl.SSLContext | None = None,
                 source: RosterSource | None = None) -> BounceReport:
    """`certkit bounces`: mark bounced rows from the sender's inbox and write them to the sheet.

    Raises AuthError when the mailbox refuses the login, SendError when it cannot be reached.
    """
    from ..jobs import open_run

    with open_run(event, source) as run:
        return bounces_run(run, context=context)
