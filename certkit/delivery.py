"""The send loop: ledger state committed around every message, faults sorted into row outcomes."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import (
    AuthError,
    DeliveryUnknown,
    QuotaExceeded,
    RecipientRefused,
    SendError,
    TemporaryFailure,
)
from .roster import FAILED, NOT_SENT, SENT, UNKNOWN
from .send import build_message, open_transport

if TYPE_CHECKING:
    from .pipeline import Job, Run

RETRIES = 3


def message_id(cert_id: str, attempt: int, sender: str) -> str:
    """A Message-ID that is unique per certificate and attempt, and can be searched for later."""
    domain = sender.rpartition("@")[2] or "certkit.invalid"
    return f"<certkit.{cert_id}.{attempt}@{domain}>"


def deliver(
    run: Run,
    jobs: Sequence[Job],
    *,
    transport: Any | None = None,
    test_to: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Send each job's PDF on one connection; every row ends Sent, Failed, Unknown or Not sent."""
    from .pipeline import Outcome, mail_fields

    event, ledger = run.event, run.ledger
    transport = transport or open_transport(event)
    transport.open()
    try:
        for i, job in enumerate(jobs):
            if progress:
                progress("send", i, len(jobs))
            rec = job.record
            to = test_to or rec.email
            n = ledger.attempts_count(rec.cert_id) + 1
            mid = message_id(rec.cert_id, n, event.email.sender)
            msg = build_message(
                event, mail_fields(event, job), to, event.path(rec.pdf), mid,
                certificate_id=rec.cert_id, test=bool(test_to),
            )
            state, detail, _code = _send_one(transport, ledger, rec.cert_id, to, mid, msg, test_to)
            if test_to:
                run.summary.outcomes.append(
                    Outcome(job.row.number, rec.name, f"Test {state}", detail, rec.cert_id)
                )
                continue
            record = ledger.get(rec.cert_id) or rec
            run.show(record)
            run.summary.outcomes.append(
                Outcome(job.row.number, rec.name, record.status, record.detail, rec.cert_id)
            )
            if state == "stop":
                run.summary.stopped = detail
                for rest in jobs[i + 1 :]:
                    run.summary.outcomes.append(
                        Outcome(rest.row.number, rest.record.name, NOT_SENT, "not sent yet: "
                                "run again to continue", rest.record.cert_id)
                    )
                break
        if progress:
            progress("send", len(jobs), len(jobs))
    finally:
        transport.close()


def _send_one(
    transport: Any, ledger: Any, cert_id: str, to: str, mid: str, msg: Any, test_to: str | None
) -> tuple[str, str, int | None]:
    """One message with retries for temporary failures; the ledger knows each attempt's end."""
    delay = 2.0
    for attempt in range(RETRIES):
        aid = ledger.begin_attempt(cert_id, to, mid, test=bool(test_to))
        try:
            transport.send(msg)
        except RecipientRefused as exc:
            ledger.finish_attempt(aid, "failed", str(exc), exc.code)
            return FAILED, str(exc), exc.code
        except DeliveryUnknown as exc:
            ledger.finish_attempt(aid, "unknown", str(exc), exc.code)
            _reopen(transport)
            return UNKNOWN, str(exc), exc.code
        except (AuthError, QuotaExceeded) as exc:
            ledger.finish_attempt(aid, "retry", str(exc), exc.code)
            if isinstance(exc, AuthError):
                raise
            return "stop", str(exc), exc.code
        except TemporaryFailure as exc:
            ledger.finish_attempt(aid, "retry", f"{exc} (will retry)", exc.code)
            if attempt + 1 == RETRIES:
                return NOT_SENT, f"{exc} Run again later to retry.", exc.code
            time.sleep(delay)
            delay *= 2
            _reopen(transport)
            continue
        except SendError as exc:
            ledger.finish_attempt(aid, "failed", str(exc), exc.code)
            return FAILED, str(exc), exc.code
        ledger.finish_attempt(aid, "sent")
        return SENT, "", None
    return NOT_SENT, "", None


def _reopen(transport: Any) -> None:
    """Drop and re-open the connection after the server hung up or asked to wait."""
    transport.close()
    try:
        transport.open()
    except TemporaryFailure:
        pass
