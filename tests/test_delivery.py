"""The send loop over a real SMTP server: ledger states, faults, quotas, throttle, confirmation."""

from __future__ import annotations

import io
import itertools
import sqlite3
import time
from pathlib import Path

import openpyxl
import pytest

from certkit import cli
from certkit.config import load_event
from certkit.errors import AuthError, LedgerError
from certkit.ledger import open_ledger
from certkit.run import resend, run_event, send_plan
from certkit.send import Throttle

from .conftest import use_smtp
from .smtp_server import DROP, KEEP_AND_DROP, Sink, start_server
from .test_pipeline import sheet_rows

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback

VALID = 23  # the demo roster: 25 rows, one invalid and one empty address


@pytest.fixture
def server(smtp):
    """A plain SMTP server on 127.0.0.1 whose faults each test sets on the sink."""
    return smtp


def smtp_event(folder: Path, port: int, **transport):
    """The event pointed at the local server, with fast retries."""
    use_smtp(folder, port, retry_wait=0.01, **transport)
    return load_event(folder)


def ledger_states(folder: Path) -> dict[str, list[str]]:
    """cert_id -> attempt states, oldest first."""
    db = sqlite3.connect(folder / "certkit.db")
    out: dict[str, list[str]] = {}
    for cert, state in db.execute("SELECT cert_id, state FROM attempts ORDER BY id"):
        out.setdefault(cert, []).append(state)
    db.close()
    return out


def test_every_message_has_its_own_message_id_and_nobody_gets_two(ready_event, server, converter):
    sink, controller = server
    event = smtp_event(ready_event, controller.port)
    summary = run_event(event, send=True, converter=converter)
    assert summary.count("Sent") == VALID and sink.connections == 1
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(set(ids)) == VALID
    assert all(i.startswith("<certkit.CK-") and i.endswith(".1@example.org>") for i in ids)
    assert all(v == 1 for v in sink.per_recipient().values())
    assert set(map(tuple, ledger_states(ready_event).values())) == {("sent",)}
    run_event(load_event(ready_event), send=True, converter=converter)
    assert len(sink.received) == VALID


def test_421_after_k_messages_reconnects_and_sends_each_once(ready_event, server, converter):
    sink, controller = server
    sink.on_data = lambda msg, n, kept: "421 4.7.0 Try again later, closing connection close" \
        if n in (5, 6, 12) else None
    greylisted: list[str] = []

    def greylist(address: str) -> str | None:
        if address == "ngozi.okonkwo@example.org" and not greylisted:
            greylisted.append(address)
            return "450 4.2.0 Greylisted, come back later"
        return None

    sink.on_rcpt = greylist
    summary = run_event(smtp_event(ready_event, controller.port), send=True, converter=converter)
    assert summary.count("Sent") == VALID, summary.to_text()
    assert sorted(sink.per_recipient().values()) == [1] * VALID
    assert greylisted and sink.connections == 4  # the server hung up three times


def test_a_server_that_keeps_deferring_stops_the_batch_cleanly(ready_event, server, converter):
    sink, controller = server
    sink.on_data = lambda msg, n, kept: "421 4.7.0 Try again later, closing connection close" \
        if kept >= 3 else None
    summary = run_event(smtp_event(ready_event, controller.port, retries=2), send=True,
                        converter=converter)
    assert summary.count("Sent") == 3 and summary.count("Failed") == 0
    assert "try again later" in summary.stopped and "certkit run" in summary.stopped
    assert summary.count("Not sent") == VALID - 3 + 2  # plus the two rows blocked by bad data
    sink.on_data = None
    again = run_event(load_event(ready_event), send=True, converter=converter)
    assert again.count("Sent") == VALID
    assert sorted(sink.per_recipient().values()) == [1] * VALID


