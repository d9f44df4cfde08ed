"""After the event: how many certificates are in each status, one person's history, a resend."""

from __future__ import annotations

import html
from collections.abc import Callable

from .._text import normalize
from ..emails import valid_email
from ..errors import CertkitError, RowCorrected
from ..ledger import Record, open_ledger
from ..run import BLOCKED, NOT_STARTED, event_status, resend
from ..sheets import roster_location
from ..status import Status
from ..summary import RunSummary
from ._base import LABEL, Panel, Session, fits, html_table, link, note, plain, strip_html, wide, widgets

COUNT_COLUMNS = [("status", "Status"), ("count", "Certificates")]
ATTENTION_COLUMNS = [("row", "Row"), ("name", "Name"), ("email", "Email"),
                     ("status", "Status"), ("detail", "Detail")]
HISTORY_COLUMNS = [("started_at", "When"), ("to_addr", "To"), ("state", "Result"),
                   ("detail", "Detail"), ("kind", "Kind")]
Resender = Callable[..., RunSummary]  # resend's signature


class StatusSummary(Panel):
    """How many certificates are in each status, and the rows that need attention."""

    title = "Status of every certificate"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.button = widgets.Button(description="Refresh", icon="refresh")
        self.button.on_click(lambda _b: self.refresh())
        self.table = widgets.HTML()
        self.counts: dict[str, int] = {}
        self.widget = widgets.VBox([self.button, self.table, self.status])
        session.on_change(self.refresh)
        session.after_action(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the participants list and the ledger now: every status, blocked rows included."""
        event = self.session.event
        found = self.attempt(lambda: event_status(event, self.session.source()),
                             "reading the statuses")
        if found is None:
            return
        self.counts = found.counts()
        attention = [r.__dict__ for r in found.attention()]
        rows = [{"status": s, "count": n} for s, n in self.counts.items()]
        total = sum(self.counts.values())
        self.table.value = (
            (note(plain(found.note), "warn") if found.note else "")
            + html_table(rows, COUNT_COLUMNS, empty="No rows yet.")
            + (f"<p>Needing attention ({len(attention)}):</p>"
               + html_table(attention, ATTENTION_COLUMNS) if attention else ""))
        self.status.value = (f"<p>{total} row(s). The participants list shows the same "
                             f"statuses: {link(roster_location(event))}</p>")

    def text(self) -> str:
        """The counts as lines."""
        lines = [self.title] + [f"  {s}: {n}" for s, n in self.counts.items()]
        return "\n".join([*lines, strip_html(self.status.value)])


class FindPerson(Panel):
    """Find someone by name, email or certificate ID; see their history; resend, maybe elsewhere."""

    title = "Find a person"

    def __init__(self, session: Session, resender: Resender = resend):
        super().__init__()
        self.session = session
        self.resender = resender
        self.records: list[Record] = []
        self.as_is = ""  # the certificate to resend although its row was corrected (asked first)
        self.query = widgets.Text(description="Name, email or ID", style=LABEL, layout=wide(),
                                  placeholder="e.g. Dubois, amelie@, CK-7F3K",
                                  continuous_update=False)
        self.find_button = widgets.Button(description="Find", icon="search")
        self.matches = widgets.Select(description="Matches", style=LABEL, layout=wide(), rows=5)
        self.details = widgets.HTML()
        self.to = widgets.Text(description="Send to", style=LABEL, layout=wide())
        self.resend_button = widgets.Button(description="Resend the certificate", icon="repeat",
                                            button_style="warning", disabled=True,
                                            layout=fits("300px"))
        self.query.observe(lambda _c: self.find(), "value")  # Enter or leaving the box
        self.find_button.on_click(lambda _b: self.find())
        self.matches.observe(lambda _c: self.show(), "value")
        self.to.observe(lambda _c: self._label(), "value")
        self.question = widgets.HTML()
        self.yes = widgets.Button(description="Yes, resend", button_style="danger", icon="check")
        self.no = widgets.Button(description="Cancel", icon="times")
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.yes, self.no])],
                                        layout=widgets.Layout(display="none"))
        self.resend_button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.confirm())
        self.no.on_click(lambda _b: self.cancel())
        self.widget = widgets.VBox([widgets.HBox([self.query, self.find_button]), self.matches,
                                    self.details, self.to, self.resend_button, self.confirm_box,
                                    self.status])
        session.on_change(self.find)

    def find(self) -> None:
        """List the certificates matching the search."""
        with open_ledger(self.session.event.folder) as ledger:
            self.records = ledger.search(self.query.value)
        self.matches.options = [
            (f"Row {r.row_number}: {r.name} <{r.email}> — {r.status} ({r.cert_id})", r.cert_id)
            for r in self.records]
        self.matches.value = self.records[0].cert_id if self.records else None
        if not self.records:
            self.details.value = ""
            self.resend_button.disabled = True
            if self.query.value.strip():
                self.say(self._why_none(self.query.value.strip()), "warn")
        else:
            self.say(f"{len(self.records)} match(es).")
            self.show()  # also when the same person stays selected: the facts may have changed

    def _why_none(self, query: str) -> str:
        """No certificate matches: say whether the person is in the list and why they have none."""
        found = self.attempt(lambda: event_status(self.session.event, self.session.source()),
                             "reading the participants list")
        wanted = normalize(query)
        rows = [r for r in (found.rows if found else [])
                if wanted and any(wanted in normalize(v) for v in (r.name, r.email))]
        if not rows:
            return (f"Nobody in the participants list matches '{query}'. Try part of the name "
                    "or of the email address.")
        hints = {BLOCKED: "Fix it in the sheet, then click 'Check again' and send in notebook 02.",
                 NOT_STARTED: "Send in notebook 02 to make and mail it."}
        return "\n".join(
            f"Row {r.row} ({r.name or r.email}) has no certificate yet: {r.status}"
            + (f": {r.detail}" if r.detail else ".") + " " + hints.get(r.status, "")
            for r in rows[:5]).strip()

    def selected(self) -> Record | None:
        """The certificate chosen in the list."""
        return next((r for r in self.records if r.cert_id == self.matches.value), None)

    def show(self) -> None:
        """The chosen person's certificate and every message sent for it."""
        rec = self.selected()
        if rec is None:
            return
        with open_ledger(self.session.event.folder) as ledger:
            history = ledger.history(rec.cert_id)
        for h in history:
            h["kind"] = "test" if h.get("test") else ""
        sent = f" · sent {rec.sent_at}" if rec.sent_at else ""
        facts = (f"<p><b>{html.escape(rec.name)}</b> {html.escape(f'<{rec.email}>')} · row "
                 f"{rec.row_number} · certificate {html.escape(rec.cert_id)} · "
                 f"{html.escape(rec.status)}{html.escape(sent)}</p>")
        if rec.detail:
            facts += note(rec.detail)
        self.details.value = facts + html_table(history, HISTORY_COLUMNS,
                                                empty="No message was sent for it yet.")
        self.to.value = rec.email
        self.resend_button.disabled = not rec.pdf
        self._label()

    def _label(self) -> None:
        """The button names where the certificate will go."""
        rec = self.selected()
        new = self.to.value.strip()
        if rec and self.as_is == rec.cert_id:
            self.resend_button.description = "Resend the old one as it is"
        elif rec and new and normalize(new) != normalize(rec.email):
            self.resend_button.description = f"Resend to {new} (corrected)"
        else:
            self.resend_button.description = "Resend the certificate"

    def ask(self) -> None:
        """Ask before resending: whose certificate, to which address, from whom."""
        rec, to = self.selected(), self._address()
        if rec is None or to is None:
            return
        event = self.session.event
        self.question.value = note(
            f"Resend certificate {rec.cert_id} ({rec.name}, row {rec.row_number}, now "
            f"{rec.status}) to {to} from {event.email.sender}? One message is sent.", "warn")
        self.confirm_box.layout.display = ""
        self.say("")

    def cancel(self) -> None:
        """Close the question; nothing is sent."""
        self.confirm_box.layout.display = "none"
        self.say("Nothing was sent.")

    def confirm(self) -> RunSummary | None:
        """Resend once per question: a second click (or a double click) sends nothing more."""
        if self.confirm_box.layout.display == "none":
            return None  # no open question: never send
        self.confirm_box.layout.display = "none"
        return self.resend()

    def _address(self) -> str | None:
        """The address typed in 'Send to', checked; None (with the reason shown) when unusable."""
        to = self.to.value.strip()
        try:
            return valid_email(to)
        except CertkitError as exc:
            self.say(str(exc), "error")
            return None

    def resend(self) -> RunSummary | None:
        """Send the same PDF again, to the corrected address when one was typed (no question:
        the Resend button asks first, see ask/confirm)."""
        rec, to = self.selected(), self._address()
        if rec is None or to is None:
            return None
        new = to if normalize(to) != normalize(rec.email) else None
        as_is = self.as_is == rec.cert_id
        corrected: list[RowCorrected] = []

        def send() -> RunSummary | None:
            try:
                return self.resender(self.session.event, row=rec.row_number, to=new,
                                     source=self.session.source(), as_is=as_is)
            except RowCorrected as exc:  # the PDF no longer says what the row says: ask
                corrected.append(exc)
                return None

        summary = self.attempt(send, "resending")
        if corrected:
            self.as_is = rec.cert_id
            self._label()
            self.say(f"Row {rec.row_number} was corrected after this certificate was made "
                     f"({'; '.join(corrected[0].changes)}): the PDF still says the old. To send a "
                     f"corrected certificate, use Reissue below with row {rec.row_number}. To send "
                     "the old one as it is, click the button again.", "warn")
            return None
        self.as_is = ""
        if summary is not None:
            self.session.acted()
            outcome = summary.outcomes[-1] if summary.outcomes else None
            ok = outcome is not None and outcome.status == Status.SENT
            self.find()
            if any(r.cert_id == rec.cert_id for r in self.records):
                self.matches.value = rec.cert_id  # show the updated history
            self.say(f"Resent certificate {rec.cert_id} to {to}." if ok else
                     f"Not resent: {outcome.detail if outcome else 'nothing happened'}",
                     "ok" if ok else "error")
        return summary
