"""Every error certkit raises, in one tree, each with a message an organizer can act on.

    CertkitError
    ├── ConfigError          event.toml is missing, unreadable or names an unknown option
    ├── RosterError          the roster cannot be read or its headers are unusable
    │   ├── RosterChanged    the sheet changed under a run; a status would land on the wrong row
    │   └── RowCorrected     a row was corrected after its certificate was sent: reissue or resend as is
    ├── TemplateError        the Word template cannot be parsed or rendered
    ├── ConversionError      no PDF converter, or a document did not convert
    ├── SendError            mail could not be sent
    │   ├── AuthError        the mail server or Google refused the credentials
    │   ├── QuotaExceeded    a daily or per-minute sending limit was reached
    │   ├── RecipientRefused the server refused one recipient for good (that row fails)
    │   ├── TemporaryFailure the server said "try again later" (4xx)
    │   └── DeliveryUnknown  the connection dropped before the server confirmed a message
    └── LedgerError          the event's ledger (certkit.db) is unusable
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CertkitError",
    "ConfigError",
    "ConversionError",
    "DeliveryUnknown",
    "LedgerError",
    "QuotaExceeded",
    "RecipientRefused",
    "RosterChanged",
    "RosterError",
    "RowCorrected",
    "SendError",
    "TemplateError",
    "TemporaryFailure",
]


class CertkitError(Exception):
    """Root of every certkit error; `row` and `column` say where, when known."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        self.row = row
        self.column = column
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = super().__str__()
        return f"{', '.join(where)}: {text}" if where else text


class ConfigError(CertkitError):
    """Raised when event.toml is missing, unreadable, or names an unknown option or back-end."""


class RosterError(CertkitError):
    """Raised when the roster cannot be read or its header row is unusable."""


class RosterChanged(RosterError):
    """Raised when a row cannot be found again safely, so no status is written to a wrong row."""


class RowCorrected(RosterError):
    """Raised by resend when the sheet's row no longer says what the sent PDF says; `changes`
    lists the differences. Reissue a corrected certificate, or resend the old one as it is."""

    def __init__(self, message: str, *, changes: list[str], **kwargs):
        self.changes = changes
        super().__init__(message, **kwargs)


class TemplateError(CertkitError):
    """Raised when the Word template cannot be parsed or rendered for a row."""


class ConversionError(CertkitError):
    """Raised when no PDF converter is available or a document fails to convert."""


class SendError(CertkitError):
    """Raised when a message could not be sent; `code` is the SMTP reply code when there was one."""

    def __init__(self, message: str, *, code: int | None = None, **kwargs):
        self.code = code
        super().__init__(message, **kwargs)


class AuthError(SendError):
    """Raised when the mail server or Google refuses the credentials: stop before sending."""


class QuotaExceeded(SendError):
    """Raised when a daily or per-minute limit is reached: stop cleanly, continue later."""


class RecipientRefused(SendError):
    """Raised when the server refuses one recipient permanently (5xx): that row fails, others go on."""


class TemporaryFailure(SendError):
    """Raised on a 4xx reply or a dropped connection before the message was handed over."""


class DeliveryUnknown(SendError):
    """Raised when the connection dropped after the message was handed over but before the reply."""


class LedgerError(CertkitError):
    """Raised when the event's ledger (certkit.db) cannot be opened or is inconsistent."""
