"""Checking the data, a test to yourself, and the real send behind a confirmation, with progress."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..checks import describe_examples, example_settings
from ..emails import valid_email
from ..errors import CertkitError
from ..ledger import open_ledger
from ..run import check, run_event, send_plan
from ..send import SendPlan
from ..sheets import roster_location
from ..status import TEST, Status
from ..summary import RunSummary
from ._base import (
    LABEL,
    Panel,
    Session,
    fits,
    html_table,
    link,
    note,
    strip_html,
    table_text,
    widgets,
)

FINDING_COLUMNS = [("row", "Row"), ("who", "Who"), ("column", "Column"), ("severity", "Severity"),
                   ("message", "Problem"), ("suggestion", "What to do")]
OUTCOME_COLUMNS = [("row", "Row"), ("name", "Name"), ("status", "Status"), ("detail", "Detail"),
                   ("certificate_id", "Certificate ID")]
Runner = Callable[..., RunSummary]  # run_event's signature
STAGES = {"render": "Making PDFs", "send": "Sending"}  # progress stages in words


class CheckReport(Panel):
    """The data-check report as a table: what blocks a row, what is only a warning, what to do."""

    title = "Data check"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.button = widgets.Button(description="Check again", icon="refresh")
        self.button.on_click(lambda _b: self.run())
        self.table = widgets.HTML()
        self.records: list[dict[str, Any]] = []
        self.widget = widgets.VBox([self.button, self.status, self.table])
        session.on_change(self.run)
        self.run()

    def run(self) -> None:
        """Check the roster now and show the findings."""
        self.say("Checking…")
        session = self.session
        report = self.attempt(lambda: check(session.event, source=session.source()).report,
                              "checking the data")
        if report is None:
            self.table.value, self.records = "", []
            return
        self.records = report.to_records()
        blocked = len(report.blocking_rows())
        warnings = sum(1 for r in self.records if r["severity"] != "blocking")
        head = note(report.summary) if report.summary else ""
        examples = describe_examples(example_settings(session.event))
        if examples:
            head += note(examples + " Use the boxes of 'Your event's details' above.", "warn")
        if not self.records:
            self.status.value = head + note("No problems found.", "ok")
        else:
            self.status.value = head + note(
                f"{blocked} row(s) blocked (they will not be sent until fixed), {warnings} "
                "warning(s). Fix them in the sheet, then click 'Check again'.",
                "warn" if report.has_blocking() else "info")
        self.table.value = html_table(self.records, FINDING_COLUMNS)

    def text(self) -> str:
        """The messages, then the findings."""
        return "\n".join(filter(None, [super().text(), table_text(self.records, FINDING_COLUMNS)]))


class TestSend(Panel):
    """A few real certificates mailed to the organizer (subject marked TEST) before the real send."""

    title = "Test: send a few certificates to yourself"

    def __init__(self, session: Session, runner: Runner = run_event):
        super().__init__()
        self.session = session
        self.runner = runner
        user = session.event.transport.username
        self.address = widgets.Text(value=user if "@" in user else "", description="Your address",
                                    placeholder="you@example.org", style=LABEL)
        self.count = widgets.BoundedIntText(value=3, min=1, max=10, description="How many",
                                            style=LABEL, layout=widgets.Layout(width="160px"))
        self.button = widgets.Button(description="Send the test", icon="envelope")
        self.button.on_click(lambda _b: self.send())
        self.widget = widgets.VBox([widgets.HBox([self.address, self.count, self.button]),
                                    self.status])

    def send(self) -> RunSummary | None:
        """Mail the test; the participants get nothing and their status does not change."""
        to = self.address.value.strip()
        try:
            to = valid_email(to)
        except CertkitError as exc:
            self.say(str(exc), "error")
            return None
        self.say(f"Making and sending the test to {to}…")
        self.button.disabled = True
        try:
            event = self.session.event
            summary = self.attempt(lambda: self.runner(
                event, test_to=to, sample=self.count.value, source=self.session.source(),
                converter=self.session.converter()),
                "sending the test")
        finally:
            self.button.disabled = False
        if summary is None:
            return None
        sent = sum(1 for o in summary.outcomes if o.status == Status.TEST_SENT)
        tried = [o for o in summary.outcomes if Status.of(o.status) in TEST]
        where = (f" They are .eml files in {summary.outbox_dir} (the outbox sends nothing)."
                 if summary.outbox_dir else " Look in your inbox (subject starts with TEST).")
        if not tried:
            self.say("Nothing to test: every row is already sent or blocked.", "warn")
        else:
            problems = "".join(f"\nRow {o.row}: {o.detail}" for o in tried if o.status != Status.TEST_SENT)
            self.say(f"{sent} of {len(tried)} test message(s) sent to {to}.{where}{problems}",
                     "ok" if sent == len(tried) else "warn")
        return summary


class SendPanel(Panel):
    """The real send: a button, a confirmation naming the count, sender and limit, then progress,
    a live status count and the summary."""

    title = "Send the certificates"

    def __init__(self, session: Session, runner: Runner = run_event):
        super().__init__()
        self.session = session
        self.runner = runner
        self.pending = 0
        self.summary: RunSummary | None = None
        self.send_button = widgets.Button(description="Send the certificates…", icon="paper-plane",
                                          button_style="primary", layout=fits("260px"))
        self.question = widgets.HTML()
        self.yes = widgets.Button(description="Yes, send", button_style="danger", icon="check",
                                  layout=fits("260px"))
        self.no = widgets.Button(description="Cancel", icon="times")
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.yes, self.no])],
                                        layout=widgets.Layout(display="none"))
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Sending",
                                            style=LABEL, layout=widgets.Layout(display="none"))
        self.counts = widgets.HTML()
        self.result = widgets.HTML()
        self.send_button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.confirm())
        self.no.on_click(lambda _b: self.cancel())
        self.widget = widgets.VBox([self.send_button, self.confirm_box, self.progress, self.counts,
                                    self.status, self.result])

    def ask(self) -> SendPlan | None:
        """Show the confirmation: how many, from whom, through what, and what the quota allows."""
        event = self.session.event
        plan = self.attempt(lambda: send_plan(event, source=self.session.source()),
                            "counting what to send")
        if plan is None:
            return None
        self.pending = plan.allowed_now
        if plan.to_send == 0:
            self.say("Nothing to send: every row is already sent or blocked (see the check).", "ok")
            return plan
        if plan.allowed_now == 0:
            self.say(plan.to_text(), "warn")
            return plan
        transport = event.transport
        how = {"outbox": "the outbox (.eml files in the event folder; nothing is mailed)",
               "gmail": f"Gmail as {transport.username}",
               }.get(transport.backend, f"the mail server {transport.host}")
        examples = describe_examples(example_settings(event))
        self.question.value = note(
            f"Send {plan.allowed_now} certificate(s) from {plan.sender} through {how}?\n"
            f"{plan.to_text()}\nRows already sent are never sent again.", "warn") + (
            note(f"{examples} Change them in 'Your event's details' first.", "error")
            if examples else "")
        self.yes.description = f"Yes, send {plan.allowed_now} now"
        self.confirm_box.layout.display = ""
        self.say("")
        return plan

    def cancel(self) -> None:
        """Close the confirmation; nothing is sent."""
        self.confirm_box.layout.display = "none"
        self.say("Nothing was sent.")

    def confirm(self) -> RunSummary | None:
        """Send now (the confirmation was answered yes)."""
        if self.confirm_box.layout.display == "none":
            return None  # no question was asked: never send
        self.confirm_box.layout.display = "none"
        return self.send()

    def send(self) -> RunSummary | None:
        """Run the event with sending on, updating the bar and the counts as messages go."""
        event = self.session.event
        self.send_button.disabled = True
        self.progress.layout.display = ""
        self.progress.value, self.progress.max, self.progress.bar_style = 0, max(self.pending, 1), ""
        self.say("Making the PDFs, then sending…")
        with open_ledger(event.folder) as ledger:
            stages: set[str] = set()

            def progress(stage: str, done: int, total: int) -> None:
                stages.add(stage)
                if stage != "send" and "send" in stages:
                    return  # mail goes out while PDFs are still made: the bar follows the mail
                self.progress.max, self.progress.value = max(total, 1), done
                self.progress.description = STAGES.get(stage, stage.capitalize())
                self.show_counts(ledger.counts(), f"{done} of {total}")

            try:
                self.summary = self.attempt(lambda: self.runner(
                    event, send=True, progress=progress, source=self.session.source(),
                    converter=self.session.converter()),
                    "sending")
            finally:
                self.send_button.disabled = False
                self.show_counts(ledger.counts())
        self.progress.bar_style = "danger" if self.summary is None else "success"
        self.session.acted()
        if self.summary is not None:
            self.show_summary(self.summary)
        return self.summary

    def show_counts(self, counts: dict[str, int], step: str = "") -> None:
        """The live status count: how many certificates are in each status now."""
        shown = " · ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        prefix = f"{self.progress.description} {step}: " if step else ""
        self.counts.value = note(prefix + (shown or "no certificates yet"))

    def show_summary(self, summary: RunSummary) -> None:
        """The run's outcome per row, and where the statuses are shown."""
        first, *rest = summary.to_text().splitlines() or [""]
        kind = "warn" if summary.stopped or summary.sheet_errors or summary.count(Status.FAILED) else "ok"
        self.say("\n".join([f"Done: {first}.",
                             *[r for r in rest if not r.startswith("  ") and not r.endswith("):")]]),
                 kind)
        rows = [dataclasses.asdict(o) for o in summary.outcomes]
        where = roster_location(self.session.event)
        self.result.value = (f"<p>Statuses are written into the participants list: "
                             f"{link(where)}</p>" + html_table(rows, OUTCOME_COLUMNS))

    def text(self) -> str:
        """Messages and counts as text."""
        parts = [strip_html(w.value) for w in (self.question, self.counts, self.status, self.result)]
        return "\n".join(filter(None, [self.title, *parts]))
