"""Messages whose delivery is unknown (the connection broke while one was handed over), and a
button that looks for them where sent mail is kept, so each becomes Sent or is left to resend."""

from __future__ import annotations

from ..ledger import Record, open_ledger
from ..send import Settled, reconcile
from ..status import UNKNOWN
from ._base import Panel, Session, fits, html_table, strip_html, table_text, widgets

UNKNOWN_COLUMNS = [("row_number", "Row"), ("name", "Name"), ("email", "Email"), ("detail", "Detail")]
WHERE = {"gmail": "Gmail's Sent Mail folder", "outbox": "the outbox folder"}


class UnknownRows(Panel):
    """The Unknown rows, and a button that settles them against the Sent folder."""

    title = "Messages whose delivery is unknown"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.records: list[Record] = []
        self.table = widgets.HTML()
        self.button = widgets.Button(description="Look in the Sent folder", icon="search",
                                     layout=fits("260px"))
        self.button.on_click(lambda _b: self.settle())
        self.widget = widgets.VBox([self.table, self.button, self.status])
        session.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the Unknown rows from the ledger now."""
        with open_ledger(self.session.event.folder) as ledger:
            self.records = [r for r in ledger.all() if r.status == UNKNOWN]
        self.table.value = html_table(
            [r.__dict__ for r in self.records], UNKNOWN_COLUMNS,
            empty="No message has an unknown delivery: nothing to do here.")
        self.button.disabled = not self.records

    def settle(self) -> Settled | None:
        """Look for every Unknown message in the Sent folder; found ones become Sent."""
        event = self.session.event
        where = WHERE.get(event.transport.backend, "the Sent folder")
        self.say(f"Looking in {where}…")
        settled = self.attempt(lambda: reconcile(event, source=self.session.source()),
                               f"looking in {where}")
        if settled is None:
            return None
        self.refresh()
        self.say(*describe(settled, where))
        return settled

    def text(self) -> str:
        """The Unknown rows as lines, then what the panel says."""
        rows = table_text([r.__dict__ for r in self.records], UNKNOWN_COLUMNS)
        parts = [self.title, rows or strip_html(self.table.value), strip_html(self.status.value)]
        return "\n".join(p for p in parts if p)


def describe(settled: Settled, where: str) -> tuple[str, str]:
    """What reconciliation found, in words for the organizer, and the kind of message."""
    resend = ("Ask the person if in doubt, then resend it with 'Find a person' below (type the "
              "name, then click Resend).")
    if not settled.checked:
        return ("There is no Sent folder to look in for this mail account (certkit looks "
                "in Gmail's Sent Mail; other mail servers are not searched). " + resend, "warn")
    if not settled.found and not settled.missing:
        return "No message has an unknown delivery: nothing to look for.", "ok"
    lines = []
    if settled.found:
        lines.append(f"{len(settled.found)} found in {where} ({_rows(settled.found)}): they "
                     "did arrive, and are now marked Sent in the list of participants.")
    if settled.missing:
        lines.append(f"{len(settled.missing)} not found in {where} ({_rows(settled.missing)}): "
                     "they most likely did not arrive. " + resend)
    return "\n".join(lines), "warn" if settled.missing else "ok"


def _rows(numbers: list[int]) -> str:
    """Row numbers in words: 'row 3', 'rows 3, 7'."""
    return ("row " if len(numbers) == 1 else "rows ") + ", ".join(map(str, sorted(numbers)))
