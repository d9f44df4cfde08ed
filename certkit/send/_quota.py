"""Sending limits: the daily quota (a rolling 24 h window the ledger knows), a per-minute throttle, and
the plan shown before sending ("412 to send, your quota allows 380 today: 380 now, 32 later")."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..config import Event
from ..ledger import Ledger

DAY = 24 * 3600.0
GMAIL_DAILY_LIMIT = 500


def daily_limit(event: Event) -> int:
    """Messages allowed per rolling 24 h: [transport] daily_limit, else 500 for Gmail, else none (0)."""
    cfg = event.transport
    if cfg.daily_limit:
        return cfg.daily_limit
    return GMAIL_DAILY_LIMIT if cfg.backend == "gmail" else 0


@dataclass
class Quota:
    """The daily limit and when each message counted against it was handed over (oldest first)."""

    limit: int  # 0 = no limit
    used: list[float]
    now: float

    @property
    def remaining(self) -> int | None:
        """How many more may go now (None: no limit)."""
        return None if not self.limit else max(self.limit - len(self.used), 0)

    def free_at(self, n: int) -> float | None:
        """When the n-th message from now may go (Unix time), if what is allowed now goes now.

        None when that is more than a day away (the window must roll over more than once).
        """
        left = self.remaining
        if left is None or n <= left:
            return self.now
        window = sorted(self.used + [self.now] * left)
        k = n - left  # the k-th oldest message in the window has to turn 24 h old
        return window[k - 1] + DAY if k <= len(window) else None

    def timing(self, n: int) -> str:
        """When `n` waiting messages can go, in words."""
        first, last = self.free_at(1), self.free_at(n)
        if first is None:
            return ""
        text = f"The next can go {when(first, self.now)}"
        if last is None:
            days = -(-n // self.limit) if self.limit else 1
            return f"{text}; at {self.limit} a day the {n} take about {days} day(s)."
        return f"{text}, all {n} by {when(last, self.now)}." if n > 1 else f"{text}."

    def stop_message(self, remaining_rows: int, command: str) -> str:
        """Why sending stopped, how many remain, and when they can go."""
        return (
            f"Daily limit reached: {len(self.used)} messages went out in the last 24 hours (limit "
            f"{self.limit}, [transport] daily_limit). {remaining_rows} certificate(s) not sent yet. "
            f"{self.timing(remaining_rows)} Then run again: {command}"
        )

    def server_stop_message(self, remaining_rows: int, command: str) -> str:
        """The server said its daily limit is reached: how many remain, and when to try again."""
        oldest = self.used[0] + DAY if self.used else self.now + DAY
        return (
            f"{remaining_rows} certificate(s) not sent yet. The provider counts a rolling 24 "
            "hours, mail sent from other programs included, and may allow less than "
            f"[transport] daily_limit: try again {when(oldest, self.now)} or later. Then run "
            f"again: {command}"
        )


def read_quota(ledger: Ledger, limit: int, now: float | None = None) -> Quota:
    """The quota as the ledger knows it now."""
    now = time.time() if now is None else now
    used = ledger.handed_over_since(now - DAY) if limit else []
    return Quota(limit, used, now)


def when(ts: float | None, now: float | None = None) -> str:
    """A moment in words an organizer reads: 'today at 14:05', 'tomorrow at 09:12', or a date."""
    if ts is None:
        return "later"
    now = time.time() if now is None else now
    day, at = datetime.fromtimestamp(ts), datetime.fromtimestamp(now)
    clock = day.strftime("%H:%M")
    delta = (day.date() - at.date()).days
    if delta <= 0:
        return f"today at {clock}"
    if delta == 1:
        return f"tomorrow at {clock}"
    return f"on {day.strftime('%Y-%m-%d')} at {clock}"


class Throttle:
    """At most `per_minute` messages a minute, evenly spaced; 0 means no throttle."""

    def __init__(
        self,
        per_minute: int,
        last: float | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.gap = 60.0 / per_minute if per_minute > 0 else 0.0
        self.last, self.clock, self.sleep = last, clock, sleep

    def wait(self) -> None:
        """Sleep until the next message may start, then note that it starts now."""
        if self.gap and self.last is not None:
            delay = self.last + self.gap - self.clock()
            if delay > 0:
                self.sleep(min(delay, self.gap))
        self.last = self.clock()


@dataclass
class SendPlan:
    """What a send would do now: how many, how many the quota allows, from whom, through what."""

    to_send: int
    allowed_now: int
    later: int
    sender: str
    backend: str
    daily_limit: int = 0
    sent_last_24h: int = 0
    later_from: float | None = None  # Unix time the first of `later` can go
    later_all_by: float | None = None
    per_minute: int = 0
    note: str = ""

    def to_text(self) -> str:
        """'412 to send, your quota allows 380 today: 380 now, 32 later (from tomorrow at 09:12).'"""
        if self.to_send == 0:
            return "Nothing to send: every certificate has gone out or is waiting for a decision."
        if not self.later:
            text = f"{self.to_send} to send"
            if self.daily_limit:
                text += (f" (daily limit {self.daily_limit}, {self.sent_last_24h} used in the last "
                         "24 h)")
        else:
            text = (f"{self.to_send} to send, your quota allows {self.allowed_now} today: "
                    f"{self.allowed_now} now, {self.later} later")
            if self.later_from:
                text += f" (from {when(self.later_from)}"
                text += f", all by {when(self.later_all_by)})" if self.later_all_by else ")"
        if self.per_minute and self.allowed_now:
            minutes = self.allowed_now / self.per_minute
            text += f"; at {self.per_minute} a minute this takes about {max(round(minutes), 1)} min"
        return f"{text}. {self.note}".strip()


def _sender_note(event: Event) -> str:
    """Gmail puts the account's own address in From unless the sender is one of its aliases."""
    cfg, sender = event.transport, event.email.sender.strip().lower()
    if cfg.backend == "gmail" and cfg.username and sender != cfg.username.strip().lower():
        return (f"Note: Gmail shows {cfg.username} as the sender unless {event.email.sender} is "
                "one of its \"Send mail as\" addresses; set [email] sender to your Gmail address.")
    return ""
