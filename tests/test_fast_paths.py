"""The fast paths keep every rule: helper processes make the same checked PDFs, pictures are
embedded as they are (a QR code stays sharp) unless one is huge, and the quick message
serialization writes the bytes the email package would."""

from __future__ import annotations

import email
import email.policy
import io
import multiprocessing
import os
import re

from pypdf import PdfReader

from certkit.config import load_event
from certkit.run import run_event
from certkit.send import SmtpTransport, build_message, message_bytes, open_transport, smtp_data

from .conftest import use_smtp
from .test_pipeline import sheet_rows, squash


def test_helper_processes_make_the_same_checked_pdfs_and_end_with_the_run(
        event_dir, smtp, converter, monkeypatch):
    monkeypatch.setattr("certkit.docs._stage.PROCESSES_FROM", 1)  # helpers even for 25 rows
    sink, controller = smtp
    use_smtp(event_dir, controller.port)

    summary = run_event(load_event(event_dir), send=True, converter=converter)

    assert summary.count("Sent") == 23 and len(sink.messages) == 23
    assert multiprocessing.active_children() == []  # the helpers stopped with the stage
    rows = sheet_rows(event_dir / "roster.xlsx")
    people = {r["Email"]: (squash(name), r["Certificate ID"]) for name, r in rows.items()
              if r["Status"] == "Sent"}
    for msg in sink.messages:
        address = msg["To"].addresses[0].addr_spec
        name, cid = people[address]
        (part,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
        reader = PdfReader(io.BytesIO(part.get_content()))
        text = squash(reader.pages[0].extract_text())
        assert len(reader.pages) == 1 and name in text and cid in text
        assert [a for a, (n, c) in people.items() if a != address and (n in text or c in text)] == []


def _docx_with_picture(path, picture: bytes) -> None:
    """A minimal .docx showing one PNG, 2 inches wide."""
    from docx import Document
    from docx.shared import Inches

    pic = path.with_suffix(".png")
    pic.write_bytes(picture)
    doc = Document()
    doc.add_paragraph("Certificate")
    doc.add_picture(str(pic), width=Inches(2))
    doc.save(str(path))


def _noise_png(size: int) -> bytes:
    """A PNG of random pixels (it does not compress, like a photo), size x size."""
    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buf, format="PNG")
    return buf.getvalue()


