"""Delivery tracking in notebook 03: bounced rows with a button that reads the inbox, and the
event's statistics with its chart."""

from __future__ import annotations

from ..ledger import Record, open_ledger
from ..run import event_status
from ..send import BounceReport, find_bounces
from ..status import BOUNCED
from ..track import CHART_FILE, Stats, event_stats, stats_chart
from ._base import Panel, Session, html_table, strip_html, table_text, widgets

BOUNCE_COLUMNS = [("row_number", "Row"), ("name", "Name"), ("email", "Email"),
                  ("detail", "Why, and what to do")]
STATS_COLUMNS = [("status", "Status"), ("count", "Certificates"), ("share", "Share"), ("more", "")]


class Bounces(Panel):
    """The rows whose mail came back, and a button that looks for new bounces in the inbox."""

    title = "Mail that came back (bounces)"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.records: list[Record] = []
        self.table = widgets.HTML()
        self.button = widgets.Button(description="Look for bounces", icon="envelope",
                                     layout=widgets.Layout(width="260px"))
        self.button.on_click(lambda _b: self.look())
        self.widget = widgets.VBox([self.table, self.button, self.status])
        session.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the Bounced rows from the ledger now."""
        with open_ledger(self.session.event.folder) as ledger:
            self.records = [r for r in ledger.all() if r.status == BOUNCED]
        self.table.value = html_table([r.__dict__ for r in self.records], BOUNCE_COLUMNS,
                                      empty="No mail came back so far.")

    def look(self) -> BounceReport | None:
        """Read the inbox (read-only) for bounces; new ones become Bounced in the list too."""
        event = self.session.event
        self.say("Looking in the inbox…")
        report = self.attempt(lambda: find_bounces(event, source=self.session.source()),
                              "looking for bounces")
        if report is None:
            return None
        self.refresh()
        if not report.checked:
            self.say("There is no inbox to look in for this mail account: for a server other than "
                     "Gmail, set [transport] imap_host in event.toml.", "warn")
        else:
            self.say(report.to_text().replace("\n", "<br>"), "warn" if report.bounced else "ok")
        return report

    def text(self) -> str:
        """The Bounced rows as lines, then what the panel says."""
        rows = table_text([r.__dict__ for r in self.records], BOUNCE_COLUMNS)
        parts = [self.title, rows or strip_html(self.table.value), strip_html(self.status.value)]
        return "\n".join(p for p in parts if p)


class Statistics(Panel):
    """Certificates per status with percentages, sends and claims per day, and the chart."""

    title = "How the event went"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        self.stats: Stats | None = None
        self.button = widgets.Button(description="Refresh", icon="refresh")
        self.button.on_click(lambda _b: self.refresh())
        self.table = widgets.HTML()
        self.chart = widgets.Image(format="png")
        self.widget = widgets.VBox([self.button, self.table, self.chart, self.status])
        session.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Read the ledger, redraw the chart and save it as out/stats.png."""
        event = self.session.event
        rows = self.attempt(lambda: event_status(event, source=self.session.source()),
                            "reading the participants list")
        stats = self.stats = event_stats(event)
        if rows is not None:
            stats.with_rows(rows.counts())
        rows = []
        for status, n in stats.by_status.items():
            more = ", ".join(f"{r}: {k}" for r, k in stats.bounce_reasons.most_common()) \
                if status == BOUNCED else ""
            rows.append({"status": status, "count": n, "share": f"{stats.percent(status):.0f}%",
                         "more": more})
        self.table.value = html_table(rows, STATS_COLUMNS,
                                      empty="No certificates yet: run notebook 02 first.")
        png = self.attempt(lambda: stats_chart(stats, event.out / CHART_FILE), "drawing the chart")
        if png is not None:
            self.chart.value = png.read_bytes()
            self.say(f"{stats.total} row(s). The chart is saved as {png}.", "ok")

    def text(self) -> str:
        """The numbers as lines."""
        return "\n".join([self.stats.to_text() if self.stats else self.title,
                          strip_html(self.status.value)])
