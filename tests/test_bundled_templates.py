"""The templates shipped in templates_docx/: listed, installable, and each renders through
certkit's own rendering and real LibreOffice to the expected number of pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from certkit.config import Event, TemplateConfig
from certkit.docs import (
    Certificate,
    bundled_template,
    bundled_templates,
    check_template,
    install_template,
    prepare_template,
    render_docx,
    row_fields,
)
from certkit.errors import ConfigError
from certkit.sheets import Row

PAGES = {"classic": 1, "modern": 1, "transcript": 2}
NAMES = [
    "Amélie Dubois",
    "王小明",
    "Johnson & Johnson <Training> Team of the Greater Metropolitan Area, Ltd. (Europe)",
]


def squash(text: str) -> str:
    """Text without whitespace: a long name may wrap onto two lines."""
    return "".join(text.split())


def test_bundled_templates_are_listed_with_previews():
    found = {t.name: t for t in bundled_templates()}
    assert set(found) == set(PAGES)
    for template in found.values():
        assert template.description and template.path.suffix == ".docx"
        assert template.preview_png is not None
        assert template.preview_png.stat().st_size < 150_000
        with Image.open(template.preview_png) as img:
            assert img.width >= 800 and img.width > img.height  # landscape
    with pytest.raises(ConfigError, match="Available: classic, modern, transcript"):
        bundled_template("fancy")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bundled_template_uses_organizer_notation_and_named_pictures(name):
    check = check_template(bundled_template(name).path)
    assert check.ok and check.repaired == []
    assert {"Full Name", "Course", "Date", "Organization", "Certificate ID"} <= set(
        check.placeholders)
    assert {"logo", "signature", "qr_code"} <= set(check.pictures)


def test_install_copies_the_template_and_its_pictures_but_never_overwrites(tmp_path):
    pictures = install_template("modern", tmp_path)
    assert pictures == {"logo": "logo.jpg", "signature": "signature.png"}
    assert {p.name for p in tmp_path.iterdir()} == {"template.docx", "logo.jpg", "signature.png"}
    with pytest.raises(ConfigError, match="never overwrites"):
        install_template("classic", tmp_path)


def test_every_bundled_template_renders_each_name_on_its_pages(tmp_path, converter):
    docs: dict[Path, tuple[str, str]] = {}
    for template in sorted(PAGES):
        folder = tmp_path / template
        pictures = install_template(template, folder)
        pictures["signature"] = "{Signature File}"  # per row, from a column
        event = Event(folder=folder, template=TemplateConfig(pictures=pictures))
        prepared = prepare_template(folder / "template.docx", folder / ".certkit")
        for i, name in enumerate(NAMES):
            row = Row(i + 2, {"Full Name": name, "Course": "Data Analysis with Python",
                              "Date": "12 June 2026", "Organization": "Data Skills Bootcamp",
                              "Score": "92", "Signature File": "signature.png"})
            cid = f"CK-TEST-000{i}"
            cert = Certificate(row, cid, row_fields(event, row, prepared.placeholders, cid))
            target = render_docx(prepared, cert, event, tmp_path / f"{template}-{i}.docx")
            docs[target] = (template, name)
    pdfs = converter.convert(list(docs), tmp_path / "pdf")
    assert len(pdfs) == len(docs)
    for doc, (template, name) in docs.items():
        reader = PdfReader(str(pdfs[doc]))
        text = "".join(page.extract_text() for page in reader.pages)
        assert len(reader.pages) == PAGES[template], (template, name)
        assert squash(name) in squash(text), (template, name)
        assert "{{" not in text and "{%" not in text and "<<" not in text
