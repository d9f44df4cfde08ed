"""certkit: issue certificates from a roster sheet: Word template, PDF with QR code, mail, status."""

from .errors import CertkitError

__version__ = "0.1.0"
__all__ = ["CertkitError", "__version__"]
