"""Many certificates in one multi-page .docx: the template's body repeated in one docxtpl pass.

LibreOffice then starts once per chunk instead of once per certificate. Every copy of the body
opens with a marker paragraph (1 pt high) holding a page break and a bookmark `ckcertN`; LibreOffice
exports the bookmark as a named destination, so the PDF split can check where each certificate
starts (see pdfsplit.py). Templates whose layout depends on the page (page numbers, several
sections, a different first-page header, numbered lists that would run on) are not chunked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..config import Event
from ..errors import TemplateError
from ._fields import QR_NAME, Certificate, certificate_values
from ._templates import PreparedTemplate, template_context

MARK = "ckcert"  # bookmark name prefix; letters and digits only, so LibreOffice keeps it as is
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
R_EMBED = f"{{{NS['r']}}}embed"
CONTAINERS = (f"{{{NS['wp']}}}inline", f"{{{NS['wp']}}}anchor")
FIELD = re.compile(r"<w:fldSimple\b[^>]*w:instr=\"([^\"]*)\"|<w:instrText\b[^>]*>([^<]*)<")
MARKER_XML = (
    f'<w:p xmlns:w="{W}"><w:pPr><w:pageBreakBefore w:val="CKBREAK"/>'
    '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    '<w:ind w:left="0" w:right="0" w:firstLine="0"/>'
    '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr>'
    '<w:bookmarkStart w:id="CKID" w:name="CKNAME"/><w:bookmarkEnd w:id="CKID"/></w:p>'
)


@dataclass(frozen=True)
class ChunkLayout:
    """What the template allows: `blocker` says why it cannot be chunked ("" when it can);
    `header_names` are the variables its headers and footers show (shared by a whole chunk)."""

    blocker: str = ""
    header_names: frozenset[str] = field(default_factory=frozenset)


def inspect_template(prepared: PreparedTemplate) -> ChunkLayout:
    """Decide once per template whether certificates may share a document, and on what terms."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment, meta

    tpl = DocxTemplate(str(prepared.path))
    tpl.init_docx()
    body = tpl.docx.element.body
    body_xml = tpl.xml_to_string(body)
    stories = [body_xml]
    names: set[str] = set()
    env = Environment(autoescape=True)  # only parses
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _key, part in tpl.get_headers_footers(uri):
            xml = tpl.get_part_xml(part)
            stories.append(xml)
            try:
                names |= meta.find_undeclared_variables(env.parse(tpl.patch_xml(xml)))
            except Exception as exc:  # a broken header is reported by the per-certificate path
                return ChunkLayout(f"its header or footer cannot be read ({exc})")
    sect = body.find("w:sectPr", NS)
    settings = tpl.docx.settings.element
    checks = [
        (any(m.group(1) or m.group(2) for m in FIELD.finditer("".join(stories))
             if "HYPERLINK" not in (m.group(1) or m.group(2)).upper()),
         "it has fields (page numbers, dates) that would count across certificates"),
        (body.find(".//w:pPr/w:sectPr", NS) is not None, "it has several sections"),
        (sect is not None and sect.find("w:titlePg", NS) is not None,
         "it has a different first-page header"),
        (settings.find("w:evenAndOddHeaders", NS) is not None, "it has even/odd page headers"),
        (re.search(r"<w:(footnote|endnote)Reference\b", body_xml) is not None,
         "it has footnotes, which would be numbered across certificates"),
        (_numbered(tpl, body_xml), "it has numbered lists, which would run on across certificates"),
    ]
    for failed, reason in checks:
        if failed:
            return ChunkLayout(reason)
    return ChunkLayout("", frozenset(names))


def _numbered(tpl: Any, body_xml: str) -> bool:
    """True when a body paragraph is in a list, directly or through its style."""
    if "<w:numPr" in body_xml:
        return True
    used = set(re.findall(r'<w:pStyle w:val="([^"]+)"', body_xml))
    for style in tpl.docx.styles.element.findall("w:style", NS):
        if style.get(f"{{{W}}}styleId") in used and style.find(".//w:numPr", NS) is not None:
            return True
    return False


def same_chunk_key(layout: ChunkLayout, prepared: PreparedTemplate, cert: Certificate) -> tuple:
    """Certificates with equal keys may share a chunk: their headers and footers read the same."""
    if not layout.header_names:
        return ()
    context = template_context(prepared, dict(cert.fields))
    key = []
    for name in sorted(layout.header_names):
        if name == QR_NAME:
            key.append(cert.certificate_id)
        else:
            key.append(str(context.get(name, "")))
    return tuple(key)


