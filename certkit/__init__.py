"""certkit: issue certificates from a roster sheet: Word template, PDF with QR code, mail, status."""

from .config import Event, load_event
from .errors import CertkitError
from .events import init_event, run_demo
from .pipeline import RunSummary, run_event
from .preflight import check_event
from .resend import resend
from .verify import publish_site, verify

__version__ = "0.1.0"
__all__ = [
    "CertkitError",
    "Event",
    "RunSummary",
    "__version__",
    "check_event",
    "init_event",
    "load_event",
    "publish_site",
    "resend",
    "run_demo",
    "run_event",
    "verify",
]