def test_550_no_such_user_fails_that_row_in_words_and_the_batch_goes_on(ready_event, server, converter):
    sink, controller = server
    asked = []

    def no_such_user(address: str) -> str | None:
        if address == "jose.alvarez@example.org":
            asked.append(address)
            return "550 5.1.1 The email account that you tried to reach does not exist"
        return None

    sink.on_rcpt = no_such_user
    summary = run_event(smtp_event(ready_event, controller.port), send=True, converter=converter)
    assert summary.count("Sent") == VALID - 1 and summary.count("Failed") == 1
    row = sheet_rows(ready_event / "roster.xlsx")["José Álvarez Núñez"]
    assert row["Status"] == "Failed" and "misspelled" in row["Detail"] and "5.1.1" in row["Detail"]
    assert "jose.alvarez@example.org" not in sink.per_recipient()
    again = run_event(load_event(ready_event), send=True, converter=converter)
    assert again.count("Failed") == 1 and len(asked) == 1  # the same address is not tried again
    book = openpyxl.load_workbook(ready_event / "roster.xlsx")
    sheet = book.worksheets[0]
    sheet["B3"] = "jose.alvarez.nunez@example.org"  # the organizer corrects it in the sheet
    book.save(ready_event / "roster.xlsx")
    fixed = run_event(load_event(ready_event), send=True, converter=converter)
    assert fixed.count("Sent") == VALID and len(sink.to("jose.alvarez.nunez@example.org")) == 1


def test_lost_reply_after_data_leaves_unknown_which_is_never_resent_by_itself(ready_event, server,
                                                                              converter):
    sink, controller = server
    arrived, lost = "amelie.dubois@example.org", "jose.alvarez@example.org"
    sink.on_data = lambda msg, n, kept: (KEEP_AND_DROP if str(msg["To"]).endswith(f"<{arrived}>") else
                                         DROP if str(msg["To"]).endswith(f"<{lost}>") else None)
    summary = run_event(smtp_event(ready_event, controller.port), send=True, converter=converter)
    assert summary.count("Unknown") == 2 and summary.count("Sent") == VALID - 2
    assert "Unknown" in summary.to_text() and "certkit resend" in summary.to_text()
    sink.on_data = None
    again = run_event(load_event(ready_event), send=True, converter=converter)  # leaves them alone
    assert "row 3 (José Álvarez Núñez): Unknown: " in again.to_text() and "resend" in again.to_text()
    counts = sink.per_recipient()
    assert counts[arrived] == 1 and lost not in counts
    rows = sheet_rows(ready_event / "roster.xlsx")
    assert rows["José Álvarez Núñez"]["Status"] == "Unknown"
    # the organizer checked: José's did not arrive, so she resends it; Amélie's did, so not hers
    resend(load_event(ready_event), row=3)
    assert sink.per_recipient()[lost] == 1 and sum(sink.per_recipient().values()) == VALID
    assert sheet_rows(ready_event / "roster.xlsx")["José Álvarez Núñez"]["Status"] == "Sent"


def test_server_daily_limit_stops_cleanly_and_the_next_run_continues(ready_event, server, converter):
    sink, controller = server
    sink.on_data = lambda msg, n, kept: "550 5.4.5 Daily user sending limit exceeded." if kept >= 7 \
        else None
    summary = run_event(smtp_event(ready_event, controller.port), send=True, converter=converter)
    assert summary.count("Sent") == 7 and summary.count("Failed") == 0
    assert "daily sending limit" in summary.stopped and f"{VALID - 7} certificate(s) not sent" in \
        summary.stopped
    assert "try again tomorrow at" in summary.stopped
    sink.on_data = None  # a day later
    assert run_event(load_event(ready_event), send=True, converter=converter).count("Sent") == VALID
    assert sorted(sink.per_recipient().values()) == [1] * VALID


