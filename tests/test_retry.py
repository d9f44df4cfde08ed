"""One retry helper for Google's HTTP client and the send loop: waits grow, budgets hold, only
temporary errors are retried, and the last error comes out unchanged."""

from __future__ import annotations

import pytest

from certkit._retry import Backoff
from certkit.errors import AuthError, TemporaryFailure


class Flaky:
    """Fails `n` times with `error`, then answers."""

    def __init__(self, n: int, error: Exception):
        self.n, self.error, self.calls = n, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.n:
            raise self.error
        return "ok"


def temporary(exc: Exception) -> bool:
    return isinstance(exc, TemporaryFailure)


def test_waits_double_up_to_the_cap_and_the_call_succeeds():
    waits: list[float] = []
    fn = Flaky(4, TemporaryFailure("421 try later", code=421))
    assert Backoff(1.0, 5.0, jitter=False, sleep=waits.append).call(fn, temporary) == "ok"
    assert waits == [1.0, 2.0, 4.0, 5.0] and fn.calls == 5


def test_attempts_and_total_wait_limit_and_the_last_error_is_raised():
    waits: list[float] = []
    fn = Flaky(9, TemporaryFailure("451 later", code=451))
    with pytest.raises(TemporaryFailure, match="451"):
        Backoff(1.0, 10.0, attempts=3, jitter=False, sleep=waits.append).call(fn, temporary)
    assert fn.calls == 3 and waits == [1.0, 2.0]
    waits.clear()
    fn = Flaky(9, TemporaryFailure("451 later", code=451))
    with pytest.raises(TemporaryFailure):
        Backoff(1.0, 10.0, total_wait=3.5, jitter=False, sleep=waits.append).call(fn, temporary)
    assert waits == [1.0, 2.0]  # a third wait of 4 s would pass the budget


def test_other_errors_pass_at_once_and_a_hint_wins():
    fn = Flaky(1, AuthError("535 refused"))
    with pytest.raises(AuthError):
        Backoff(sleep=lambda _s: None).call(fn, temporary)
    assert fn.calls == 1
    waits: list[float] = []
    seen: list[float] = []
    Backoff(1.0, sleep=waits.append).call(Flaky(2, TemporaryFailure("x")), temporary,
                                          hint=lambda _e: 7.0, on_retry=lambda _e, d: seen.append(d))
    assert waits == seen == [7.0, 7.0]


def test_jitter_stays_within_half_and_full_nominal_wait():
    b = Backoff(2.0, 8.0)
    assert all(1.0 <= b.delay(0) <= 2.0 and 4.0 <= b.delay(5) <= 8.0 for _ in range(50))
