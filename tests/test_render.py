"""The rows-to-PDFs stage on real LibreOffice: chunked output is right, private and checked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from certkit.config import load_event
from certkit.docs import (
    MARK,
    Certificate,
    W,
    _parts,
    certificate_pages,
    inspect_template,
    prepare_template,
    render_certificates,
    render_chunk,
    row_fields,
    verify_url,
)
from certkit.ids import new_certificate_id
from certkit.ledger import open_ledger
from certkit.run import run_event
from certkit.sheets import Row, open_roster

NAMES = [
    "Amélie Dubois",
    "王小明",
    "Johnson & Johnson <Training> Team",
    "Siobhán O'Brien",
    "Zoë Müller-Lüdenscheidt",
    "Kwame Mensah",
]
LONG_NAME = " ".join(["Wolfeschlegelsteinhausenbergerdorff"] * 14)


def squash(text: str) -> str:
    """Text without whitespace: a long name may wrap differently."""
    return "".join(text.split())


def pdf_text(path: Path) -> str:
    """All text of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def certificates(event, prepared, names: list[str]) -> list[Certificate]:
    """One certificate per name, on a copy of the demo roster's first row."""
    base = open_roster(event).read().rows[0]
    certs = []
    for i, name in enumerate(names):
        values = dict(base.values)
        values[event.roster.name_column] = name
        row = Row(number=i + 2, values=values)
        cid = new_certificate_id()
        certs.append(Certificate(row, cid, row_fields(event, row, prepared.placeholders, cid)))
    return certs


def run_stage(event, prepared, converter, certs, out: Path, chunk_size: int = 50) -> dict:
    """Run the stage; certificate ID -> result."""
    results = render_certificates(certs, prepared, event, converter, out, out.parent / "work",
                                  chunk_size=chunk_size)
    done = {r.certificate_id: r for r in results}
    assert len(done) == len(certs)
    return done


@pytest.fixture
def prepared(event, tmp_path):
    """The demo event's template, prepared."""
    return prepare_template(event.path(event.template.path), tmp_path / "prep")


def qr_matrix(image, size: int) -> list[list[bool]]:
    """Read a QR image back into its modules (dark = True) by sampling each module's centre."""
    gray = image.convert("L")
    step = gray.width / size
    return [[gray.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128
             for x in range(size)] for y in range(size)]


def expected_matrix(url: str) -> list[list[bool]]:
    """The modules qrcode draws for `url` (with the quiet zone), as docs.qr_png makes them."""
    import qrcode

    from certkit.docs import QR_MASK

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4,
                       mask_pattern=QR_MASK)
    qr.add_data(url)
    qr.make(fit=True)
    return [[bool(v) for v in row] for row in qr.get_matrix()]


def test_chunked_pdfs_read_like_one_document_per_certificate(event, prepared, converter, tmp_path):
    certs = certificates(event, prepared, NAMES)
    chunked = run_stage(event, prepared, converter, certs, tmp_path / "chunked")
    single = run_stage(event, prepared, converter, certs, tmp_path / "single", chunk_size=1)
    for cert in certs:
        a, b = chunked[cert.certificate_id], single[cert.certificate_id]
        assert a.pdf and b.pdf and a.pdf.name == f"{cert.certificate_id}.pdf"
        assert a.pages == b.pages == len(PdfReader(str(a.pdf)).pages)
        assert squash(pdf_text(a.pdf)) == squash(pdf_text(b.pdf))
        assert squash(cert.row.get(event.roster.name_column)) in squash(pdf_text(a.pdf))
    assert not list((tmp_path / "work").iterdir())  # no .docx with everyone's data is left behind


