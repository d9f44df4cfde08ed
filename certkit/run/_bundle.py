"""Every issued certificate in one ZIP: a PDF per person (named by person), one merged PDF in roster
order for printing, and index.csv saying who is on which page.

    bundle = make_bundle(event)          # out/certificates.zip
    print(bundle.to_text())
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Event
from ..docs import pdf_file_name
from ..errors import ConfigError
from ..ledger import Record, open_ledger
from ..sheets import csv_safe
from ..status import FAILED, REPLACED, REVOKED

LEFT_OUT = {REVOKED: "revoked", REPLACED: "replaced by a newer certificate", FAILED: "failed"}
MERGED = "all-certificates.pdf"
INDEX = "index.csv"
FOLDER = "certificates"


@dataclass
class Bundle:
    """What `make_bundle` wrote: the ZIP, how many certificates and pages, what was left out."""

    path: Path
    count: int
    pages: int
    left_out: dict[str, int] = field(default_factory=dict)  # reason -> how many
    missing: list[str] = field(default_factory=list)  # "row 7 (Name)": PDF file not found

    def to_text(self) -> str:
        """For the organizer: where the ZIP is and what is in it."""
        lines = [f"Wrote {self.path}: {self.count} certificate(s), one PDF each in {FOLDER}/, all "
                 f"of them in {MERGED} ({self.pages} page(s), in roster order, ready to print) "
                 f"and {INDEX} (who is on which page)."]
        for reason, n in sorted(self.left_out.items()):
            lines.append(f"Left out: {n} {reason}.")
        if self.missing:
            lines.append(f"PDF not found, left out (run `certkit run` to make it again): "
                         f"{', '.join(self.missing)}.")
        return "\n".join(lines)


def make_bundle(event: Event, out: Path | None = None) -> Bundle:
    """Write the ZIP (default out/certificates.zip) of every certificate with a PDF.

    Revoked, replaced and failed certificates are left out and counted. Raises ConfigError when
    no certificate has been made yet.
    """
    from pypdf import PdfReader, PdfWriter

    out = Path(out) if out else event.out / "certificates.zip"
    with open_ledger(event.folder) as ledger:
        records = ledger.all()
    chosen, left_out, missing = _choose(event, records)
    if not chosen:
        raise ConfigError(f"No certificate has been made yet for {event.folder.name}: run "
                          f"`certkit run {event.folder}` first.")
    merged, index, names = PdfWriter(), io.StringIO(), set()
    table = csv.writer(index)
    table.writerow(["Row", "Name", "Email", "Certificate ID", "Status", "File", "First page",
                    "Pages"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for rec in chosen:
                name = unique_name(pdf_file_name(rec.name, rec.cert_id), names)
                pdf = event.path(rec.pdf)
                zf.write(pdf, f"{FOLDER}/{name}")
                first = len(merged.pages) + 1
                merged.append(PdfReader(pdf))
                table.writerow([rec.row_number, *(csv_safe(x) for x in (rec.name, rec.email)),
                                rec.cert_id, rec.status, f"{FOLDER}/{name}", first,
                                len(merged.pages) - first + 1])
            buf = io.BytesIO()
            merged.write(buf)
            zf.writestr(MERGED, buf.getvalue())
            zf.writestr(INDEX, "\ufeff" + index.getvalue())  # a BOM: Excel reads it as UTF-8
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return Bundle(out, len(chosen), len(merged.pages), left_out, missing)


def _choose(event: Event, records: list[Record]) -> tuple[list[Record], dict[str, int], list[str]]:
    """The certificates to bundle, in roster order; the others counted by reason."""
    chosen, left_out, missing = [], {}, []
    for rec in records:
        if rec.status in LEFT_OUT:
            left_out[LEFT_OUT[rec.status]] = left_out.get(LEFT_OUT[rec.status], 0) + 1
        elif rec.pdf and event.path(rec.pdf).is_file():
            chosen.append(rec)
        elif rec.pdf:
            missing.append(f"row {rec.row_number} ({rec.name})")
    return chosen, left_out, missing


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2).pdf` when a file of that name (ignoring case, as Windows and macOS
    do) is already in the ZIP."""
    stem, n, candidate = name[: -len(".pdf")], 1, name
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}).pdf"
    taken.add(candidate.casefold())
    return candidate
