"""Google Doc templates exported to .docx through the emulated Drive API."""

from __future__ import annotations

import io

import docx
import pytest

from certkit.docs import DOCX_MIME, document_id, export_google_doc
from certkit.errors import TemplateError


def word_file(text: str) -> bytes:
    """A real .docx holding one paragraph."""
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def paragraphs(path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def test_exports_once_then_only_checks_for_changes(sheets_emulator, sheets_client, tmp_path):
    key = sheets_emulator.add_document("Certificate", word_file("Certificate for {{ name }}"))
    target = tmp_path / "template.docx"
    url = f"https://docs.google.com/document/d/{key}/edit"
    assert export_google_doc(url, target, sheets_client) is True
    assert paragraphs(target) == ["Certificate for {{ name }}"]
    assert sheets_emulator.count("drive", path="/export") == 1
    assert export_google_doc(url, target, sheets_client) is False  # unchanged: metadata only
    assert sheets_emulator.count("drive", path="/export") == 1
    assert sheets_emulator.count("drive") == 3
    sheets_emulator.edit_document(key, word_file("Certificate of completion for {{ name }}"))
    assert export_google_doc(key, target, sheets_client) is True
    assert paragraphs(target) == ["Certificate of completion for {{ name }}"]


def test_a_damaged_cache_is_downloaded_again(sheets_emulator, sheets_client, tmp_path):
    key = sheets_emulator.add_document("Certificate", word_file("v1"))
    target = tmp_path / "template.docx"
    export_google_doc(key, target, sheets_client)
    target.write_bytes(b"edited by hand")
    assert export_google_doc(key, target, sheets_client) is True
    assert paragraphs(target) == ["v1"]


def test_an_uploaded_word_file_is_downloaded_as_it_is(sheets_emulator, sheets_client, tmp_path):
    data = word_file("uploaded")
    key = sheets_emulator.add_document("certificate.docx", data, mime=DOCX_MIME)
    target = tmp_path / "template.docx"
    assert export_google_doc(f"https://drive.google.com/file/d/{key}/view", target, sheets_client)
    assert target.read_bytes() == data


def test_a_document_not_shared_names_the_fix(sheets_emulator, sheets_client, tmp_path):
    key = sheets_emulator.add_document("Certificate", word_file("x"), shared_with={"someone@example.org"})
    with pytest.raises(TemplateError, match=r"was not found.*share it with"):
        export_google_doc(key, tmp_path / "t.docx", sheets_client)
    assert not (tmp_path / "t.docx").exists()


def test_a_spreadsheet_is_not_a_template(sheets_emulator, sheets_client, tmp_path):
    key = sheets_emulator.add_spreadsheet("Roster", [["Name"]])
    with pytest.raises(TemplateError, match="not a Google Doc or a Word document"):
        export_google_doc(key, tmp_path / "t.docx", sheets_client)


def test_something_that_is_not_a_word_file_never_replaces_the_template(
    sheets_emulator, sheets_client, tmp_path
):
    target = tmp_path / "template.docx"
    key = sheets_emulator.add_document("Certificate", word_file("good"))
    export_google_doc(key, target, sheets_client)
    sheets_emulator.edit_document(key, b"<html>oops</html>")
    with pytest.raises(TemplateError, match="not a Word document"):
        export_google_doc(key, target, sheets_client)
    assert paragraphs(target) == ["good"]


def test_server_errors_during_export_are_retried(sheets_emulator, sheets_client, tmp_path):
    key = sheets_emulator.add_document("Certificate", word_file("retried"))
    sheets_emulator.fail_next(2, 503, match="/export")
    assert export_google_doc(key, tmp_path / "t.docx", sheets_client)
    assert paragraphs(tmp_path / "t.docx") == ["retried"]


def test_document_id_from_addresses():
    key = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
    assert document_id(f"https://docs.google.com/document/d/{key}/edit?tab=t.0") == key
    assert document_id(f"https://drive.google.com/open?id={key}") == key
    assert document_id(key) == key
    with pytest.raises(TemplateError, match="not the address of a Google Doc"):
        document_id("my template")