def test_each_pdf_holds_only_its_own_qr_code_and_name(event, prepared, converter, tmp_path):
    certs = certificates(event, prepared, NAMES)
    done = run_stage(event, prepared, converter, certs, tmp_path / "pdf")
    matrices = {c.certificate_id: expected_matrix(verify_url(event, c.certificate_id)) for c in certs}
    names = {c.certificate_id: squash(c.row.get(event.roster.name_column)) for c in certs}
    for cert in certs:
        reader = PdfReader(str(done[cert.certificate_id].pdf))
        found = []
        for page in reader.pages:
            for image in page.images:
                for owner, matrix in matrices.items():
                    if image.image.width == image.image.height and \
                            qr_matrix(image.image, len(matrix)) == matrix:
                        found.append(owner)
        assert found == [cert.certificate_id]  # its own code, once, and nobody else's
        text = squash(pdf_text(done[cert.certificate_id].pdf))
        assert names[cert.certificate_id] in text
        others = [n for cid, n in names.items() if cid != cert.certificate_id and n in text]
        assert others == []
        for other in certs:
            if other is not cert:
                assert other.certificate_id not in text


def test_a_long_name_spilling_onto_page_two_is_caught_and_nobody_shifts(event, prepared, converter,
                                                                         tmp_path):
    names = ["Ada Lovelace", LONG_NAME, "Grace Hopper", "Alan Turing"]
    certs = certificates(event, prepared, names)
    chunk = tmp_path / "chunk.docx"
    render_chunk(prepared, certs, event, chunk)
    pdfs = converter.convert([chunk], tmp_path / "raw")
    reader = PdfReader(str(pdfs[chunk]))
    spans = certificate_pages(reader, len(certs), MARK)
    assert spans is not None and len(reader.pages) > len(certs)  # a naive split would shift people
    assert [len(s) for s in spans][1] > 1

    done = run_stage(event, prepared, converter, certs, tmp_path / "pdf")
    single = run_stage(event, prepared, converter, certs, tmp_path / "single", chunk_size=1)
    for cert, name in zip(certs, names):
        text = squash(pdf_text(done[cert.certificate_id].pdf))
        assert squash(name) in text
        assert all(squash(n) not in text for n in names if n != name and n != LONG_NAME)
        assert text == squash(pdf_text(single[cert.certificate_id].pdf))
        assert done[cert.certificate_id].pages == single[cert.certificate_id].pages
    pages = [done[c.certificate_id].pages for c in certs]
    assert pages[1] > pages[0] == pages[2] == pages[3]


class CorruptingConverter:
    """Real LibreOffice, but any document holding `victim` is truncated first, as a damaged file
    on disk would be: LibreOffice really fails on it."""

    def __init__(self, inner, victim: str):
        self.inner, self.victim = inner, victim
        self.workers, self.multipage = inner.workers, inner.multipage

    def convert(self, docs, out_dir):
        for doc in docs:
            with zipfile.ZipFile(doc) as z:
                body = z.read("word/document.xml").decode("utf-8")
            if self.victim in body:
                doc.write_bytes(doc.read_bytes()[:300])
        return self.inner.convert(docs, out_dir)


def test_a_document_libreoffice_cannot_read_fails_only_its_row(event_dir, converter):
    book = openpyxl.load_workbook(event_dir / "roster.xlsx")
    book.worksheets[0]["A3"] = "Corrupted Person"
    book.save(event_dir / "roster.xlsx")
    summary = run_event(load_event(event_dir), send=False, write_sheet=True,  # show it in the file
                        converter=CorruptingConverter(converter, "Corrupted Person"))
    failed = [o for o in summary.outcomes if o.status == "Failed"]
    assert [(o.row, o.name) for o in failed] == [(3, "Corrupted Person")]
    assert "row 3" in failed[0].detail
    assert summary.count("Not sent") == 24 and len(list((event_dir / "out" / "pdf").glob("*.pdf"))) == 22
    sheet = openpyxl.load_workbook(event_dir / "roster.xlsx").worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(3, header.index("Status") + 1).value == "Failed"
    with open_ledger(event_dir) as ledger:
        ready = [r for r in ledger.all() if r.pdf]
    assert len(ready) == 22
    for rec in ready:  # page counts are recorded
        assert rec.pages == len(PdfReader(str(event_dir / rec.pdf)).pages) >= 1