def _code_png(size: int) -> bytes:
    """A black-and-white PNG of 10-pixel squares, like a QR code: a small file, many pixels."""
    from PIL import Image

    cells = os.urandom((size // 10) ** 2)
    raw = bytes(255 * (cells[(y // 10) * (size // 10) + x // 10] & 1)
                for y in range(size) for x in range(size))
    buf = io.BytesIO()
    Image.frombytes("L", (size, size), raw).convert("1").save(buf, format="PNG")
    return buf.getvalue()


def _only_picture(pdf):
    """The one picture on the PDF's first page (fails when there is not exactly one)."""
    (image,) = [x.get_object() for x in PdfReader(str(pdf)).pages[0]["/Resources"]["/XObject"].values()]
    return image


def test_a_sharp_code_is_embedded_as_it_is(tmp_path, converter):
    doc = tmp_path / "cert.docx"
    _docx_with_picture(doc, _code_png(1000))  # 500 DPI at 2 inches: LibreOffice would resample
    pdf = converter.convert([doc], tmp_path / "pdf")[doc]
    image = _only_picture(pdf)
    assert image["/Width"] == 1000 and image.get("/Filter") != "/DCTDecode"  # no blur, no JPEG


def test_a_huge_photo_keeps_libreoffice_reduction(tmp_path, converter):
    doc = tmp_path / "cert.docx"
    picture = _noise_png(1400)
    _docx_with_picture(doc, picture)
    pdf = converter.convert([doc], tmp_path / "pdf")[doc]
    image = _only_picture(pdf)
    # 1,400 pixels over 2 inches, cut to LibreOffice's 300 DPI: every PDF and mail far smaller
    assert image["/Width"] <= 600 and pdf.stat().st_size < len(picture) / 3


def _message(event, tmp_path):
    """A certificate message whose PDF holds CR, LF and lines that start with a dot."""
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(os.urandom(50_000) + b"\r\n.\n.\r")
    fields = {"name": "Zo\u00eb\r\nBcc: x@evil.example", "email": "p@example.org", "course": "SQL",
              "full_name": ".leading dot"}
    return build_message(event, fields, "p@example.org", pdf, "<m@x>", certificate_id="CK-1"), pdf


def test_the_outbox_file_holds_what_the_email_package_writes(event, tmp_path):
    msg, pdf = _message(event, tmp_path)
    outbox = open_transport(event)  # the demo event's transport: .eml files in a folder
    outbox.open()
    outbox.send(msg)
    outbox.close()
    (eml,) = event.path(event.transport.outbox_dir).glob("*.eml")
    assert eml.read_bytes() == msg.as_bytes()
    (part,) = msg.iter_attachments()
    assert part.get_content() == pdf.read_bytes()
    headers = eml.read_bytes().split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^Bcc:", headers, re.M)  # the name's line break did not make a header


def test_smtp_hands_over_the_exact_bytes_leading_dots_and_all(event, tmp_path, smtp):
    sink, controller = smtp
    msg, _pdf = _message(event, tmp_path)
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    text.set_content(".one\n..two\n.\nend\n")  # lines that start with a dot, one a lone dot
    transport = SmtpTransport("127.0.0.1", controller.port, security="none")
    transport.send(msg)
    transport.close()
    (got,) = sink.received
    assert got.raw == msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _as_data(raw: bytes) -> bytes:
    """RFC 5321 done on finished bytes: CRLF line ends, a line's leading dot doubled, a final CRLF."""
    stuffed = re.sub(rb"(^|\r\n)\.", rb"\1..", re.sub(rb"\r\n|\r|\n", b"\r\n", raw))
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


def test_smtp_data_is_the_message_dot_stuffed_in_one_pass(event, tmp_path):
    """The DATA generator doubles leading dots in every body (text, HTML, preamble, epilogue, a raw
    multipart), turns every line ending into CRLF, and changes nothing else."""
    event.email.html = "<p>{{ name }}</p>\n.<b>dot</b>\n"  # text and HTML, in a mixed message
    msg, _pdf = _message(event, tmp_path)
    msg.preamble, msg.epilogue = ".pre\n.amble", ".epi\r.logue"
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    text.set_payload(".one\r\n..two\r.\nend")  # bare CR and LF, no final line break
    raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    data = smtp_data(msg)
    assert data == _as_data(raw)
    assert b"\r\n..one\r\n...two\r\n..\r\nend" in data and b"\r\n..<b>dot" in data
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    assert len({p.get_boundary() for p in msg.walk() if p.is_multipart()}) == 2  # nested differ
    broken = email.message_from_bytes(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
                                      b".no parts\r\n.x\n", policy=email.policy.SMTP)
    assert smtp_data(broken) == _as_data(broken.as_bytes())
    plain = email.message_from_string("Subject: s\n\n.only", policy=email.policy.SMTP)
    assert smtp_data(plain) == b"Subject: s\r\n\r\n..only\r\n"


def test_remembered_headers_change_no_byte_and_carry_nothing_to_the_next_message(event, tmp_path):
    """Headers parsed and folded once are shared between messages; each still says only its own."""
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    people = [("Ana Lima", "ana@example.org", "SQL"), ("Zo\u00eb Br\u00fcck", "zoe@example.org", "Stats"),
              ("Ana Lima", "ana@example.org", "SQL"), ("Jos\u00e9", "jos\u00e9@example.org", "SQL")]
    for i, (name, address, course) in enumerate(people):
        fields = {"name": name, "email": address, "Course": course, "full_name": name}
        msg = build_message(event, fields, address, pdf, f"<m{i}@x>", certificate_id=f"CK-{i}")
        raw = message_bytes(msg, "\r\n")
        assert raw == msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
        stock = (email.policy.SMTPUTF8 if "\u00e9@" in address else email.policy.SMTP)
        assert raw == msg.as_bytes(policy=stock)  # the email package's own folding, uncached
        again = email.message_from_bytes(raw, policy=email.policy.default)
        (to,) = again["To"].addresses  # an SMTPUTF8 header arrives as raw UTF-8 bytes
        assert to.addr_spec.encode("utf-8", "surrogateescape").decode() == address
        assert to.display_name.encode("utf-8", "surrogateescape").decode() == name
        assert again["Subject"] == f"Your certificate: {course}"  # the demo event's subject
        assert again["Message-ID"] == f"<m{i}@x>" and again["X-Certkit-Id"] == f"CK-{i}"
        others = {p[1] for p in people} - {address}
        assert not any(o.encode() in raw for o in others)


def _group(pgid: int) -> list[int]:
    """The processes still in process group `pgid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        if entry.isdigit() and int(fields[2]) == pgid and fields[0] != b"Z":
            found.append(int(entry))
    return found


def test_ctrl_c_while_the_helpers_start_stops_cleanly_and_leaves_no_process(tmp_path):
    import csv
    import random
    import signal
    import subprocess
    import sys
    import time

    from certkit.run import init_event

    from .test_kill import ROOT, child_env

    folder = init_event(tmp_path / "event")
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Full Name", "Email", "Course", "Completion Date", "Score", "Attended"])
        for i in range(320):  # enough for helper processes (from 300)
            out.writerow([f"Person {i}", f"p{i}@example.org", "SQL", "2026-06-12", 90, "yes"])
    toml = (folder / "event.toml").read_text(encoding="utf-8")
    toml = toml.replace('source = "xlsx"', 'source = "csv"').replace('"roster.xlsx"', '"roster.csv"')
    (folder / "event.toml").write_text(toml, encoding="utf-8")
    rng = random.Random(3)
    for _ in range(2):
        # as a terminal's Ctrl-C: to the whole process group, helpers included
        proc = subprocess.Popen([sys.executable, "-m", "certkit", "run", str(folder)], cwd=ROOT,
                                env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        deadline = time.monotonic() + 60
        while len(_group(proc.pid)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # the helpers are starting (their import is the fragile moment)
        time.sleep(rng.uniform(0, 0.5))
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130 and "Stopped. Run the same command again" in out + err, err
        assert "Traceback" not in out + err, err
        deadline = time.monotonic() + 10
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group(proc.pid) == []
