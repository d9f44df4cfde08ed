"""The event's ledger (certkit.db): every certificate and send attempt; the truth behind the sheet."""

from ._attempts import now
from ._audit import ACTIONS, AuditEntry, acting_as, current_command
from ._ledger import Ledger, Record, open_ledger, peek_ledger
from ._tracking import BounceRecord

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "BounceRecord",
    "Ledger",
    "Record",
    "acting_as",
    "current_command",
    "now",
    "open_ledger",
    "peek_ledger",
]