def test_per_person_header_gets_its_own_document_and_page_fields_block_chunking(
        event, converter, tmp_path):
    from docx import Document
    from docx.oxml import parse_xml

    template = event.path(event.template.path)
    name_placeholder = next(p for p, col in event.mapping.items() if col == event.roster.name_column)
    doc = Document(str(template))
    doc.sections[0].header.paragraphs[0].text = "Issued to {{" + name_placeholder + "}}"
    doc.save(str(template))
    prepared = prepare_template(template, tmp_path / "prep")
    layout = inspect_template(prepared)
    assert layout.blocker == "" and layout.header_names
    certs = certificates(event, prepared, NAMES[:4])
    done = run_stage(event, prepared, converter, certs, tmp_path / "pdf")
    for cert in certs:
        text = squash(pdf_text(done[cert.certificate_id].pdf))
        assert squash(f"Issued to {cert.row.get(event.roster.name_column)}") in text
        assert all(squash(f"Issued to {n}") not in text for n in NAMES[:4]
                   if n != cert.row.get(event.roster.name_column))

    doc.sections[0].footer.paragraphs[0]._p.append(parse_xml(
        f'<w:fldSimple xmlns:w="{W}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    doc.save(str(template))
    paged = prepare_template(template, tmp_path / "prep2")
    assert "fields" in inspect_template(paged).blocker


def test_jobs_start_and_end_small_and_come_in_rounds_of_the_workers():
    for total in (1, 7, 23, 99, 100, 101, 200, 1000, 10_000):
        parts = _parts(total, 2, 50)
        assert sum(count for count, _size in parts) == total
        for count, size in parts:
            jobs = -(-count // size)
            assert size <= 80 and (jobs % 2 == 0 or count < 2 or jobs > 100)  # rounding: 1 of 195
        if total >= 1000:  # the first PDFs come early, and the last ones soon after the rest
            (_head, first), (_body, size), (_last, last) = parts
            assert first <= 13 and last <= -(-size // 4) + 1
    assert _parts(1000, 2, 100) == [(50, 25), (902, 113), (48, 24)]


def test_a_certificate_id_that_is_not_a_file_name_fails_only_its_row(event, prepared, converter,
                                                                      tmp_path):
    good, bad = certificates(event, prepared, NAMES[:2])
    bad = Certificate(bad.row, "../../escaped", bad.fields)
    done = run_stage(event, prepared, converter, [good, bad], tmp_path / "pdf")
    assert done[good.certificate_id].pdf and done["../../escaped"].pdf is None
    assert "row 3" in done["../../escaped"].error and "certificate ID" in done["../../escaped"].error
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"{good.certificate_id}.pdf"]
    assert not list(tmp_path.parent.glob("escaped*"))


def test_converter_counts_only_fresh_pdfs_and_skips_a_corrupt_file(event, prepared, converter,
                                                                   tmp_path):
    from certkit.docs import render_docx

    good = render_docx(prepared, certificates(event, prepared, NAMES[:1])[0], event,
                       tmp_path / "good.docx")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(good.read_bytes()[:300])
    out = tmp_path / "out"
    out.mkdir()
    (out / "bad.pdf").write_bytes(b"%PDF-1.4 stale output of an earlier run")
    converted = converter.convert([good, bad], out)
    assert list(converted) == [good] and not (out / "bad.pdf").exists()


def test_a_control_character_in_one_name_changes_nobody_elses_certificate(event, prepared, converter,
                                                                            tmp_path):
    # A manual line break pasted from Word arrives as \x0b, invalid in XML; docxtpl then parses the
    # chunk in libxml2's recover mode, which dropped '&', '<' and '>' from the other names.
    names = ["Ann\x0bLee", "Johnson & Johnson <Training> Team", "Bo\x00b Ray", "Cy ]]> & Dee"]
    certs = certificates(event, prepared, names)
    done = run_stage(event, prepared, converter, certs, tmp_path / "pdf", chunk_size=4)
    printed = {c.certificate_id: squash(pdf_text(done[c.certificate_id].pdf)) for c in certs}
    assert squash(names[1]) in printed[certs[1].certificate_id]
    assert squash(names[3]) in printed[certs[3].certificate_id]
    assert "AnnLee" in printed[certs[0].certificate_id]  # the control characters become spaces
    assert "BobRay" in printed[certs[2].certificate_id]


def font_maps(pdf: Path) -> bytes:
    """Every ToUnicode map of every font in a PDF: which characters its embedded fonts can show."""
    reader = PdfReader(str(pdf))
    found = b""
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if "/ToUnicode" in font:
                found += font["/ToUnicode"].get_object().get_data()
            for desc in font.get("/DescendantFonts", []):
                if "/ToUnicode" in desc.get_object():
                    found += desc.get_object()["/ToUnicode"].get_object().get_data()
    return found.upper()


def test_no_pdf_carries_the_characters_of_another_persons_non_latin_name(event, prepared,
                                                                         converter, tmp_path):
    names = ["王小明", "李华", "Ada Lovelace", "Grace Hopper", "فاطمة الزهراء"]
    certs = certificates(event, prepared, names)
    done = run_stage(event, prepared, converter, certs, tmp_path / "pdf")
    maps = {c.row.get(event.roster.name_column): font_maps(done[c.certificate_id].pdf) for c in certs}
    assert b"738B" in maps["王小明"]  # 王 is in its own PDF's fonts (the check can see it)
    for owner, cmap in maps.items():
        for other in names:
            if other == owner or other.isascii() or other.replace(" ", "").isascii():
                continue
            for ch in set(other) - set(owner) - {" "}:
                assert f"{ord(ch):04X}".encode() not in cmap, (owner, other, ch)


def _autogroup(pid: int | str) -> str | None:
    """The scheduling group Linux put a process in (None where autogroups are not kept)."""
    try:
        words = Path(f"/proc/{pid}/autogroup").read_text().split()
    except OSError:  # no autogroups on this kernel, or the process is gone
        return None
    return words[0] if words else None  # a process that is ending reads as empty


def _soffice_placements(profiles: str) -> dict[int, tuple]:
    """(session, process group, niceness, autogroup) of each running process of these profiles."""
    import os

    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if profiles.encode() not in fh.read():
                    continue
            found[pid] = (os.getsid(pid), os.getpgid(pid), os.getpriority(os.PRIO_PROCESS, pid),
                          _autogroup(pid))
        except OSError:  # it ended meanwhile (ProcessLookupError is one)
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="reads processes from Linux's /proc")
def test_libreoffice_runs_below_certkit_in_its_own_group_of_certkit_s_session(tmp_path, converter):
    """`nice` orders only the processes of one session: Linux schedules each session as one
    group (autogroup), so a soffice in a session of its own took as much CPU as the whole run and
    held back mail. Its own process group still lets a stop kill it whole, and keeps it out of
    a terminal's Ctrl-C."""
    import os
    import threading

    from docx import Document

    docs = []
    for i in range(3):
        document = Document()
        document.add_paragraph(f"Participant {i}")
        document.save(tmp_path / f"{i}.docx")
        docs.append(tmp_path / f"{i}.docx")
    seen: dict[int, tuple] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid, placement in _soffice_placements(str(converter._profiles)).items():
                if placement[3] is not None or pid not in seen:  # keep a reading taken alive
                    seen[pid] = placement
            done.wait(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        pdfs = converter.convert(docs, tmp_path / "pdf")
    finally:
        done.set()
        watcher.join(timeout=10)
    assert len(pdfs) == 3 and seen, "LibreOffice was never seen running"
    own_group = _autogroup("self")
    for session, group, nice, autogroup in seen.values():
        assert session == os.getsid(0)  # certkit's session, so the same scheduling group
        assert group != os.getpgid(0)  # a process group of its own
        assert nice > os.getpriority(os.PRIO_PROCESS, 0)  # below certkit's priority
        assert own_group is None or autogroup in (own_group, None)  # None: read as it ended
    if own_group is not None:
        assert any(placement[3] == own_group for placement in seen.values())
