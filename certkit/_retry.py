"""One retry helper: try a call again while it fails with a "try again later", waiting longer each time.

The Google HTTP client (429 / 5xx replies) and the send loop (SMTP 4xx, dropped connections) both
wrap their call in `Backoff.call`; neither has a loop of its own. A call is retried only when
`retry_on` says the error is temporary; when the tries or the waiting budget run out, the last
error is raised unchanged, so the caller decides what it means (a deferred row, a clear error).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How patiently to retry: exponential waits, capped, limited by tries and/or total waiting."""

    first_wait: float = 1.0  # seconds before the first retry; doubles each time
    max_wait: float = 32.0  # longest single wait
    attempts: int = 0  # tries in all, the first included (0: no limit)
    total_wait: float = 0.0  # give up rather than wait longer than this in total (0: no limit)
    jitter: bool = True  # spread waits (half the nominal wait plus up to another half at random)
    sleep: Callable[[float], None] = time.sleep

    def delay(self, retry: int) -> float:
        """The wait before retry number `retry` (0 for the first)."""
        nominal = min(self.max_wait, self.first_wait * 2**retry)
        return nominal / 2 + random.uniform(0, nominal / 2) if self.jitter else nominal

    def call(
        self,
        fn: Callable[[], T],
        retry_on: Callable[[Exception], bool],
        *,
        hint: Callable[[Exception], float | None] = lambda _exc: None,
        on_retry: Callable[[Exception, float], None] = lambda _exc, _delay: None,
    ) -> T:
        """`fn()`, retried while it raises an error `retry_on` accepts.

        `hint` may name the wait the other side asked for (a Retry-After header); `on_retry` is
        told each error and wait (for logs and counters). Raises the last error when the tries or
        the waiting budget are used up, and any other error at once."""
        waited, retry = 0.0, 0
        while True:
            try:
                return fn()
            except Exception as exc:
                if not retry_on(exc) or (self.attempts and retry + 1 >= self.attempts):
                    raise
                asked = hint(exc)
                delay = self.delay(retry) if asked is None else asked
                if self.total_wait and waited + delay > self.total_wait:
                    raise
                on_retry(exc, delay)
                self.sleep(delay)
                waited += delay
                retry += 1
