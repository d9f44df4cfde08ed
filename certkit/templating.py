"""Word templates as organizers write them, made ready for docxtpl once, before rendering."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import TemplateError


@dataclass
class PreparedTemplate:
    """A template ready for docxtpl: its Jinja-ready copy, placeholders and named pictures."""

    source: Path  # the organizer's file
    path: Path  # the Jinja-ready .docx that docxtpl renders
    placeholders: list[str]  # placeholder names as the organizer wrote them
    pictures: list[str] = field(default_factory=list)  # named sample pictures (alt text)


def prepare_template(source: Path, work_dir: Path) -> PreparedTemplate:
    """Check and translate `source` into a Jinja-ready copy under `work_dir`; raise TemplateError."""
    from docxtpl import DocxTemplate

    if not source.exists():
        raise TemplateError(
            f"The template {source} does not exist. Put a .docx there or fix [template] path."
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / "template.prepared.docx"
    shutil.copyfile(source, target)
    try:
        names = sorted(DocxTemplate(str(target)).get_undeclared_template_variables())
    except Exception as exc:  # docxtpl raises jinja2 errors and zip errors
        raise TemplateError(f"The template {source.name} cannot be read: {exc}") from exc
    return PreparedTemplate(source=source, path=target, placeholders=names)


def template_context(prepared: PreparedTemplate, values: dict[str, Any]) -> dict[str, Any]:
    """The docxtpl context for `values` keyed by placeholder name as the organizer wrote it."""
    return dict(values)
