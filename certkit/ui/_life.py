"""A certificate's later life in notebook 03: reissue a corrected row, revoke a certificate, and
the history of who did what. Every action asks first and is recorded as done by this notebook."""

from __future__ import annotations

from ..ledger import acting_as
from ..run import ReissuePlan, history, history_rows, plan_reissue, reissue, revoke
from ..status import Status
from ..summary import RunSummary
from ._base import LABEL, Panel, Session, html_table, note, strip_html, wide, widgets

TRAIL_COLUMNS = [("When", "When"), ("Certificate ID", "Certificate"), ("Name", "Name"),
                 ("What", "What"), ("Detail", "Detail"), ("Command", "By")]


class Lifecycle(Panel):
    """Reissue after a correction (row number), revoke (certificate ID and a public reason), history."""

    title = "Reissue, revoke, history"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.plan: ReissuePlan | None = None
        self.revoking = ""
        self.row = widgets.BoundedIntText(description="Row in the sheet", min=2, max=1_000_000,
                                          style=LABEL)
        self.check_button = widgets.Button(description="Check the row", icon="search")
        self.reissue_button = widgets.Button(description="Reissue and send…", icon="refresh",
                                             button_style="warning", disabled=True,
                                             layout=widgets.Layout(width="320px"))
        self.cert_id = widgets.Text(description="Certificate ID", style=LABEL,
                                    placeholder="CK-7F3K-9QX2")
        self.reason = widgets.Text(description="Reason (public)", style=LABEL, layout=wide(),
                                   placeholder="e.g. Issued by mistake")
        self.revoke_button = widgets.Button(description="Revoke…", icon="ban",
                                            button_style="danger",
                                            layout=widgets.Layout(width="320px"))
        self.trail = widgets.HTML()
        self.history_button = widgets.Button(description="Show the history", icon="list")
        self.check_button.on_click(lambda _b: self.check())
        self.reissue_button.on_click(lambda _b: self.reissue())
        self.revoke_button.on_click(lambda _b: self.revoke())
        self.history_button.on_click(lambda _b: self.show_history())
        self.row.observe(lambda _c: self._forget(), "value")
        self.cert_id.observe(lambda _c: self._forget(), "value")
        self.widget = widgets.VBox([
            widgets.HTML("<b>A row corrected after sending</b>"),
            widgets.HBox([self.row, self.check_button]), self.reissue_button,
            widgets.HTML("<b>Withdraw a certificate</b>"), self.cert_id, self.reason,
            self.revoke_button, self.status, self.history_button, self.trail])
        session.on_change(self._forget)

    def _forget(self) -> None:
        """A new row, ID or event: every question starts again."""
        self.plan, self.revoking = None, ""
        self.reissue_button.disabled = True
        self.reissue_button.description = "Reissue and send…"
        self.revoke_button.description = "Revoke…"

    def check(self) -> ReissuePlan | None:
        """What reissuing the row would do; the button then asks for a second click."""
        self._forget()
        self.plan = self.attempt(lambda: plan_reissue(self.session.event, row=self.row.value,
                                                      source=self.session.source()),
                                 "checking the row")
        if self.plan is not None:
            self.status.value = note(self.plan.to_text(self.session.event))
            self.reissue_button.disabled = False
            self.reissue_button.description = f"Yes, reissue and send to {self.plan.email}"
        return self.plan

    def reissue(self) -> RunSummary | None:
        """Reissue the checked row (only after Check the row showed what changes)."""
        if self.plan is None:
            self.say("Click Check the row first: it shows what changed and where the new "
                     "certificate goes.", "warn")
            return None
        event, row = self.session.event, self.plan.row.number
        self.say(f"Reissuing row {row}…")
        with acting_as(f"notebook 03: Reissue row {row}"):
            summary = self.attempt(lambda: reissue(event, row=row, source=self.session.source(),
                                                   converter=self.session.converter()),
                                   "reissuing")
        self._forget()
        if summary is not None:
            outcome = summary.outcomes[-1] if summary.outcomes else None
            ok = outcome is not None and outcome.status == Status.SENT
            self.say(f"Row {row}: new certificate {outcome.certificate_id if outcome else ''} "
                     f"{'sent' if ok else 'not sent: ' + (outcome.detail if outcome else '')}. "
                     "Make the verification site again so the old page says Replaced.",
                     "ok" if ok else "error")
            self.show_history()
        return summary

    def revoke(self) -> bool:
        """First click asks, second click revokes the certificate typed."""
        cert_id = self.cert_id.value.strip()
        if not cert_id:
            self.say("Type the certificate ID to revoke.", "warn")
            return False
        if self.revoking != cert_id:
            self.revoking = cert_id
            self.revoke_button.description = f"Yes, revoke {cert_id} for good"
            self.say(f"Revoke {cert_id}? Its page will say Revoked with today's date and the "
                     "reason above, and it is never sent again. Click again to confirm.", "warn")
            return False
        with acting_as(f"notebook 03: Revoke {cert_id}"):
            rec = self.attempt(lambda: revoke(self.session.event, cert_id, self.reason.value,
                                              source=self.session.source()), "revoking")
        self._forget()
        if rec is None:
            return False
        self.say(f"{rec.cert_id} ({rec.name}) is revoked. Make the verification site again so "
                 "that its page says so.", "ok")
        self.show_history()
        return True

    def show_history(self) -> None:
        """The audit trail: of the certificate typed above, else the event's last 50 lines."""
        event = self.session.event
        wanted = self.cert_id.value.strip() or None
        entries = self.attempt(lambda: history(event, wanted), "reading the history")
        if entries is None:
            return
        rows = history_rows(event, entries)[-50:]
        self.trail.value = html_table(rows, TRAIL_COLUMNS, empty="Nothing has happened yet.")

    def text(self) -> str:
        """The panel's state as plain text."""
        return f"{self.title}\n{strip_html(self.status.value)}"
