"""`certkit templates`, `certkit template check FILE` and `certkit init --template NAME`."""

from __future__ import annotations

from docx import Document

from certkit.cli import main
from certkit.config import load_event
from certkit.docs import bundled_template


def test_templates_lists_each_with_its_preview(capsys):
    assert main(["templates"]) == 0
    out = capsys.readouterr().out
    for name in ("classic", "modern", "transcript"):
        assert name in out and f"previews/{name}.png" in out


def test_template_check_explains_and_repairs(tmp_path, capsys):
    doc = Document()
    p = doc.add_paragraph()
    p.add_run("Hello {{Full")
    p.add_run(" Name}}").bold = True
    doc.add_paragraph("Course: <<Course> ends here")
    doc.save(tmp_path / "t.docx")
    assert main(["template", "check", str(tmp_path / "t.docx"), "--fix"]) == 1
    out = capsys.readouterr().out
    assert "'{{Full Name}}' was split by Word into 2 pieces; joined" in out
    assert "'<<Course> ends here' opens with '<<' but never closes with '>>'" in out
    assert '(in the paragraph "Course: <<Course> ends here")' in out
    fixed = Document(str(tmp_path / "t-fixed.docx"))
    assert fixed.paragraphs[0].runs[0].text == "Hello {{Full Name}}"
    assert main(["template", "check", str(bundled_template("classic").path)]) == 0
    assert "Ready to use." in capsys.readouterr().out


def test_init_with_a_bundled_template(tmp_path, capsys):
    assert main(["init", str(tmp_path / "ev"), "--template", "modern"]) == 0
    folder = tmp_path / "ev"
    assert (folder / "template.docx").read_bytes() == bundled_template("modern").path.read_bytes()
    event = load_event(folder)
    assert event.template.pictures == {"logo": "logo.jpg", "signature": "signature.png"}
    assert all((folder / f).is_file() for f in event.template.pictures.values())
    assert main(["init", str(tmp_path / "other"), "--template", "fancy"]) == 2
    assert "modern" in capsys.readouterr().err
