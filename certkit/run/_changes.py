"""What the sheet now says differently from a certificate already made: the reason to reissue."""

from __future__ import annotations

from ..config import Event
from ..docs import row_fields
from ..errors import CertkitError
from ..ledger import Record
from ..sheets import Row

OWN = {"certificate_id", "Certificate ID", "verify_url", "qr_code", "event_name"}  # certkit's own


def row_changes(event: Event, row: Row, record: Record) -> list[str]:
    """Each difference between the row in the sheet and what certificate `record` says, in words
    ("Full Name: 'Bob Ray' -> 'Robert Ray'"); empty when the certificate still matches its row."""
    found = []
    name = " ".join(row.get(event.roster.name_column).split())
    if name and name != " ".join(record.name.split()):
        found.append(f"{event.roster.name_column}: '{record.name}' -> '{name}'")
    try:
        now = row_fields(event, row, list(record.fields), record.cert_id)
    except CertkitError:
        return found  # an unusable value: the data check says so when it is reissued
    for key, before in record.fields.items():
        after = now.get(key, before)
        if key in OWN or after == before or (before, after) == (record.name, name):
            continue
        found.append(f"{key}: '{before}' -> '{after}'")
    return found
