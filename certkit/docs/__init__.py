"""Templates and placeholders, field values, pictures and QR codes, rendering, PDF conversion, preview."""

from ._bundled import bundled_template, bundled_templates, install_template
from ._chunks import MARK, W, inspect_template, render_chunk
from ._dates import NUMERIC, SERIAL, WORDS, date_style, default_order, format_date, numeric_order, parse_date
from ._fields import Certificate, qr_png, render_docx, row_fields, verify_url
from ._fonts import PACKAGES, SCRIPT_WORDS, available, font_file, glyph_gaps, placeholder_fonts, slot_of
from ._gdocs import DOCX_MIME, document_id, export_google_doc
from ._mapping import BUILTIN_PLACEHOLDERS, MappingResult, auto_map, builtin_names, key, save_mapping
from ._pdf import LibreOfficeConverter, PdfConverter, get_converter
from ._pictures import picture_problems, picture_sources
from ._preview import PREVIEW_ID, WORK_DIR, Preview, check_pages, check_rendered, preview
from ._split import certificate_pages
from ._stage import CHUNK, _chunk_size, render_certificates
from ._templates import (
    PreparedTemplate,
    apply_pictures,
    check_template,
    prepare_template,
    template_context,
    template_file,
)

__all__ = [
    "BUILTIN_PLACEHOLDERS",
    "CHUNK",
    "DOCX_MIME",
    "MARK",
    "NUMERIC",
    "PACKAGES",
    "PREVIEW_ID",
    "SCRIPT_WORDS",
    "SERIAL",
    "WORDS",
    "WORK_DIR",
    "Certificate",
    "LibreOfficeConverter",
    "MappingResult",
    "PdfConverter",
    "PreparedTemplate",
    "Preview",
    "W",
    "_chunk_size",
    "apply_pictures",
    "auto_map",
    "available",
    "builtin_names",
    "bundled_template",
    "bundled_templates",
    "certificate_pages",
    "check_pages",
    "check_rendered",
    "check_template",
    "date_style",
    "default_order",
    "document_id",
    "export_google_doc",
    "font_file",
    "format_date",
    "get_converter",
    "glyph_gaps",
    "inspect_template",
    "install_template",
    "key",
    "numeric_order",
    "parse_date",
    "picture_problems",
    "picture_sources",
    "placeholder_fonts",
    "prepare_template",
    "preview",
    "qr_png",
    "render_certificates",
    "render_chunk",
    "render_docx",
    "row_fields",
    "save_mapping",
    "slot_of",
    "template_context",
    "template_file",
    "verify_url",
]
