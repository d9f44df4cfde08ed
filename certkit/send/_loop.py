"""The send loop: ledger states committed around every message, faults sorted into row outcomes.

Per message: `pending` is committed before MAIL FROM, `handing_over` right before the final "."
of DATA, and the result right after the server's reply. Only a stop between the last two leaves
a row Unknown; a stop earlier is retried by the next run (the server discarded the message).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._retry import Backoff
from ..errors import (
    AuthError,
    CertkitError,
    ConfigError,
    DeliveryUnknown,
    QuotaExceeded,
    RecipientRefused,
    SendError,
    TemporaryFailure,
)
from ..sheets import fingerprint
from ..status import FAILED, NOT_SENT, SENT, UNKNOWN, Status
from ._message import build_message, download_url, envelope_address
from ._quota import Throttle, daily_limit, read_quota
from ._transports import open_transport

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import Event
    from ..jobs import Job, Run
    from ..ledger import Ledger


STOP_AFTER_DEFERRED = 3  # rows in a row that the server kept deferring: stop the batch


@dataclass
class Result:
    """How one message ended: a row status, the words for Detail, and whether to stop the batch."""

    status: str
    detail: str = ""
    stop: bool = False
    deferred: bool = False  # the server kept saying "try again later"
    quota: bool = False  # the server said its daily limit is reached


def deliver(
    run: Run,
    jobs: Iterable[Job],
    *,
    transport: Any | None = None,
    test_to: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    again: str = "",
    force: bool = False,
) -> None:
    """Send each job's PDF on one connection; every row ends Sent, Failed, Unknown or Not sent.

    `jobs` may be a stream (the run's PDFs as they are made): each job is sent as soon as it
    comes, and when sending stops early the rest of the stream is still drawn and left Not sent.

    A row the server refused for good is not tried again at the same address unless `force`
    (`certkit resend`); a corrected address in the sheet is tried.

    Raises AuthError (nothing sent) when the first login is refused. Everything after that ends
    as row statuses; a stop (quota, login, a server that keeps deferring) is in run.summary.stopped.
    """
    event, ledger = run.event, run.ledger
    ledger.recover()
    _settle_unknown(run)
    stream = iter(jobs)
    total = len(jobs) if isinstance(jobs, Sized) else 0
    first = next(stream, None)  # with a stream, this waits for the first finished PDF
    if first is None:
        return
    stream = itertools.chain([first], stream)
    _check_sender(event)
    again = again or f"certkit run {event.folder} --send"
    cfg = event.transport
    retry = send_backoff(event)
    limit = daily_limit(event)
    last = ledger.handed_over_since(time.time() - 60)
    throttle = Throttle(cfg.per_minute, last[-1] if last else None)
    transport = transport or open_transport(event)
    _open(transport, retry)
    deferred_in_a_row = 0
    sent = 0
    try:
        for job in stream:
            if progress:
                progress("send", sent, max(total, sent + 1))
            quota = read_quota(ledger, limit)
            if quota.remaining == 0:
                rest = [job, *stream]
                _stop(run, rest, quota.stop_message(len(rest), again), "waiting for the daily limit")
                break
            result = _send_job(run, transport, job, test_to, retry, throttle, force)
            sent += 1
            deferred_in_a_row = deferred_in_a_row + 1 if result.deferred else 0
            if deferred_in_a_row >= STOP_AFTER_DEFERRED and not result.stop:
                result.stop = True
                result.detail = f"{result.detail} The server keeps deferring messages."
            if result.stop:
                _stop_after(run, [job, *stream], result, limit, again)
                break
        if progress:
            progress("send", sent, max(total, sent))
    finally:
        transport.close()


def _stop_after(run: Run, rest: Sequence[Job], result: Result, limit: int, again: str) -> None:
    """Stop after rest[0]: say why, how many are left and how to continue; they stay Not sent."""
    if result.quota:
        quota = read_quota(run.ledger, limit or 1)
        reason = f"{result.detail} {quota.server_stop_message(len(rest), again)}"
        _stop(run, rest[1:], reason, "waiting for the daily limit")
    else:
        reason = f"{result.detail} Nothing else was attempted; to continue: {again}"
        _stop(run, rest[1:], reason, "not sent yet")


def _check_sender(event: Event) -> None:
    """Refuse an unusable [email] sender before connecting."""
    try:
        envelope_address(event.email.sender)
    except RecipientRefused:
        raise ConfigError(
            f"event.toml [email] sender = '{event.email.sender}' is not an email address. Put the "
            "address the certificates come from there (for Gmail: your Gmail address)."
        ) from None


def send_backoff(event: Event) -> Backoff:
    """How patiently a "try again later" (4xx) or a dropped connection is retried ([transport])."""
    cfg = event.transport
    return Backoff(first_wait=cfg.retry_wait, max_wait=300.0, attempts=max(cfg.retries, 1),
                   jitter=False)


def _temporary(exc: Exception) -> bool:
    return isinstance(exc, TemporaryFailure)


def _open(transport: Any, retry: Backoff) -> None:
    """Connect and log in, retrying a refused or dropped connection; AuthError is raised at once."""
    retry.call(transport.open, _temporary)


def _send_job(
    run: Run, transport: Any, job: Job, test_to: str | None, retry: Backoff, throttle: Throttle,
    force: bool = False,
) -> Result:
    """Send one row's certificate (or a test copy), record the outcome and show it."""
    from ..jobs import mail_fields
    from ..summary import Outcome

    event, ledger = run.event, run.ledger
    rec = job.record
    fields = mail_fields(event, job)
    if event.email.deliver != "attach":  # a test copy's link only looks: it claims nothing
        link = download_url(event, rec.cert_id, ledger.link_token(rec.cert_id))
        fields["download_url"] = link + ("?preview=1" if test_to else "")
    to = test_to or fields["email"] or rec.email
    if not test_to and to != rec.email:  # the organizer corrected the address in the sheet
        ledger.update(rec.cert_id, email=to, fingerprint=fingerprint(job.row, event.identity_columns))
    refused = "" if test_to or rec.status != FAILED else ledger.refused_before(rec.cert_id, to)
    if refused and not force:  # the same address again would be refused again
        run.summary.outcomes.append(Outcome(job.row.number, rec.name, FAILED, refused, rec.cert_id))
        return Result(FAILED, refused)
    throttle.wait()
    result = send_one(ledger, transport, event, fields, rec.cert_id, to, event.path(rec.pdf),
                      retry=retry, test=bool(test_to))
    if test_to:
        status = Status(result.status).as_test()
        run.summary.outcomes.append(Outcome(job.row.number, rec.name, status, result.detail,
                                            rec.cert_id))
        return result
    record = ledger.get(rec.cert_id) or rec
    job.record = record
    run.show(record)
    run.summary.outcomes.append(
        Outcome(job.row.number, record.name, record.status, record.detail, record.cert_id)
    )
    return result


def send_one(
    ledger: Ledger,
    transport: Any,
    event: Event,
    fields: dict[str, str],
    cert_id: str,
    to: str,
    pdf: Path,
    *,
    retry: Backoff,
    test: bool = False,
) -> Result:
    """One certificate email, retried on "try again later"; the ledger knows every step."""
    domain = event.email.sender.rpartition("@")[2]
    attempt = ledger.begin_attempt(cert_id, to, domain, test=test)
    try:
        msg = build_message(event, fields, to, pdf, attempt.message_id, certificate_id=cert_id,
                            attempt=attempt.seq, test=test)
    except RecipientRefused as exc:
        ledger.finish_attempt(attempt.id, "failed", str(exc))
        return Result(FAILED, str(exc))
    except OSError as exc:
        detail = f"The PDF could not be read ({exc}). Run certkit run again to make it."
        ledger.finish_attempt(attempt.id, "deferred", detail)
        return Result(NOT_SENT, detail)

    def once() -> None:
        handed = False

        def handover() -> None:
            nonlocal handed
            ledger.handing_over(attempt.id)
            handed = True

        try:
            transport.send(msg, handover)
        except TemporaryFailure as exc:
            if handed:
                ledger.not_handed_over(attempt.id, str(exc), exc.code)
            raise

    try:
        retry.call(once, _temporary)
    except DeliveryUnknown as exc:
        ledger.finish_attempt(attempt.id, "unknown", f"{exc} Not sent again by itself: check "
                              "the Sent folder (certkit reconcile) or resend (certkit resend).",
                              exc.code)
        return Result(UNKNOWN, str(exc))
    except RecipientRefused as exc:
        ledger.finish_attempt(attempt.id, "failed", str(exc), exc.code)
        return Result(FAILED, str(exc))
    except QuotaExceeded as exc:
        detail = f"{exc} It goes out on the next run once the limit allows."
        ledger.finish_attempt(attempt.id, "deferred", detail, exc.code)
        return Result(NOT_SENT, str(exc), stop=True, quota=True)
    except TemporaryFailure as exc:
        detail = f"{exc} Tried {retry.attempts} times; it goes out on the next run."
        ledger.finish_attempt(attempt.id, "deferred", detail, exc.code)
        service = exc.code is None or exc.code in (421, 454) or exc.code < 0
        return Result(NOT_SENT, detail, stop=service, deferred=True)
    except (AuthError, SendError) as exc:
        ledger.finish_attempt(attempt.id, "deferred", str(exc), exc.code)
        return Result(NOT_SENT, str(exc), stop=True)
    ledger.finish_attempt(attempt.id, "sent")
    return Result(SENT)


def _stop(run: Run, rest: Sequence[Job], reason: str, short: str) -> None:
    """Leave the rows not attempted as Not sent, saying why in Detail and the summary."""
    from ..summary import Outcome

    run.summary.stopped = run.summary.stopped or reason
    for job in rest:
        rec = job.record
        if rec.status == NOT_SENT:
            run.ledger.update(rec.cert_id, detail=f"PDF ready, {short}: run again to send")
            rec = run.ledger.get(rec.cert_id) or rec
            run.show(rec)
        run.summary.outcomes.append(
            Outcome(job.row.number, rec.name, rec.status, f"{short}: run again to continue",
                    rec.cert_id)
        )


def _settle_unknown(run: Run) -> None:
    """Look for Unknown rows' messages where sent mail is kept (Gmail's Sent folder, the outbox)."""
    if not run.ledger.unknown_attempts():
        return
    from ._reconcile import reconcile_run

    try:
        settled = reconcile_run(run)
    except CertkitError as exc:
        run.summary.notes.append(f"Unknown rows were not looked up in the Sent folder: {exc}")
        return
    if settled.found or settled.missing:
        run.summary.notes.append(settled.to_text(run.event.folder))
    for outcome in run.summary.outcomes:  # the summary (and the exit code) say what is true now
        if outcome.row in settled.found and outcome.status == UNKNOWN:
            outcome.status, outcome.detail = SENT, "found in the Sent folder"
