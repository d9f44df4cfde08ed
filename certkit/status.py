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
