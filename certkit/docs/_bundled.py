"""The certificate templates shipped with certkit (templates_docx/), found in a checkout or wheel."""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

PACKAGE = Path(__file__).resolve().parent.parent  # certkit/
CANDIDATES = (PACKAGE / "templates_docx", PACKAGE.parent / "templates_docx")  # wheel, checkout
DESCRIPTION = re.compile(rb"<dc:description>(.*?)</dc:description>", re.S)


@dataclass
class BundledTemplate:
    """One shipped template: its name, .docx, preview image and a one-line description."""

    name: str
    path: Path
    preview_png: Path | None
    description: str


def templates_dir() -> Path | None:
    """The templates_docx folder: inside the installed package, else at the source root."""
    for folder in CANDIDATES:
        if folder.is_dir() and any(folder.glob("*.docx")):
            return folder
    return None


def _description(path: Path) -> str:
    """The template's description, kept in its document properties (docProps/core.xml)."""
    from xml.sax.saxutils import unescape

    try:
        with zipfile.ZipFile(path) as z:
            m = DESCRIPTION.search(z.read("docProps/core.xml"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return ""
    return unescape(m.group(1).decode("utf-8")).strip() if m else ""


def bundled_templates() -> list[BundledTemplate]:
    """Every shipped template, by name, with its preview PNG (None when it is missing)."""
    folder = templates_dir()
    if folder is None:
        return []
    found = []
    for path in sorted(folder.glob("*.docx")):
        preview = folder / "previews" / f"{path.stem}.png"
        found.append(BundledTemplate(path.stem, path, preview if preview.is_file() else None,
                                     _description(path)))
    return found


def bundled_template(name: str) -> BundledTemplate:
    """The shipped template called `name`; ConfigError lists the names when there is none."""
    templates = bundled_templates()
    for template in templates:
        if template.name == name.strip().lower():
            return template
    names = ", ".join(t.name for t in templates) or "none (templates_docx is missing)"
    raise ConfigError(f"There is no bundled template '{name}'. Available: {names}.")


def _picture_names(path: Path) -> set[str]:
    """The named pictures of a template (body, headers, footers)."""
    from lxml import etree

    from ._pictures import pictures_in

    names: set[str] = set()
    with zipfile.ZipFile(path) as z:
        for item in z.namelist():
            if re.match(r"^word/(document|header\d+|footer\d+)\.xml$", item):
                root = etree.fromstring(z.read(item), etree.XMLParser(resolve_entities=False))
                names |= {label for label, _ in pictures_in(root) if label}
    return names


def install_template(name: str, folder: Path, filename: str = "template.docx") -> dict[str, str]:
    """Copy a bundled template and its sample pictures into an event folder; never overwrite.

    Returns the [template] pictures table for event.toml (picture name -> file), for the
    sample pictures shipped with it (logo, signature). Raises ConfigError when `filename`
    already exists in `folder` or the name is unknown.
    """
    template = bundled_template(name)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    if target.exists():
        raise ConfigError(f"{target} already exists; certkit never overwrites it. Remove it "
                          "or choose another folder.")
    shutil.copyfile(template.path, target)
    pictures: dict[str, str] = {}
    assets = template.path.parent / "assets"
    wanted = _picture_names(template.path)
    for asset in sorted(assets.glob("*")) if assets.is_dir() else []:
        if asset.stem in wanted and asset.stem != "qr_code":
            if not (folder / asset.name).exists():
                shutil.copyfile(asset, folder / asset.name)
            pictures[asset.stem] = asset.name
    return pictures