def test_configured_daily_limit_plans_stops_and_resumes_as_the_window_rolls(ready_event, server,
                                                                            converter):
    sink, controller = server
    event = smtp_event(ready_event, controller.port, daily_limit=5)
    plan = send_plan(event)
    assert (plan.to_send, plan.allowed_now, plan.later) == (VALID, 5, VALID - 5)
    assert plan.to_text().startswith(f"{VALID} to send, your quota allows 5 today: 5 now, "
                                     f"{VALID - 5} later (from tomorrow at")
    summary = run_event(event, send=True, converter=converter)
    assert summary.count("Sent") == 5 and len(sink.received) == 5
    assert "Daily limit reached: 5 messages went out in the last 24 hours" in summary.stopped
    assert f"{VALID - 5} certificate(s) not sent yet" in summary.stopped
    assert "The next can go tomorrow at" in summary.stopped
    assert send_plan(load_event(ready_event)).allowed_now == 0
    assert run_event(load_event(ready_event), send=True, converter=converter).count("Sent") == 5
    assert len(sink.received) == 5  # nothing more today
    db = sqlite3.connect(ready_event / "certkit.db")
    with db:  # a day passes: what went out is now older than 24 h
        db.execute("UPDATE attempts SET handed_at = handed_at - 86400 - 60")
    db.close()
    assert send_plan(load_event(ready_event)).allowed_now == 5
    assert run_event(load_event(ready_event), send=True, converter=converter).count("Sent") == 10
    assert sorted(sink.per_recipient().values()) == [1] * 10


def test_throttle_spaces_messages(ready_event, server, converter):
    _sink, controller = server
    event = smtp_event(ready_event, controller.port, per_minute=600)  # one every 0.1 s
    start = time.monotonic()
    assert run_event(event, send=True, rows=[2, 3, 4, 5, 6], converter=converter).count("Sent") == 5
    assert time.monotonic() - start >= 0.4
    throttle = Throttle(1200)  # one every 0.05 s, on the real clock
    starts = []
    for _ in range(6):
        throttle.wait()
        starts.append(time.time())
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(starts))


def test_refused_login_stops_before_the_first_message(ready_event, converter, monkeypatch):
    sink = Sink()
    controller = start_server(sink, auth=("office@example.org", "right"))
    try:
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "wrong")
        event = smtp_event(ready_event, controller.port, username="office@example.org")
        with pytest.raises(AuthError, match=r"refused the login.*Nothing was sent"):
            run_event(event, send=True, converter=converter)
        assert sink.data_commands == 0
        with open_ledger(ready_event) as ledger:
            assert set(ledger.counts()) == {"Not sent"}
        monkeypatch.setenv("CERTKIT_SMTP_PASSWORD", "right")
        assert run_event(load_event(ready_event), send=True, converter=converter).count("Sent") == VALID
    finally:
        controller.stop()


def test_cli_confirmation_names_plan_and_sender_and_sends_nothing_without_yes(ready_event, server, capsys,
                                                                             monkeypatch):
    sink, controller = server
    smtp_event(ready_event, controller.port, daily_limit=20)
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal to answer
    assert cli.main(["run", str(ready_event), "--send"]) == 1
    out = capsys.readouterr().out
    assert f"{VALID} to send, your quota allows 20 today: 20 now, {VALID - 20} later" in out
    assert "Send 20 certificate(s) from Data Skills Bootcamp <certificates@example.org> via smtp?" in out
    assert "Nothing was sent." in out and sink.received == []


def test_killed_run_recovery_retries_pending_and_parks_handing_over(ready_event):
    with open_ledger(ready_event) as ledger:
        a, b = ledger.all()[0], ledger.all()[1]
        ledger.begin_attempt(a.cert_id, a.email, "example.org")  # killed before DATA ended
        hb = ledger.begin_attempt(b.cert_id, b.email, "example.org")
        ledger.handing_over(hb.id)  # killed between the final "." and the reply
        with open_ledger(ready_event) as other, pytest.raises(LedgerError, match="Another certkit"):
            other.recover()  # a second process must wait
    with open_ledger(ready_event) as ledger:
        (unknown,) = ledger.recover()
        assert unknown.cert_id == b.cert_id and unknown.message_id == f"<certkit.{b.cert_id}.1@example.org>"
        assert ledger.get(a.cert_id).status == "Not sent" and ledger.get(b.cert_id).status == "Unknown"
        assert ledger.begin_attempt(a.cert_id, a.email, "example.org").seq == 2
