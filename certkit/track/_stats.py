"""How the event went: certificates per status (bounces by reason), sends per day, claims over time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..config import Event
from ..ledger import Ledger, open_ledger
from ..status import BOUNCED, CLAIMED, FAILED, NOT_SENT, PENDING, REPLACED, REVOKED, SENT, UNKNOWN

ORDER = (NOT_SENT, PENDING, SENT, UNKNOWN, FAILED, BOUNCED, CLAIMED, REVOKED, REPLACED)
CHART_FILE = "stats.png"


@dataclass
class Stats:
    """The event's numbers, from its ledger."""

    name: str
    by_status: dict[str, int] = field(default_factory=dict)  # in ORDER, only statuses present
    bounce_reasons: Counter[str] = field(default_factory=Counter)  # rows Bounced now, by reason
    sends_per_day: dict[str, int] = field(default_factory=dict)  # "2026-12-01" -> messages sent
    claims_per_day: dict[str, int] = field(default_factory=dict)  # "2026-12-01" -> first openings
    views: int = 0
    downloads: int = 0
    linkedin: int = 0

    @property
    def total(self) -> int:
        """Rows counted (certificates, when only the ledger was read)."""
        return sum(self.by_status.values())

    def percent(self, status: str) -> float:
        """Share of all certificates in this status, 0-100."""
        return 100.0 * self.by_status.get(status, 0) / self.total if self.total else 0.0

    def with_rows(self, counts: dict[str, int]) -> Stats:
        """Count roster rows instead of certificates (`certkit status`'s counts: blocked rows and
        rows without a certificate yet included), keeping the rest."""
        order = [s for s in ORDER if s in counts] + [s for s in counts if s not in ORDER]
        self.by_status = {s: counts[s] for s in order}
        return self

    def to_text(self) -> str:
        """The numbers as a few lines for the terminal."""
        lines = [f"{self.name}: {self.total} row(s)"]
        for status, n in self.by_status.items():
            line = f"  {status:<9} {n:>6}  {self.percent(status):5.1f}%"
            if status == BOUNCED and self.bounce_reasons:
                line += "   " + ", ".join(f"{r}: {k}" for r, k in self.bounce_reasons.most_common())
            lines.append(line)
        if self.sends_per_day:
            lines.append("Sent per day: " + ", ".join(f"{d} {n}" for d, n in self.sends_per_day.items()))
        if self.claims_per_day:
            lines.append("Claimed per day: " + ", ".join(
                f"{d} {n}" for d, n in self.claims_per_day.items()))
        if self.views or self.downloads or self.linkedin:
            lines.append(f"Page views {self.views}, PDF downloads {self.downloads}, LinkedIn "
                         f"clicks {self.linkedin} (through certkit serve).")
        return "\n".join(lines)


def ledger_stats(ledger: Ledger, name: str) -> Stats:
    """The numbers of one ledger."""
    counts = ledger.counts()
    by_status = {s: counts.pop(s) for s in ORDER if s in counts}
    by_status.update(sorted(counts.items()))  # any other word, after the known ones
    stats = Stats(name, by_status)
    bounced = {r.cert_id for r in ledger.all() if r.status == BOUNCED}
    latest: dict[str, str] = {}
    for b in ledger.bounces():
        if b.applied and b.cert_id in bounced:
            latest[b.cert_id] = b.reason
    stats.bounce_reasons = Counter(latest.values())
    rows = ledger.db.execute(
        "SELECT substr(finished_at, 1, 10) AS day, COUNT(*) FROM attempts WHERE state = 'sent' AND "
        "test = 0 AND finished_at != '' GROUP BY day ORDER BY day").fetchall()
    stats.sends_per_day = {r[0]: r[1] for r in rows}
    counters = ledger.counters()
    claims = Counter(str(c["claimed_at"])[:10] for c in counters.values() if c["claimed_at"])
    stats.claims_per_day = dict(sorted(claims.items()))
    stats.views = sum(int(c["views"]) for c in counters.values())  # type: ignore[call-overload]
    stats.downloads = sum(int(c["downloads"]) for c in counters.values())  # type: ignore[call-overload]
    stats.linkedin = sum(int(c["linkedin"]) for c in counters.values())  # type: ignore[call-overload]
    return stats


def event_stats(event: Event) -> Stats:
    """`certkit stats`: the event's numbers from its ledger (read-only; no mailbox, no sheet)."""
    with open_ledger(event.folder) as ledger:
        return ledger_stats(ledger, event.name)