def render_chunk(
    prepared: PreparedTemplate, certs: Sequence[Certificate], event: Event, target: Path
) -> None:
    """Render `certs` into one .docx at `target`, one copy of the body each, in one pass.

    Raises TemplateError when the chunk cannot be rendered as one document (a value breaks the
    template, or pictures in headers differ): render those certificates one by one instead.
    """
    from lxml import etree

    tpl = _chunk_template_class()(str(prepared.path))
    tpl.init_docx()
    body = tpl.docx.element.body
    body_pics = _pictures(body)
    header_pics = [c for part in _header_parts(tpl) for c in _pictures(part.element)]
    items, body_rids, header_rids = [], [], []
    for i, cert in enumerate(certs):
        values = certificate_values(tpl, prepared, cert, event)
        items.append({"i": i, "v": values})
        body_rids.append([_picture_state(c) for c in body_pics])
        header_rids.append([_picture_state(c) for c in header_pics])
    if getattr(tpl, "pics_to_replace", None):
        raise TemplateError("pictures replaced at save time cannot differ within one document")
    if any(state != header_rids[0] for state in header_rids):
        raise TemplateError("the header or footer shows a picture that differs per certificate")
    for j, container in enumerate(body_pics):
        states = [rids[j] for rids in body_rids]
        if any(s[1] != states[0][1] for s in states):
            raise TemplateError("a picture is cropped differently per certificate")
        if any(s[0] != states[0][0] for s in states):
            container.find(".//a:blip", NS).set(R_EMBED, f"CKPIC{j}")
            for item, state in zip(items, states):
                item.setdefault("pics", {})[j] = state[0]
    body.insert(0, etree.fromstring(MARKER_XML))
    context = {**items[0]["v"], "certkit_chunk": items}
    try:
        tpl.render(context, autoescape=True)
        tpl.save(str(target))
    except Exception as exc:  # jinja2 and lxml errors from one certificate's values
        raise TemplateError(f"the chunk could not be rendered ({exc})") from exc


@cache
def _chunk_template_class() -> type:
    """A DocxTemplate whose body is wrapped in a loop over `certkit_chunk`."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment, meta

    class ChunkTemplate(DocxTemplate):
        """Renders the body once per item of `certkit_chunk`, each item's values in scope."""

        def build_xml(self, context: dict[str, Any], jinja_env: Any = None) -> str:
            xml = self.patch_xml(self.get_xml())
            env = jinja_env or Environment(autoescape=True)
            names = meta.find_undeclared_variables(env.parse(xml))
            keys = set().union(*(item["v"] for item in context["certkit_chunk"]))
            xml = _wrap_body(xml, sorted(n for n in names & keys if n.isidentifier()))
            return self.render_xml_part(xml, self.docx._part, context, jinja_env)

    return ChunkTemplate


def _wrap_body(xml: str, names: list[str]) -> str:
    """The patched body XML with the loop, the marker's page break, bookmark and pictures."""
    xml = xml.replace(
        '<w:pageBreakBefore w:val="CKBREAK"/>',
        "{% if certkit_item.i %}<w:pageBreakBefore/>{% endif %}",
    )
    xml = xml.replace('"CKID"', '"{{ 880000 + certkit_item.i }}"')
    xml = xml.replace('"CKNAME"', f'"{MARK}{{{{ certkit_item.i }}}}"')
    xml = re.sub(r'"CKPIC(\d+)"', r'"{{ certkit_item.pics[\1] }}"', xml)
    start = xml.index(">", xml.index("<w:body")) + 1
    end = xml.rfind("<w:sectPr")
    if end < start:
        end = xml.rindex("</w:body>")
    scope = ", ".join(f'{n}=certkit_item.v["{n}"]' for n in names)
    head = "{% for certkit_item in certkit_chunk %}" + (f"{{% with {scope} %}}" if scope else "")
    tail = ("{% endwith %}" if scope else "") + "{% endfor %}"
    return xml[:start] + head + xml[start:end] + tail + xml[end:]


def _pictures(root: Any) -> list[Any]:
    """The picture frames (inline or floating) holding an embedded image, in document order."""
    return [c for c in root.iter(*CONTAINERS) if c.find(".//a:blip", NS) is not None]


def _picture_state(container: Any) -> tuple[str, bytes]:
    """(image relationship, cropping) of a picture frame."""
    from lxml import etree

    blip = container.find(".//a:blip", NS)
    rect = container.find(".//a:srcRect", NS)
    return blip.get(R_EMBED, ""), etree.tostring(rect) if rect is not None else b""


def _header_parts(tpl: Any) -> list[Any]:
    """The header and footer parts of the document."""
    return [part for uri in (tpl.HEADER_URI, tpl.FOOTER_URI) for _k, part in tpl.get_headers_footers(uri)]
