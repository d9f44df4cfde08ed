"""Verification without a SaaS: the static site the QR codes open, and an offline check of a PDF or ID.

`certificate_page` and `index_page` make the HTML; `publish_site` writes them as static files and
`site_page` gives one page for a server to send, so both show the very same pages.
"""

from ._pages import badge_json, certificate_page, index_page, is_valid, shown_fields
from ._site import Verdict, page_records, publish_site, sha256, site_page, verify

__all__ = [
    "Verdict",
    "badge_json",
    "certificate_page",
    "index_page",
    "is_valid",
    "page_records",
    "publish_site",
    "sha256",
    "shown_fields",
    "site_page",
    "verify",
]
