"""certkit: issue certificates from a roster sheet: Word template, PDF with QR code, mail, status.

The public API for notebooks and scripts, one call per step of the organizer's day:

    event = certkit.open_event("my-event")        # read event.toml (ConfigError names the fix)
    found = certkit.check(event)                   # everything `run --send` would meet; writes nothing
    certkit.preview(event, row)                    # one row's certificate as PNG/PDF
    plan = certkit.send_plan(event)                # how many would go, what the quota allows
    summary = certkit.run_event(event, send=True)  # make PDFs, mail them, write statuses back
    certkit.resend(event, row=12, to="new@example.org")
    certkit.reconcile(event)                       # settle Unknown rows from the Sent folder
    certkit.publish_site(event)                    # the static verification site
    certkit.verify(event, "CK-7F3K-9QX2")          # or the path of a PDF

Every error is a CertkitError (see certkit.errors for the tree).
"""

from .checks import Preflight, check_event
from .config import Event, load_event
from .docs import preview
from .errors import (
    AuthError,
    CertkitError,
    ConfigError,
    ConversionError,
    DeliveryUnknown,
    LedgerError,
    QuotaExceeded,
    RecipientRefused,
    RosterChanged,
    RosterError,
    RowCorrected,
    SendError,
    TemplateError,
    TemporaryFailure,
)
from .run import check, init_event, open_event, resend, run_demo, run_event, send_plan
from .send import SendPlan, reconcile
from .site import publish_site, verify
from .status import Status
from .summary import RunSummary

__version__ = "0.1.0"
__all__ = [
    "AuthError",
    "CertkitError",
    "ConfigError",
    "ConversionError",
    "DeliveryUnknown",
    "Event",
    "LedgerError",
    "Preflight",
    "QuotaExceeded",
    "RecipientRefused",
    "RosterChanged",
    "RosterError",
    "RowCorrected",
    "RunSummary",
    "SendError",
    "SendPlan",
    "Status",
    "TemplateError",
    "TemporaryFailure",
    "__version__",
    "check",
    "check_event",
    "init_event",
    "load_event",
    "open_event",
    "preview",
    "publish_site",
    "reconcile",
    "resend",
    "run_demo",
    "run_event",
    "send_plan",
    "verify",
]
