"""Word templates as organizers write them, made ready for docxtpl once, before rendering.

An organizer writes `{{Full Name}}` or `<<Full Name>>` after a column of the sheet, and names
sample pictures (alt text `logo`, `signature`, `qr_code`). `prepare_template` translates the
template into a Jinja-ready copy (placeholders joined across Word's runs, names made into Jinja
identifiers) once per template content; `template_context` and `apply_pictures` fill it per row.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import normalize
from ..errors import TemplateError
from . import _pictures
from ._placeholders import (
    Finding,
    Names,
    Scan,
    identifiers_in_order,
    is_plain_identifier,
    jinja_problems,
    printed_identifiers,
    translate_part,
)

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

    from ..config import Event


TRANSLATOR_VERSION = "2"  # bump when the translation changes, so cached copies are remade
TEXT_PARTS = re.compile(r"^word/(document\d*|header\d+|footer\d+|footnotes)\.xml$")
picture_sources = _pictures.picture_sources


LO_CORE_PROPS = b"officedocument/2006/relationships/metadata/core-properties"
STD_CORE_PROPS = b"package/2006/relationships/metadata/core-properties"


@dataclass
class PreparedTemplate:
    """A template ready for docxtpl: its Jinja-ready copy, placeholders and named pictures."""

    source: Path  # the organizer's file
    path: Path  # the Jinja-ready .docx that docxtpl renders
    placeholders: list[str]  # placeholder names as the organizer wrote them
    pictures: list[str] = field(default_factory=list)  # named sample pictures (alt text)
    names: dict[str, str] = field(default_factory=dict)  # placeholder -> Jinja identifier
    conditional: list[str] = field(default_factory=list)  # only tested ({% if x %}), never printed


@dataclass
class TemplateCheck:
    """What `certkit template check` reports about one template."""

    path: Path
    placeholders: list[str]
    pictures: list[str]
    unnamed_pictures: int
    repaired: list[str]  # what certkit fixes by itself (split placeholders)
    problems: list[str]  # what the organizer must fix, each naming the paragraph

    @property
    def ok(self) -> bool:
        """True when the template can be used as it is."""
        return not self.problems

    def to_text(self) -> str:
        """The check as lines an organizer reads."""
        lines = [f"Template {self.path.name}",
                 f"Placeholders ({len(self.placeholders)}): {', '.join(self.placeholders) or '-'}",
                 f"Named pictures ({len(self.pictures)}): {', '.join(self.pictures) or '-'}"]
        if self.unnamed_pictures:
            lines.append(f"  {self.unnamed_pictures} picture(s) without a name stay as they are "
                         "(to swap one, give it alt text such as logo or signature).")
        if self.repaired:
            lines.append(f"Repaired by certkit when rendering ({len(self.repaired)}):")
            lines += [f"  - {r}" for r in self.repaired]
        if self.problems:
            lines.append(f"To fix in Word ({len(self.problems)}):")
            lines += [f"  - {p}" for p in self.problems]
        lines.append("Ready to use." if self.ok else "Fix the problems above, save, check again.")
        return "\n".join(lines)


@dataclass
class _Translation:
    """A template translated in memory: the new .docx bytes and what was found."""

    data: bytes
    scan: Scan
    names: Names
    pictures: list[str]
    unnamed_pictures: int
    printed: set[str] = field(default_factory=set)  # Jinja identifiers printed with {{ }}


def _read_docx(source: Path) -> bytes:
    """The template's bytes, or a TemplateError that says how to get a .docx."""
    if not source.is_file():
        raise TemplateError(
            f"The template {source} does not exist. Put a .docx there or fix [template] path "
            "in event.toml."
        )
    data = source.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError(
            f"{source.name} is not a Word .docx file. Open it in Word, LibreOffice or Google "
            "Docs and save or download it as .docx."
        )
    return data


def _translate(data: bytes, name: str, keep_notation: bool = False) -> _Translation:
    """Translate every text part of a .docx; problems are collected, not raised."""
    from docxtpl import DocxTemplate
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    scan, names = Scan(), Names()
    pictures: list[str] = []
    unnamed = 0
    out = io.BytesIO()
    used: set[str] = set()
    printed: set[str] = set()
    order: list[tuple] = []  # (part rank, identifiers in order of use): body, headers, footers
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin, \
                zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                buf = zin.read(item.filename)
                if TEXT_PARTS.match(item.filename):
                    root = etree.fromstring(buf, parser)
                    translate_part(root, names, scan, keep_notation=keep_notation)
                    for label, _container in _pictures.pictures_in(root):
                        if label is None:
                            unnamed += 1
                        elif label not in pictures:
                            pictures.append(label)
                    buf = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                         standalone=True)
                    if not keep_notation and not scan.problems:  # else Jinja would only echo
                        found, variables = jinja_problems(
                            buf.decode("utf-8"), lambda x: DocxTemplate.patch_xml(None, x))
                        for finding in found:
                            scan.add(scan.problems, finding)
                        used |= variables
                        order.append((_part_rank(item), identifiers_in_order(buf.decode())))
                        printed |= printed_identifiers(buf.decode())
                elif item.filename == "_rels/.rels":  # LibreOffice's core-properties type,
                    buf = buf.replace(LO_CORE_PROPS, STD_CORE_PROPS)  # else python-docx adds a 2nd
                zout.writestr(item, buf)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise TemplateError(
            f"{name} is damaged and cannot be read ({exc}). Open it in Word or LibreOffice and "
            "save it again as .docx."
        ) from exc
    reverse = {ident: organizer for organizer, ident in names.ident.items()}
    for variable in sorted(used):
        scan.add_placeholder(reverse.get(variable, variable))
    first_use: dict[str, int] = {}
    for i, ident in enumerate(x for _rank, idents in sorted(order) for x in idents):
        first_use.setdefault(reverse.get(ident, ident), i)
    scan.placeholders.sort(key=lambda n: first_use.get(n, len(first_use)))
    return _Translation(out.getvalue(), scan, names, pictures, unnamed, printed)


