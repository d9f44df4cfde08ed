"""The status words certkit writes into the sheet: one vocabulary, one home.

`Status` is a str-valued Enum: a member *is* its sheet text, so it is stored in SQLite as that
text, compares equal to the text read back from a sheet or the ledger, and prints as it in
f-strings on every Python certkit supports (3.10 changed nothing, 3.11/3.12 changed `format()` of
mixed-in enums: `__str__` and `__format__` are pinned here so "Sent" always prints "Sent").
"""

from __future__ import annotations

from enum import Enum

STATUS_KINDS = ("certificate_id", "status", "sent_at", "detail")  # the columns certkit owns


class Status(str, Enum):
    """Every status a row can show. The ledger is the truth; the sheet shows it."""

    NOT_SENT = "Not sent"
    PENDING = "Pending"
    SENT = "Sent"
    FAILED = "Failed"
    UNKNOWN = "Unknown"
    BOUNCED = "Bounced"
    CLAIMED = "Claimed"  # opened through the personal link (certkit serve)
    REVOKED = "Revoked"
    REPLACED = "Replaced"
    # a test copy sent to the organizer: shown in the run's summary, never written to the sheet
    TEST_SENT = "Test Sent"
    TEST_FAILED = "Test Failed"
    TEST_UNKNOWN = "Test Unknown"
    TEST_NOT_SENT = "Test Not sent"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def is_test(self) -> bool:
        """True for the statuses of a test copy."""
        return self.name.startswith("TEST_")

    def as_test(self) -> Status:
        """The status of a test copy whose real send would have ended in this status."""
        return self if self.is_test else Status[f"TEST_{self.name}"]

    @classmethod
    def of(cls, text: str) -> Status | None:
        """The status a sheet or ledger cell holds (case and spaces ignored), or None."""
        folded = " ".join(str(text).split()).casefold()
        return next((s for s in cls if s.value.casefold() == folded), None)


NOT_SENT = Status.NOT_SENT
PENDING = Status.PENDING
SENT = Status.SENT
FAILED = Status.FAILED
UNKNOWN = Status.UNKNOWN
BOUNCED = Status.BOUNCED
CLAIMED = Status.CLAIMED
REVOKED = Status.REVOKED
REPLACED = Status.REPLACED

TEST = frozenset(s for s in Status if s.is_test)  # a test copy's statuses
# never sent again by `run`: issued already, or ended on purpose
DONE = frozenset({SENT, UNKNOWN, REVOKED, REPLACED, BOUNCED, CLAIMED})
# a certificate the verification site shows as valid (a bounce is a mail problem, not a revocation)
VALID = frozenset({SENT, CLAIMED, BOUNCED})


def shown_time(stamp: str, zone: str = "") -> str:
    """A ledger time (ISO 8601 with offset) as the sheet shows it in 'Sent at': the sheet owner's
    local time, readable and sortable as text, e.g. `2026-12-01 19:41`.

    `zone` is an IANA name (a Google Sheet's own time zone); blank or unknown means this
    computer's time zone. Text that is not a time comes back unchanged.
    """
    from datetime import datetime

    if not stamp:
        return ""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    try:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(zone)) if zone else when.astimezone()
    except (ValueError, KeyError, OSError):  # unknown zone name, or no time-zone data installed
        when = when.astimezone()
    return when.strftime("%Y-%m-%d %H:%M")
