"""SmtpTransport against a real aiosmtpd on 127.0.0.1: TLS kinds, login, faults, hostile headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from certkit.config import Event
from certkit.errors import (
    AuthError,
    DeliveryUnknown,
    QuotaExceeded,
    RecipientRefused,
    SendError,
    TemporaryFailure,
)
from certkit.send import SmtpTransport, auth_advice, build_message, classify

from .smtp_server import DROP, KEEP_AND_DROP, Sink, make_ca, start_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback

USER, PASSWORD = "office@school.example", "correct horse"


@pytest.fixture(scope="module")
def ca():
    """One throwaway CA for the module."""
    return make_ca()


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    """A small file to attach."""
    path = tmp_path / "c.pdf"
    path.write_bytes(b"%PDF-1.4\n% test attachment\n")
    return path


def message(tmp_path: Path, pdf: Path, *, name="Amélie Dubois", to="amelie@example.org",
            subject="Your certificate: {{ Course }}", course="SQL", mid="<certkit.CK-TEST.1@school.example>"):
    """A certificate email as certkit builds it."""
    event = Event(folder=tmp_path)
    event.email.sender, event.email.sender_name = USER, "School Office"
    event.email.reply_to = "help@school.example"
    event.email.subject = subject
    event.email.html = "<p>Dear {{ name }}</p>"
    fields = {"name": name, "Course": course, "certificate_id": "CK-TEST"}
    return build_message(event, fields, to, pdf, mid, certificate_id="CK-TEST", attempt=1)


def serve(sink: Sink, **kwargs):
    """Start a server and return it (stopped by the caller)."""
    return start_server(sink, **kwargs)


@pytest.mark.parametrize("tls", ["none", "starttls", "ssl"])
def test_each_security_kind_delivers_over_verified_tls_with_login(tmp_path, pdf, ca, tls):
    sink = Sink()
    server = serve(sink, auth=(USER, PASSWORD), tls=tls, ca=ca)
    try:
        with SmtpTransport("127.0.0.1", server.port, security=tls, username=USER, password=PASSWORD,
                           context=ca.client, timeout=10) as transport:
            for n in range(3):
                transport.send(message(tmp_path, pdf, to=f"p{n}@example.org"))
    finally:
        server.stop()
    assert sorted(sink.per_recipient()) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert sink.connections == 1  # one connection for the whole batch


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_an_untrusted_certificate_is_refused_not_ignored(tmp_path, pdf, ca, tls):
    sink = Sink()
    server = serve(sink, tls=tls, ca=ca)
    try:
        transport = SmtpTransport("127.0.0.1", server.port, security=tls, timeout=10)  # system CAs
        with pytest.raises(SendError, match="could not prove"):
            transport.open()
    finally:
        server.stop()
    assert sink.received == []


def test_refused_login_raises_auth_error_before_any_message(tmp_path, pdf, ca):
    sink = Sink()
    server = serve(sink, auth=(USER, PASSWORD), tls="starttls", ca=ca)
    try:
        transport = SmtpTransport("127.0.0.1", server.port, security="starttls", username=USER,
                                  password="wrong", context=ca.client, timeout=10)
        with pytest.raises(AuthError, match="refused the login") as err:
            transport.open()
    finally:
        server.stop()
    assert err.value.code == 535 and sink.data_commands == 0
    assert "app password" in auth_advice("smtp.gmail.com", 535, b"5.7.8 Username and Password not accepted")
    assert "2-Step Verification" in auth_advice("smtp.gmail.com", 535, b"")


def test_hostile_name_subject_and_address_cannot_add_headers(tmp_path, pdf):
    sink = Sink()
    server = serve(sink)
    hostile = "Eve\r\nBcc: victim@evil.example\r\nX-Injected: yes"
    try:
        with SmtpTransport("127.0.0.1", server.port, security="none", timeout=10) as transport:
            transport.send(message(tmp_path, pdf, name=hostile, course="SQL\nX-Injected: 2\r\n\r\nbody",
                                   subject="{{ Course }}\r\nBcc: {{ name }}"))
            with pytest.raises(RecipientRefused, match="not a valid email address"):
                transport.send(message(tmp_path, pdf, to="a@example.org\r\nRCPT TO:<evil@evil.example>"))
    finally:
        server.stop()
    (got,) = sink.received
    assert got.rcpt_tos == ["amelie@example.org"]
    head = got.raw.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].decode() for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    assert "Bcc" not in names and "X-Injected" not in names
    assert set(names) >= {"Subject", "From", "To", "Reply-To", "Date", "Message-ID", "X-Certkit-Id"}
    assert got.message["Subject"].strip().startswith("SQL X-Injected: 2")
    assert "victim@evil.example" not in str(got.message["To"].addresses[0].addr_spec)


def test_non_ascii_names_are_encoded_and_the_ids_are_set(tmp_path, pdf):
    sink = Sink()
    server = serve(sink)
    try:
        with SmtpTransport("127.0.0.1", server.port, security="none", timeout=10) as transport:
            transport.send(message(tmp_path, pdf, name="王小明", course="Données & Zoë"))
    finally:
        server.stop()
    (got,) = sink.received
    head = got.raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header is 7-bit on the wire
    assert b"=?utf-8?" in head
    msg = got.message
    assert msg["To"].addresses[0].display_name == "王小明"
    assert msg["Subject"] == "Your certificate: Données & Zoë"
    assert msg["From"] == "School Office <office@school.example>"
    assert msg["Reply-To"] == "help@school.example"
    assert msg["Message-ID"] == "<certkit.CK-TEST.1@school.example>"
    assert msg["X-Certkit-Id"] == "CK-TEST" and msg["X-Certkit-Attempt"] == "1"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Dear 王小明</p>"
    (pdf_part,) = list(msg.iter_attachments())
    assert pdf_part.get_content() == pdf.read_bytes()


def test_non_ascii_mailbox_needs_smtputf8(tmp_path, pdf):
    for smtputf8 in (True, False):
        sink = Sink()
        server = serve(sink, enable_SMTPUTF8=smtputf8)
        try:
            with SmtpTransport("127.0.0.1", server.port, security="none", timeout=10) as transport:
                if smtputf8:
                    transport.send(message(tmp_path, pdf, to="zoë@example.org"))
                else:
                    with pytest.raises(RecipientRefused, match="non-ASCII"):
                        transport.send(message(tmp_path, pdf, to="zoë@example.org"))
        finally:
            server.stop()
        assert [r.rcpt_tos for r in sink.received] == ([["zoë@example.org"]] if smtputf8 else [])


def test_replies_are_mapped_to_what_happens_next(tmp_path, pdf):
    replies = {"p1@example.org": "550 5.1.1 The email account that you tried to reach does not exist",
               "p2@example.org": "450 4.2.0 Greylisted, try again"}
    sink = Sink(on_rcpt=replies.get)
    sink.on_data = lambda msg, n, kept: {
        1: "552 5.3.4 Message too big", 2: "550 5.4.5 Daily user sending limit exceeded",
        3: "421 4.7.0 Try again later, closing connection close", 4: KEEP_AND_DROP, 5: DROP,
    }.get(n)
    server = serve(sink)
    outcomes = []
    try:
        with SmtpTransport("127.0.0.1", server.port, security="none", timeout=10) as transport:
            for to in ["p1@example.org", "p2@example.org"] + [f"d{n}@example.org" for n in range(1, 7)]:
                handed = []
                try:
                    transport.send(message(tmp_path, pdf, to=to), lambda h=handed: h.append(1))
                    outcomes.append(("sent", bool(handed)))
                except SendError as exc:
                    outcomes.append((type(exc).__name__, bool(handed), str(exc)))
    finally:
        server.stop()
    assert outcomes[0][:2] == ("RecipientRefused", False) and "misspelled" in outcomes[0][2]
    assert outcomes[1][:2] == ("TemporaryFailure", False)
    assert outcomes[2][:2] == ("RecipientRefused", True) and "too big" in outcomes[2][2]
    assert outcomes[3][:2] == ("QuotaExceeded", True)
    assert outcomes[4][:2] == ("TemporaryFailure", True)  # 421: a reply, so it did not arrive
    assert outcomes[5][:2] == ("DeliveryUnknown", True)  # arrived, but the reply was lost
    assert outcomes[6][:2] == ("DeliveryUnknown", True)  # did not arrive; the client cannot tell
    assert outcomes[7] == ("sent", True)  # reconnected by itself after the drops
    assert [r.rcpt_tos for r in sink.received] == [["d4@example.org"], ["d6@example.org"]]


def test_classify_covers_the_replies_gmail_gives():
    assert isinstance(classify(535, b"5.7.8 Username and Password not accepted"), AuthError)
    assert isinstance(classify(550, b"5.4.5 Daily user sending limit exceeded"), QuotaExceeded)
    assert isinstance(classify(421, b"4.7.0 Try again later"), TemporaryFailure)
    assert isinstance(classify(454, b"4.7.0 Too many login attempts"), TemporaryFailure)
    refused = classify(553, b"5.1.3 The recipient address is not a valid RFC 5321 address")
    assert isinstance(refused, RecipientRefused) and "does not accept" in str(refused)
    assert re.search(r"mailbox is full", str(classify(552, b"5.2.2 The recipient's inbox is out of storage")))
    assert not isinstance(classify(550, b"5.1.1 no such user"), (DeliveryUnknown, TemporaryFailure))
