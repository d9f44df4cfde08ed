"""Time for runs nobody starts by hand: a send at a set local time, and how often a watcher looks.

    when = parse_at("2026-12-02 09:00")   # the computer's local time zone
    wait_until(when, say=print)           # Ctrl-C (KeyboardInterrupt) or `stop` ends the wait early
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ..errors import ConfigError

AT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SLICE = 30.0  # wake at least this often, so a changed clock or a suspended laptop is noticed


def parse_at(text: str, now: datetime | None = None) -> datetime:
    """A moment in the computer's local time: '2026-12-02 09:00', or '09:00' (the next one).

    Raises ConfigError when the text is not such a moment or it has passed.
    """
    now = (now or datetime.now()).astimezone()
    text = text.strip()
    moment = None
    for fmt in AT_FORMATS:
        try:
            moment = datetime.strptime(text, fmt).astimezone()
            break
        except ValueError:
            continue
    if moment is None and re.fullmatch(r"\d{1,2}:\d{2}", text):
        hour, minute = (int(x) for x in text.split(":"))
        if hour < 24 and minute < 60:
            moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if moment <= now:
                moment += timedelta(days=1)
    if moment is None:
        raise ConfigError(f"--at '{text}' is not a time certkit understands. Write it as "
                          "\"2026-12-02 09:00\" (your computer's time zone) or \"09:00\".")
    if moment <= now:
        raise ConfigError(f"--at {moment:%Y-%m-%d %H:%M} has already passed (it is now "
                          f"{now:%Y-%m-%d %H:%M}). Give a time in the future.")
    return moment


def parse_every(text: str) -> float:
    """Seconds from '5m', '30s', '1h', '1d' or a plain number of seconds; at least 1 second.

    Raises ConfigError for anything else.
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m or float(m.group(1)) * UNITS[m.group(2) or "s"] < 1:
        raise ConfigError(f"--every '{text}' is not a duration. Write e.g. 5m (minutes), 30s, 1h.")
    return float(m.group(1)) * UNITS[m.group(2) or "s"]


def in_words(seconds: float) -> str:
    """A duration as people say it: '13 h 5 min', '4 min', '20 s'."""
    seconds = max(round(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def local_time(moment: datetime) -> str:
    """'2026-12-02 09:00 CET': the moment in the computer's time zone, with the zone's name."""
    moment = moment.astimezone()
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip()


def wait_until(
    moment: datetime | float,
    *,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Sleep until `moment` (a datetime or Unix time) by the wall clock; False if `stop` was set.

    Sleeps in short slices, so a clock changed meanwhile or a suspended computer still wakes at
    the right time. Ctrl-C raises KeyboardInterrupt as usual.
    """
    target = moment.timestamp() if isinstance(moment, datetime) else float(moment)
    stop = stop or threading.Event()
    while not stop.is_set():
        left = target - clock()
        if left <= 0:
            return True
        stop.wait(min(left, SLICE))
    return False