def _part_rank(item: zipfile.ZipInfo) -> tuple[int, str]:
    """Body first, then headers, footers and footnotes: the order placeholders are listed in."""
    m = TEXT_PARTS.match(item.filename)
    kind = m.group(1).rstrip("0123456789") if m else ""
    return ({"document": 1, "header": 2, "footer": 3, "footnotes": 4}.get(kind, 0), item.filename)


def _problem_message(name: str, problems: list[Finding]) -> str:
    """One message for the organizer naming each placeholder and its paragraph."""
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return (
        f"The template {name} has a placeholder certkit cannot read: {shown}{more}. Fix it in "
        "Word (retype the placeholder in one go), save, and try again; "
        f"`certkit template check {name}` lists every problem."
    )


def scratch_dir() -> Path:
    """A per-user folder outside every event for prepared templates of read-only calls (check,
    plan): content-addressed, so what a check prepared is reused, and the event folder untouched."""
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    path = Path(tempfile.gettempdir()) / f"certkit-{uid}" / "templates"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def prepare_template(source: Path, work_dir: Path) -> PreparedTemplate:
    """Check and translate `source` into a Jinja-ready copy under `work_dir`, once per content.

    Raises TemplateError naming the placeholder and the paragraph when the template is broken.
    """
    source = Path(source)
    data = _read_docx(source)
    digest = hashlib.sha256(TRANSLATOR_VERSION.encode() + data).hexdigest()[:16]
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / f"template-{digest}.docx"
    meta = work_dir / f"template-{digest}.json"
    if target.exists() and meta.exists():
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            return PreparedTemplate(source, target, info["placeholders"], info["pictures"],
                                    info["names"], info["conditional"])
        except (ValueError, KeyError):
            pass  # a damaged cache entry is simply made again
    result = _translate(data, source.name)
    if result.scan.problems:
        raise TemplateError(_problem_message(source.name, result.scan.problems))
    conditional = [p for p in result.scan.placeholders
                   if result.names.ident.get(p, p) not in result.printed]
    info = {"placeholders": result.scan.placeholders, "pictures": result.pictures,
            "names": result.names.ident, "conditional": conditional}
    for path, payload in ((target, result.data), (meta, json.dumps(info).encode("utf-8"))):
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    return PreparedTemplate(source, target, info["placeholders"], info["pictures"],
                            info["names"], info["conditional"])


def template_context(prepared: PreparedTemplate, values: dict[str, Any]) -> dict[str, Any]:
    """The docxtpl context for `values` keyed by placeholder name as the organizer wrote it.

    A value keyed by another spelling of the name (case, spaces) is found too; values whose key
    is a plain identifier (qr_code, extra Jinja variables) pass through as they are.
    """
    folded = {normalize(k): v for k, v in values.items()}
    context = {k: v for k, v in values.items() if is_plain_identifier(k)}
    for name, ident in prepared.names.items():
        if name in values:
            context[ident] = values[name]
        elif normalize(name) in folded:
            context[ident] = folded[normalize(name)]
    return context


def apply_pictures(tpl: DocxTemplate, prepared: PreparedTemplate,
                   pictures: dict[str, bytes | Path]) -> None:
    """Swap the named sample pictures of `tpl` (before render) for the given images.

    Each image is fitted inside its sample's box. Raises TemplateError for a picture name the
    template does not have or an image that is not PNG/JPEG/GIF/BMP.
    """
    if not pictures:
        return
    tpl.init_docx()
    _pictures.replace_pictures(tpl.docx, pictures, prepared.pictures)


def check_template(path: Path, repaired_copy: Path | None = None) -> TemplateCheck:
    """List a template's placeholders and pictures, what certkit repairs and what it cannot.

    With `repaired_copy`, also write the template there with split placeholders joined (the
    organizer's notation is kept). Raises TemplateError only when the file is not a .docx.
    """
    path = Path(path)
    data = _read_docx(path)
    result = _translate(data, path.name)
    if repaired_copy is not None:
        joined = _translate(data, path.name, keep_notation=True)
        Path(repaired_copy).write_bytes(joined.data)
    return TemplateCheck(
        path=path,
        placeholders=result.scan.placeholders,
        pictures=result.pictures,
        unnamed_pictures=result.unnamed_pictures,
        repaired=[str(f) for f in result.scan.repaired],
        problems=[str(f) for f in result.scan.problems],
    )


GOOGLE_DOC_PREFIXES = ("https://docs.google.com/", "https://drive.google.com/")


def template_file(event: Event, client: Any = None) -> tuple[Path, str]:
    """The event's template as a local .docx, and a note for the organizer ('' when none).

    [template] path is a file in the event folder, or a Google Doc address: then the Doc is
    exported as .docx through Drive (with the event's Google sign-in, or `client`) and cached
    in the event folder, and the note says whether it changed since the last run.
    """
    spec = event.template.path.strip()
    if not spec.startswith(GOOGLE_DOC_PREFIXES):
        return event.path(spec), ""
    from ..sheets import authorize
    from ._gdocs import export_google_doc

    target = event.folder / ".certkit" / "template-from-google-docs.docx"
    first = not target.exists()
    changed = export_google_doc(spec, target, client or authorize(event.roster, folder=event.folder))
    if first:
        return target, "The template was downloaded from Google Docs."
    return target, ("The Google Doc template changed since the last run; the new version is used."
                    if changed else "")
