"""Sending nobody has to click: a send at a set time, and a watcher that mails new rows as they come.

Both ask first (naming the count and the sender, as the Send button does), then work in a thread
of the notebook's kernel, so other cells stay usable; a Stop/Cancel button ends them safely.
"""

from __future__ import annotations

import threading
from datetime import datetime

from ..run import local_time, parse_at, run_event, send_plan, wait_until, watch_event
from ._base import LABEL, Panel, Session, note, strip_html, widgets

EVERY = [("every minute", 60.0), ("every 5 minutes", 300.0), ("every 15 minutes", 900.0),
         ("every hour", 3600.0)]


class _Background(Panel):
    """A confirmation, then work in a thread that a second button stops."""

    start_label = ""

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.start_button = widgets.Button(description=self.start_label, icon="clock",
                                           layout=widgets.Layout(width="260px"))
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.question = widgets.HTML()
        self.yes = widgets.Button(description="Yes", button_style="danger", icon="check")
        self.no = widgets.Button(description="Cancel", icon="times")
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.yes, self.no])],
                                        layout=widgets.Layout(display="none"))
        self.start_button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.confirm())
        self.no.on_click(lambda _b: self.cancel())
        self.stop_button.on_click(lambda _b: self.halt())

    def ask(self) -> bool:
        """Show the confirmation naming how many, from whom and how; False if nothing to ask."""
        what = self.describe()
        if what is None:
            return False
        plan = self.attempt(lambda: send_plan(self.session.event, source=self.session.source()),
                            "counting what to send")
        if plan is None:
            return False
        self.question.value = note(f"{what}\n{plan.to_text()}\nFrom {plan.sender} via "
                                   f"{plan.backend}. Rows already sent are never sent again.", "warn")
        self.confirm_box.layout.display = ""
        return True

    def cancel(self) -> None:
        """Close the question; nothing starts."""
        self.confirm_box.layout.display = "none"
        self.say("Nothing was started.")

    def confirm(self) -> threading.Thread | None:
        """Start the work (only after the question was shown)."""
        if self.confirm_box.layout.display == "none" or (self.thread and self.thread.is_alive()):
            return None
        self.confirm_box.layout.display = "none"
        self.stop.clear()
        self.start_button.disabled, self.stop_button.disabled = True, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self.thread

    def halt(self) -> None:
        """Ask the work to stop (a send under way finishes its current message first)."""
        self.stop.set()
        self.say("Stopping…")

    def text(self) -> str:
        """The question (while open), then the messages, as text."""
        shown = strip_html(self.question.value) if self.confirm_box.layout.display != "none" else ""
        return "\n".join(filter(None, [super().text(), shown]))

    def _run(self) -> None:
        try:
            self.attempt(self.work, "working in the background")
        finally:
            self.start_button.disabled, self.stop_button.disabled = False, True

    def describe(self) -> str | None:  # pragma: no cover - each panel says what it will do
        raise NotImplementedError

    def work(self) -> None:  # pragma: no cover
        raise NotImplementedError


class ScheduledSend(_Background):
    """Send at a set local time, e.g. tomorrow 09:00, while the notebook stays open."""

    title = "Send at a set time"
    start_label = "Send at this time…"

    def __init__(self, session: Session):
        super().__init__(session)
        self.when = widgets.Text(description="Date and time", placeholder="2026-12-02 09:00",
                                 style=LABEL)
        self.moment: datetime | None = None
        self.widget = widgets.VBox([widgets.HBox([self.when, self.start_button, self.stop_button]),
                                    self.confirm_box, self.status])

    def describe(self) -> str | None:
        moment = self.attempt(lambda: parse_at(self.when.value))
        if moment is None:
            return None
        self.moment = moment
        return f"At {local_time(moment)}, send the certificates (and rows eligible by then)?"

    def work(self) -> None:
        assert self.moment is not None
        self.say(f"Waiting until {local_time(self.moment)}; keep this notebook open and the "
                 "computer awake. Stop cancels: nothing is sent.")
        if not wait_until(self.moment, stop=self.stop):
            self.say("Cancelled: nothing was sent.", "warn")
            return
        self.say("Sending now…")
        summary = run_event(self.session.event, send=True, source=self.session.source())
        first = summary.to_text().splitlines()[0] if summary.outcomes else "nothing to send"
        self.say(f"Done at {datetime.now():%H:%M}: {first}.", "ok")


class WatchPanel(_Background):
    """Keep mailing certificates to new rows (a Google Form's responses) while the notebook runs."""

    title = "Send to new rows as they arrive"
    start_label = "Start watching…"

    def __init__(self, session: Session):
        super().__init__(session)
        self.every = widgets.Dropdown(options=EVERY, value=300.0, description="Look",
                                      style=LABEL)
        self.log = widgets.Textarea(layout=widgets.Layout(width="640px", height="160px"),
                                    disabled=True)
        self.widget = widgets.VBox([widgets.HBox([self.every, self.start_button, self.stop_button]),
                                    self.confirm_box, self.status, self.log])

    def describe(self) -> str | None:
        return (f"Send these now, then look at the list {self.every.label} and send each new "
                "eligible row its certificate?")

    def add(self, text: str) -> None:
        """A line for the log under the panel (newest last)."""
        self.log.value = "\n".join(filter(None, [self.log.value, text]))

    def work(self) -> None:
        self.say(f"Watching: the list is checked {self.every.label}. Click Stop to end.", "ok")
        sent = watch_event(self.session.event, every=self.every.value, say=self.add,
                           stop=self.stop, source=self.session.source())
        self.say(f"Stopped watching after {sent} certificate(s). Click Start to go on.")

    def text(self) -> str:
        return "\n".join(filter(None, [super().text(), self.log.value]))
