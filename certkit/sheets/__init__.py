"""Roster sources (Google Sheets, XLSX, CSV), header parsing, row matching, status write-back."""

from ._csv import CsvRosterSource, csv_safe
from ._files import (
    StatusBoard,
    XlsxRosterSource,
    open_roster,
    roster_location,
    worksheet_names,
)
from ._header import column_letter, column_number, parse_table, status_targets
from ._matching import CHANGED, changed_after_sending, match_rows
from ._roster import Roster, RosterSource, Row, StatusUpdate, find_column, fingerprint

# Google's names load on first use: gspread and google-auth are the optional `sheets` extra.
_GOOGLE = {
    "GoogleSheetSource": "_google",
    "GoogleOptions": "_google_auth",
    "authorize": "_google_auth",
    "make_client": "_google_auth",
    "token_path": "_google_auth",
    "RetryPolicy": "_google_http",
    "account_of": "_google_http",
    "google_errors": "_google_http",
}


def __getattr__(name: str) -> object:
    """Import a Google back-end name when it is first asked for (PEP 562)."""
    if name in _GOOGLE:
        import importlib

        return getattr(importlib.import_module(f".{_GOOGLE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CHANGED",
    "CsvRosterSource",
    "GoogleOptions",
    "GoogleSheetSource",
    "RetryPolicy",
    "Roster",
    "RosterSource",
    "Row",
    "StatusBoard",
    "StatusUpdate",
    "XlsxRosterSource",
    "account_of",
    "authorize",
    "changed_after_sending",
    "column_letter",
    "column_number",
    "csv_safe",
    "find_column",
    "fingerprint",
    "google_errors",
    "make_client",
    "match_rows",
    "open_roster",
    "parse_table",
    "roster_location",
    "status_targets",
    "token_path",
    "worksheet_names",
]
