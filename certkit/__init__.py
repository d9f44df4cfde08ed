"""certkit: issue certificates from a roster sheet: Word template, PDF with QR code, mail, status."""

from .checks import check_event
from .config import Event, load_event
from .errors import CertkitError
from .run import init_event, resend, run_demo, run_event
from .site import publish_site, verify
from .summary import RunSummary

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
