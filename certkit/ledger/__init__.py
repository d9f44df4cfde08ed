"""The event's ledger (certkit.db): every certificate and send attempt; the truth behind the sheet."""

from ._attempts import now
from ._ledger import Ledger, Record, open_ledger
from ._tracking import BounceRecord

__all__ = [
    "BounceRecord",
    "Ledger",
    "Record",
    "now",
    "open_ledger",
]
