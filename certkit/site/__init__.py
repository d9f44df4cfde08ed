"""Verification without a SaaS: the static site the QR codes open, and an offline check of a PDF or ID."""

from ._site import Verdict, publish_site, verify

__all__ = [
    "Verdict",
    "publish_site",
    "verify",
]
