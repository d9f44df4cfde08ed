"""Templates as organizers write them: notations, split runs, headers, text boxes, tables and
named pictures, through templates saved by real LibreOffice and rendered to PDF by it."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.shared import Mm
from docxtpl import DocxTemplate
from PIL import Image
from pypdf import PdfReader

from certkit.config import Event, TemplateConfig
from certkit.docs import (
    apply_pictures,
    auto_map,
    check_template,
    picture_problems,
    picture_sources,
    prepare_template,
    qr_png,
    template_context,
)
from certkit.errors import TemplateError
from certkit.sheets import Row

HOSTILE = 'Tom & Jerry <b>]]> "quoted" \'single\''
RED, BLUE = (220, 30, 30), (30, 60, 220)  # multiples of 10: see dominant()
TEXT_BOX = """
<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0"
 locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="page"><wp:posOffset>3600000</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="page"><wp:posOffset>7200000</wp:posOffset></wp:positionV>
<wp:extent cx="2880000" cy="720000"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>
<wp:docPr id="90" name="Text Box 1"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>
<a:ext cx="2880000" cy="720000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>
</wps:spPr><wps:txbx><w:txbxContent><w:p><w:r><w:t xml:space="preserve">Completed on {{Da</w:t></w:r>
<w:r><w:rPr><w:b/></w:rPr><w:t>te}}</w:t></w:r></w:p></w:txbxContent></wps:txbx>
<wps:bodyPr wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720"/></wps:wsp>
</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice></mc:AlternateContent></w:r>
"""


def png(color: tuple[int, int, int], size=(60, 60), fmt="PNG") -> bytes:
    """A small solid image."""
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def soffice(files: list[Path], fmt: str, outdir: Path, profile: Path) -> None:
    """One real LibreOffice start converting all `files` to `fmt`."""
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         fmt, "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=180)


def organizer_template(path: Path) -> None:
    """A template as an organizer makes it: both notations, split runs, header, text box,
    table, Jinja blocks and two named sample pictures sharing one image."""
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "Issued by {{Organization}}"
    p = doc.add_paragraph()
    p.add_run("Awarded to {{Fu")
    p.add_run("ll Na").bold = True
    p.add_run("me}} for ")
    p.add_run("<<Cou").italic = True
    p.add_run("rse>>")
    doc.add_paragraph("Autocrat style: <<Full Name>>, score <<Score (%)>>.")
    p = doc.add_paragraph()
    p._p.append(parse_xml(TEXT_BOX))
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "ID {{ certificate_id }}"
    table.cell(0, 1).text = "{% if honors %}with honors{% endif %}"
    sample = png(RED)
    qr = doc.add_paragraph().add_run().add_picture(io.BytesIO(sample), width=Mm(30))
    qr._inline.docPr.set("descr", "qr_code")  # Word writes alt text on wp:docPr only
    logo = doc.add_paragraph().add_run().add_picture(io.BytesIO(sample), width=Mm(40))
    logo._inline.docPr.set("title", "Logo")
    logo._inline.docPr.set("descr", "A red square, description automatically generated")
    doc.save(path)


def broken_template(path: Path) -> None:
    """A template with mistakes an organizer makes."""
    doc = Document()
    doc.add_paragraph("Dear {{Full Name} welcome to the course")
    doc.add_paragraph("{% if honors %}With honors")
    doc.add_paragraph("Course: <<Course> done")
    doc.save(path)


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory) -> dict[str, Path]:
    """The fixtures made with python-docx, then saved again by real LibreOffice (its XML)."""
    src = tmp_path_factory.mktemp("src")
    out = tmp_path_factory.mktemp("lo")
    organizer_template(src / "organizer.docx")
    broken_template(src / "broken.docx")
    # The filter is named: which one a bare "docx" picks depends on the LibreOffice components
    # installed (with Calc present it is "MS Word 2007 XML", which drops a picture's title).
    soffice([src / "organizer.docx", src / "broken.docx"], "docx:Office Open XML Text", out,
            tmp_path_factory.mktemp("profile"))
    return {"organizer": out / "organizer.docx", "broken": out / "broken.docx"}


def document_xml(path: Path) -> str:
    """word/document.xml of a .docx."""
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def images_of(pdf: Path) -> list[Image.Image]:
    """Every image drawn in a PDF, as RGB."""
    found = []
    for page in PdfReader(str(pdf)).pages:
        found += [img.image.convert("RGB") for img in page.images]
    return found


def dominant(img: Image.Image) -> tuple[int, int, int]:
    """The colour of an image's centre pixel, rounded (JPEG shifts colours a little)."""
    return tuple(round(c / 10) * 10 for c in img.getpixel((img.width // 2, img.height // 2)))


def test_libreoffice_templates_render_with_values_and_pictures(
        saved_by_libreoffice, tmp_path, converter):
    template = saved_by_libreoffice["organizer"]
    assert "{{Full Name}}" not in document_xml(template)  # LibreOffice kept Word's split runs
    prepared = prepare_template(template, tmp_path / "work")
    assert prepared.placeholders[:2] == ["Full Name", "Course"]
    assert {"Organization", "Date", "Score (%)", "certificate_id", "honors"} <= set(
        prepared.placeholders)
    assert set(prepared.pictures) == {"qr_code", "logo"}
    qr = qr_png("https://example.org/verify/CK-TEST-0001")
    rendered = []
    for i, (name, honors) in enumerate([(HOSTILE, True), ("王小明", False)]):
        tpl = DocxTemplate(str(prepared.path))
        apply_pictures(tpl, prepared, {"qr_code": qr, "LOGO": png(BLUE, (200, 100), "JPEG")})
        values = {"Full Name": name, "course": "Data & Analysis", "Organization": "Org <One>",
                  "Date": "12 June 2026", "Score (%)": "95", "certificate_id": f"CK-{i}",
                  "honors": honors}
        tpl.render(template_context(prepared, values), autoescape=True)
        tpl.save(str(tmp_path / f"cert{i}.docx"))
        rendered.append(tmp_path / f"cert{i}.docx")
    pdfs = converter.convert([*rendered, template], tmp_path / "pdf")
    assert len(pdfs) == 3
    first = "\n".join(p.extract_text() for p in PdfReader(str(pdfs[rendered[0]])).pages)
    second = "\n".join(p.extract_text() for p in PdfReader(str(pdfs[rendered[1]])).pages)
    assert f"Awarded to {HOSTILE} for Data & Analysis" in first
    assert f"Autocrat style: {HOSTILE}, score 95." in first
    assert "Issued by Org <One>" in first  # header
    assert "Completed on 12 June 2026" in first  # text box
    assert "ID CK-0" in first and "with honors" in first  # table, Jinja block
    assert "王小明" in second and "with honors" not in second
    assert "{{" not in first + second and "<<" not in first + second
    before, after = images_of(pdfs[template]), images_of(pdfs[rendered[0]])
    assert {dominant(i) for i in before} == {RED}  # one sample image, shared by both
    colours = sorted(dominant(i) for i in after)
    assert BLUE in colours and RED not in colours  # the logo was swapped, the sample is gone
    qr_image = Image.open(io.BytesIO(qr)).convert("RGB")
    assert any(i.size == qr_image.size and i.tobytes() == qr_image.tobytes() for i in after)


def test_a_picture_keeps_its_box_and_aspect(saved_by_libreoffice, tmp_path):
    prepared = prepare_template(saved_by_libreoffice["organizer"], tmp_path)
    tpl = DocxTemplate(str(prepared.path))
    apply_pictures(tpl, prepared, {"logo": png(BLUE, (200, 100))})
    tpl.render({}, autoescape=True)
    tpl.save(str(tmp_path / "out.docx"))
    xml = document_xml(tmp_path / "out.docx")
    assert xml.count('cx="1440180" cy="1440180"') == 2  # the 40 mm box is unchanged
    assert 't="-50000" b="-50000"' in xml  # a 2:1 image is padded top and bottom, centred


def test_broken_template_names_the_placeholder_and_the_paragraph(saved_by_libreoffice,
                                                                 tmp_path):
    with pytest.raises(TemplateError) as err:
        prepare_template(saved_by_libreoffice["broken"], tmp_path)
    message = str(err.value)
    assert "'{{Full Name} welcome to the course'" in message
    assert '"Dear {{Full Name} welcome to the course"' in message
    check = check_template(saved_by_libreoffice["broken"])
    assert not check.ok and len(check.problems) == 3
    assert any("{% if honors %}" in p and "endif" in p and "With honors" in p
               for p in check.problems)
    assert any("<<Course>" in p and "'>>'" in p for p in check.problems)


def test_jinja_mistakes_name_the_tag_and_the_paragraph(tmp_path):
    path = simple_template(tmp_path / "t.docx", "Intro", "Name: {{ name | }} here",
                           "Result: {% if score = 1 %}top{% endif %} done")
    problems = check_template(path).problems
    assert problems == [
        "'{{ name | }}': this Jinja expression is not valid (expected token 'name', got 'end of "
        "print statement') (in the paragraph \"Name: {{ name | }} here\")"]
    path = simple_template(tmp_path / "t.docx", "Intro",
                           "Result: {% if score = 1 %}top{% endif %} done")
    with pytest.raises(TemplateError, match=r"one of '\{% if score = 1 %\}', '\{% endif %\}' "
                                            r"is not valid Jinja .*in the paragraph \"Result: "):
        prepare_template(path, tmp_path)


def test_check_lists_and_repairs_split_placeholders(saved_by_libreoffice, tmp_path):
    check = check_template(saved_by_libreoffice["organizer"], repaired_copy=tmp_path / "fixed.docx")
    assert check.ok and check.pictures == ["qr_code", "logo"] and check.unnamed_pictures == 0
    assert any("'{{Full Name}}' was split" in r for r in check.repaired)
    assert any("'<<Course>>' was split" in r for r in check.repaired)
    xml = document_xml(tmp_path / "fixed.docx")
    assert "{{Full Name}}" in xml and "&lt;&lt;Course&gt;&gt;" in xml  # notation kept
    assert check_template(tmp_path / "fixed.docx").repaired == []


def simple_template(path: Path, *lines: str, header: str = "") -> Path:
    """A one-paragraph-per-line template made with python-docx."""
    doc = Document()
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    for line in lines:
        doc.add_paragraph(line)
    doc.save(path)
    return path


def render_text(prepared, values: dict) -> str:
    """Render a prepared template and return its body text."""
    tpl = DocxTemplate(str(prepared.path))
    tpl.render(template_context(prepared, values), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return "\n".join(p.text for p in Document(io.BytesIO(buf.getvalue())).paragraphs)


def test_notations_and_jinja_side_by_side(tmp_path):
    path = simple_template(
        tmp_path / "t.docx",
        "{{Full Name}} / {{ full name }} / <<FULL NAME>>",
        "{{ name|upper }} {{E-mail}} {{Nombre y Apellidos}} {{Élève n°}}",
        "{% if <<Full Name>>|length > 5 %}long{% else %}short{% endif %}",
        "{{ \u2018Dr. \u2019 if doctor else \u201c\u201d }}{{ loop_free }}",  # Word's quotes
    )
    prepared = prepare_template(path, tmp_path / "work")
    assert prepared.placeholders == ["Full Name", "name", "E-mail", "Nombre y Apellidos",
                                     "Élève n°", "doctor", "loop_free"]
    text = render_text(prepared, {"FULL NAME": "Ana & Bo", "name": "x<y", "e-mail": "a@b",
                                  "Nombre y Apellidos": "Ñu", "Élève n°": "7", "doctor": True,
                                  "loop_free": "!"})
    assert text.splitlines() == ["Ana & Bo / Ana & Bo / Ana & Bo", "X<Y a@b Ñu 7", "long",
                                 "Dr. !"]


def test_prepared_copy_is_made_once_per_content(tmp_path):
    path = simple_template(tmp_path / "t.docx", "Hello {{Full Name}}")
    first = prepare_template(path, tmp_path / "work")
    stamp = first.path.stat().st_mtime_ns
    again = prepare_template(path, tmp_path / "work")
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert again.names == {"Full Name": "ck_full_name"}
    simple_template(path, "Hello {{Full Name}}!")
    assert prepare_template(path, tmp_path / "work").path != first.path


def test_not_a_docx_says_how_to_get_one(tmp_path):
    (tmp_path / "t.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old .doc file")
    with pytest.raises(TemplateError, match=r"save or download it as \.docx"):
        prepare_template(tmp_path / "t.docx", tmp_path)


def test_organizer_spellings_match_columns_forgivingly_and_a_near_miss_is_only_a_guess():
    header = ["Full Name", "Email", "Course", "Completion Date", "Organisation"]
    result = auto_map(["full  name", "COURSE", "e-mail", "Organization", "Certificate ID"], header)
    assert result.confident == {"full  name": "Full Name", "COURSE": "Course", "e-mail": "Email"}
    assert result.guessed == {"Organization": "Organisation"}
    assert any("'Organization'" in n and "guess" in n for n in result.notes)


def test_unknown_picture_name_lists_the_pictures(saved_by_libreoffice, tmp_path):
    prepared = prepare_template(saved_by_libreoffice["organizer"], tmp_path)
    tpl = DocxTemplate(str(prepared.path))
    with pytest.raises(TemplateError, match=r"no picture named 'signature'.*qr_code, logo"):
        apply_pictures(tpl, prepared, {"signature": png(BLUE)})
    with pytest.raises(TemplateError, match="not a PNG, JPEG"):
        apply_pictures(DocxTemplate(str(prepared.path)), prepared, {"logo": b"GIF? no"})


@pytest.fixture
def event(tmp_path) -> Event:
    """An event folder with a logo and two signature files."""
    folder = tmp_path / "event"
    folder.mkdir()
    for name in ("logo.jpg", "sig-ana.png", "sig-bo.png"):
        (folder / name).write_bytes(png(BLUE))
    return Event(folder=folder, template=TemplateConfig(
        pictures={"logo": "logo.jpg", "signature": "{Signature File}"}))


def test_pictures_from_the_event_folder_and_from_a_column(event):
    row = Row(2, {"Full Name": "Ana", "Signature File": " sig-ana.png "})
    found = picture_sources(event, row)
    assert found == {"logo": event.folder / "logo.jpg",
                     "signature": (event.folder / "sig-ana.png").resolve()}


@pytest.mark.parametrize("cell, why", [
    ("/etc/passwd.png", "not a file name inside the event folder"),
    ("C:\\Windows\\x.png", "not a file name inside the event folder"),
    ("../outside.png", "not a file name inside the event folder"),
    ("sub/../../outside.png", "not a file name inside the event folder"),
    ("link.png", "leads outside the event folder"),
    ("certkit.db", "not a picture file name"),
    ("missing.png", "There is no picture 'missing.png'"),
    ("", "is empty"),
])
def test_a_file_name_from_a_cell_never_escapes_the_event_folder(event, tmp_path, cell, why):
    (tmp_path / "outside.png").write_bytes(png(RED))
    (event.folder / "link.png").symlink_to(tmp_path / "outside.png")
    row = Row(7, {"Full Name": "Bo", "Signature File": cell})
    with pytest.raises(TemplateError, match=why) as err:
        picture_sources(event, row)
    assert err.value.row == 7 and err.value.column == "Signature File"


def test_a_picture_column_missing_from_the_roster_is_named(event):
    with pytest.raises(TemplateError, match=r"no such column\. Did you mean 'Signature file'"):
        picture_sources(event, Row(3, {"Signature file": "sig-bo.png"}))


def test_picture_settings_are_checked_before_any_row(event, saved_by_libreoffice, tmp_path):
    prepared = prepare_template(saved_by_libreoffice["organizer"], tmp_path)
    problems = picture_problems(event, prepared.pictures)
    assert len(problems) == 1 and "names 'signature'" in problems[0]
    assert "named pictures: qr_code, logo" in problems[0]
    event.template.pictures = {"QR": "{Code}", "Logo": "gone.jpg"}
    assert picture_problems(event, prepared.pictures) == [
        f"The picture file 'gone.jpg' for 'Logo' is not in {event.folder}."]
