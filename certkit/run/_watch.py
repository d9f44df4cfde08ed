"""Watching the roster: new eligible rows get their certificate made and mailed as they appear.

A loop around `run_event(send=True)`: one roster read per poll, the ledger's rules (each person
once, quota, kill safety) exactly as in `certkit run --send`. Over the daily limit it waits for
the quota to free up and says when. A stop (`stop` set, Ctrl-C) between polls ends it cleanly;
a stop inside a poll is the run's own safe stop. Starting again resumes.

    watch_event(event, every=300, say=print)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Event
from ..docs import PdfConverter, get_converter
from ..errors import AuthError, LedgerError, RosterError, SendError
from ..ledger import open_ledger
from ..send import daily_limit, read_quota, when
from ..sheets import RosterSource
from ..status import FAILED, NOT_SENT, SENT, UNKNOWN
from ..summary import Outcome, RunSummary
from ._run import run_event
from ._schedule import in_words, wait_until

QUOTA_WAIT = "waiting for the daily limit"
RETRYABLE = (RosterError, SendError, LedgerError)  # the sheet or mail server away, another run busy


@dataclass
class WatchRound:
    """What one poll did: who got a certificate now, what newly needs the organizer's attention."""

    sent: list[Outcome] = field(default_factory=list)
    attention: list[Outcome] = field(default_factory=list)
    error: str = ""
    quota_until: float | None = None  # Unix time the next message may go (daily limit reached)
    summary: RunSummary | None = None

    def to_text(self) -> str:
        """Lines for the log: nothing when nothing happened."""
        lines = []
        if self.sent:
            who = ", ".join(f"row {o.row} {o.name}" for o in self.sent[:10])
            more = f" and {len(self.sent) - 10} more" if len(self.sent) > 10 else ""
            lines.append(f"Sent {len(self.sent)} certificate(s): {who}{more}.")
        lines += [f"Row {o.row} ({o.name or 'no name'}): {o.status}: {o.detail}"
                  for o in self.attention]
        if self.error:
            lines.append(f"Could not check this time: {self.error} Trying again at the next check.")
        if self.quota_until is not None:
            lines.append("Daily sending limit reached: the certificates waiting go out "
                         f"{when(self.quota_until)}; watching goes on meanwhile.")
        return "\n".join(lines)


class Watcher:
    """Polls one event; remembers what it has already told the organizer, so the log stays short."""

    def __init__(self, event: Event, *, source: RosterSource | None = None,
                 transport: object | None = None, converter: PdfConverter | None = None):
        self.event, self.source, self.transport = event, source, transport
        self.converter = converter
        self.told: set[tuple[int, str, str]] = set()
        self.sent_total = 0

    def poll(self) -> WatchRound:
        """Issue and mail what is new now (one `run --send`); errors worth a retry are reported."""
        result = WatchRound()
        if self.converter is None:
            self.converter = get_converter(self.event.template.converter)
        try:
            before = self._sent_ids()
            summary = run_event(self.event, send=True, source=self.source, transport=self.transport,
                                converter=self.converter)
        except AuthError:
            raise
        except RETRYABLE as exc:
            result.error = str(exc)
            return result
        result.summary = summary
        for o in summary.outcomes:
            if o.status == SENT and o.certificate_id and o.certificate_id not in before:
                result.sent.append(o)
            elif (o.status in (FAILED, NOT_SENT, UNKNOWN) and o.detail and not o.detail.startswith(QUOTA_WAIT)
                  and (o.row, o.status, o.detail) not in self.told):
                self.told.add((o.row, o.status, o.detail))
                result.attention.append(o)
        self.sent_total += len(result.sent)
        if summary.stopped:
            result.quota_until = self._quota_until(summary)
        return result

    def _sent_ids(self) -> set[str]:
        """Certificates the ledger already counts as sent (so a poll reports only new ones)."""
        with open_ledger(self.event.folder) as ledger:
            return {r.cert_id for r in ledger.all() if r.status == SENT}

    def _quota_until(self, summary: RunSummary) -> float | None:
        """When sending may go on, if the run stopped at the daily limit (ours or the server's)."""
        if not any(o.detail.startswith(QUOTA_WAIT) for o in summary.outcomes):
            return None
        with open_ledger(self.event.folder) as ledger:
            quota = read_quota(ledger, daily_limit(self.event) or 1)
        if quota.remaining:  # the server said so before our own count did: a day after the oldest
            return (quota.used[0] if quota.used else quota.now) + 24 * 3600.0
        return quota.free_at(1)

    def close(self) -> None:
        """Stop the converter this watcher started."""
        if self.converter is not None and hasattr(self.converter, "close"):
            self.converter.close()


def watch_event(
    event: Event,
    *,
    every: float = 300.0,
    say: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    rounds: int | None = None,
    source: RosterSource | None = None,
    transport: object | None = None,
    converter: PdfConverter | None = None,
) -> int:
    """Poll the roster every `every` seconds and mail new eligible rows; return how many were sent.

    Runs until `stop` is set, `rounds` polls are done, or Ctrl-C. Raises what no retry can fix
    (ConfigError, TemplateError, AuthError: the organizer must change something); a sheet or mail
    server that is away is reported and tried again at the next poll.
    """
    stop = stop or threading.Event()
    watcher = Watcher(event, source=source, transport=transport, converter=converter)
    own = converter is None
    done = 0
    try:
        while not stop.is_set():
            result = watcher.poll()
            done += 1
            text = result.to_text()
            if text:
                say(_stamped(text))
            if rounds is not None and done >= rounds:
                break
            next_poll = time.time() + every
            if result.quota_until and result.quota_until > next_poll:
                say(_stamped(f"Next check {when(result.quota_until)} (in "
                             f"{in_words(result.quota_until - time.time())}), when the limit allows."))
                next_poll = result.quota_until
            wait_until(next_poll, stop=stop)
    finally:
        if own:
            watcher.close()
    return watcher.sent_total


def _stamped(text: str) -> str:
    """Each line of `text` with the local time in front, as a log reads."""
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    return "\n".join(f"[{stamp}] {line}" for line in text.splitlines())
