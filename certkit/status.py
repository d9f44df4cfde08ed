"""The status words certkit writes into the sheet: one vocabulary, one home."""

from __future__ import annotations

STATUS_KINDS = ("certificate_id", "status", "sent_at", "detail")  # the columns certkit owns

# The status vocabulary shown in the sheet. The ledger is the truth; the sheet shows it.
NOT_SENT = "Not sent"
PENDING = "Pending"
SENT = "Sent"
FAILED = "Failed"
UNKNOWN = "Unknown"
BOUNCED = "Bounced"
CLAIMED = "Claimed"  # opened through the personal link (certkit serve)
REVOKED = "Revoked"
REPLACED = "Replaced"


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
