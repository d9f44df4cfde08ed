"""Notebook widgets (ipywidgets): each panel calls library functions; the notebooks call these.

    ui.start()                      # the event in $CERTKIT_EVENT or ./demo-event (made if missing)
    ui.event_picker()               # then one panel per cell, top to bottom (each on ui.current())

Every panel shows as widgets in Jupyter and as plain text where no widget front-end is attached.
Needs the notebook extra: pip install 'certkit[notebook]'.
"""

from __future__ import annotations

from ._accounts import GoogleAccount, MailAccount
from ._after import FindPerson, StatusSummary
from ._base import Panel, Session, current, html_table, plain, start, strip_html
from ._details import EventDetails
from ._event import EventPicker, RosterPicker
from ._life import Lifecycle
from ._mapping import MappingEditor
from ._sending import CheckReport, SendPanel, TestSend
from ._tracking import Bounces, Statistics
from ._unattended import ScheduledSend, WatchPanel
from ._unknown import UnknownRows
from ._verifying import CertificateCheck, VerificationSite, safe_name

__all__ = [
    "Bounces",
    "CertificateCheck",
    "CheckReport",
    "EventDetails",
    "EventPicker",
    "FindPerson",
    "GoogleAccount",
    "Lifecycle",
    "MailAccount",
    "MappingEditor",
    "Panel",
    "RosterPicker",
    "ScheduledSend",
    "SendPanel",
    "Session",
    "Statistics",
    "StatusSummary",
    "TestSend",
    "UnknownRows",
    "VerificationSite",
    "WatchPanel",
    "bounces",
    "check_certificate",
    "check_report",
    "current",
    "event_details",
    "event_picker",
    "find_person",
    "google_account",
    "html_table",
    "lifecycle",
    "mail_account",
    "mapping_editor",
    "plain",
    "roster_picker",
    "safe_name",
    "scheduled_send",
    "send_panel",
    "start",
    "statistics",
    "status_summary",
    "strip_html",
    "test_send",
    "unknown_rows",
    "verification_site",
    "watch_panel",
]


def event_details(session: Session | None = None) -> EventDetails:
    """The event's name, verification address, sender and organization, with the demo's marked."""
    return EventDetails(session or current())


def event_picker(session: Session | None = None) -> EventPicker:
    """Open another event folder or create a new one."""
    return EventPicker(session or current())


def roster_picker(session: Session | None = None) -> RosterPicker:
    """Choose the participants list (file or Google Sheet), worksheet, name and email columns."""
    return RosterPicker(session or current())


def mapping_editor(session: Session | None = None) -> MappingEditor:
    """Which column fills each placeholder, with a live preview of one row's certificate."""
    return MappingEditor(session or current())


def check_report(session: Session | None = None) -> CheckReport:
    """The data check as a table."""
    return CheckReport(session or current())


def test_send(session: Session | None = None) -> TestSend:
    """Send a few certificates to yourself, marked TEST."""
    return TestSend(session or current())


def send_panel(session: Session | None = None) -> SendPanel:
    """Send every certificate, after a confirmation, with progress and a summary."""
    return SendPanel(session or current())


def scheduled_send(session: Session | None = None) -> ScheduledSend:
    """Send at a set local time (after a confirmation), while the notebook stays open."""
    return ScheduledSend(session or current())


def watch_panel(session: Session | None = None) -> WatchPanel:
    """Mail new rows their certificate as they arrive (after a confirmation), until Stop."""
    return WatchPanel(session or current())


def status_summary(session: Session | None = None) -> StatusSummary:
    """How many certificates are in each status."""
    return StatusSummary(session or current())


def find_person(session: Session | None = None) -> FindPerson:
    """Find a person, see their history, resend."""
    return FindPerson(session or current())


def google_account(session: Session | None = None) -> GoogleAccount:
    """Connect a Google account for a Google Sheet roster."""
    return GoogleAccount(session or current())


def mail_account(session: Session | None = None) -> MailAccount:
    """Connect the mail account (Gmail app password, or another server)."""
    return MailAccount(session or current())


def unknown_rows(session: Session | None = None) -> UnknownRows:
    """Messages whose delivery is unknown, with a button that looks for them in the Sent folder."""
    return UnknownRows(session or current())


def verification_site(session: Session | None = None) -> VerificationSite:
    """Make the verification site the QR codes point to, and say where to upload it."""
    return VerificationSite(session or current())


def check_certificate(session: Session | None = None) -> CertificateCheck:
    """Check a PDF or a certificate ID someone sends you."""
    return CertificateCheck(session or current())


def bounces(session: Session | None = None) -> Bounces:
    """Rows whose mail came back, with a button that reads the inbox for new bounces."""
    return Bounces(session or current())


def statistics(session: Session | None = None) -> Statistics:
    """Certificates per status, sends and claims per day, and the chart (saved as out/stats.png)."""
    return Statistics(session or current())


def lifecycle(session: Session | None = None) -> Lifecycle:
    """Reissue a row corrected after sending, revoke a certificate, see who did what."""
    return Lifecycle(session or current())
