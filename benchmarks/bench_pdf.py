"""How fast certificates become PDFs: the naive loop, the batched per-file path, the chunked path.

All three run in the same process on the same machine, on the demo event's bundled template, with
one warmed-up LibreOffice converter (two workers, one private profile each):

  (a) naive: render a .docx and start soffice for it, one certificate at a time. Measured on a
      small subset (--naive, default 10) and extrapolated to N, because it is slow.
  (b) batched per-file: one .docx per certificate, up to 40 files per soffice start, 2 workers.
  (c) chunked: many certificates per multi-page .docx, 2 workers, split and checked with pypdf.

Usage:  python benchmarks/bench_pdf.py [--n 200] [--naive 10] [--chunk 50] [--template classic]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certkit.config import load_event
from certkit.docs import (
    CHUNK,
    Certificate,
    LibreOfficeConverter,
    prepare_template,
    render_certificates,
    render_docx,
    row_fields,
)
from certkit.ids import new_certificate_id
from certkit.run import init_event
from certkit.sheets import Row, open_roster


def make_certificates(event, prepared, n: int) -> list[Certificate]:
    """N certificates from the demo roster's good rows, names numbered so every one differs."""
    rows = [r for r in open_roster(event).read().rows if "@" in r.get(event.roster.email_column)]
    rows = [r for r in rows if r.get(event.roster.name_column).strip()]
    certs = []
    for i in range(n):
        base = rows[i % len(rows)]
        values = dict(base.values)
        values[event.roster.name_column] = f"{base.get(event.roster.name_column).strip()} {i + 1}"
        row = Row(number=i + 2, values=values)
        cid = new_certificate_id()
        certs.append(Certificate(row, cid, row_fields(event, row, prepared.placeholders, cid)))
    return certs


def naive(certs, prepared, event, converter, work: Path) -> float:
    """Seconds for the one-soffice-start-per-certificate loop over `certs`."""
    work.mkdir(parents=True)
    start = time.perf_counter()
    for cert in certs:
        doc = render_docx(prepared, cert, event, work / f"{cert.certificate_id}.docx")
        converter._run([doc], work / "naive")  # one soffice start, as a naive loop would do
    elapsed = time.perf_counter() - start
    made = len(list((work / "naive").glob("*.pdf")))
    if made != len(certs):
        raise SystemExit(f"naive loop made {made} of {len(certs)} PDFs")
    return elapsed


def staged(certs, prepared, event, converter, work: Path, chunk: int) -> tuple[float, float, int]:
    """(seconds, seconds to the first PDF, PDFs made) for the streaming stage."""
    out = work / f"pdf-{chunk}"
    start = time.perf_counter()
    first = 0.0
    made = 0
    for done in render_certificates(certs, prepared, event, converter, out, work, chunk_size=chunk):
        if done.error:
            print(f"  failed: {done.error}")
            continue
        made += 1
        first = first or time.perf_counter() - start
    return time.perf_counter() - start, first, made


def main() -> None:
    """Run the three measurements and print certificates per second."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="certificates (default 200)")
    parser.add_argument("--naive", type=int, default=10, help="certificates for the naive loop")
    parser.add_argument("--chunk", type=int, default=CHUNK, help=f"certificates per chunk ({CHUNK})")
    parser.add_argument("--template", default="classic", help="bundled template (classic)")
    parser.add_argument("--skip", default="", help="comma list of a,b,c to leave out")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    root = Path(tempfile.mkdtemp(prefix="certkit-bench-"))
    try:
        init_event(root / "event", template=args.template)
        event = load_event(root / "event")
        prepared = prepare_template(event.path(event.template.path), root / "work")
        certs = make_certificates(event, prepared, args.n)
        with LibreOfficeConverter() as converter:
            staged(certs[:4], prepared, event, converter, root / "warm", 2)  # create both profiles
            print(f"N = {args.n} certificates, template {args.template}, {converter.workers} workers, "
                  f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work slows all)")
            if "a" not in skip:
                k = min(args.naive, args.n)
                secs = naive(certs[:k], prepared, event, converter, root / "a")
                rate = k / secs
                print(f"(a) naive, one soffice start per certificate: {rate:6.2f} certificates/s "
                      f"(measured on {k}, extrapolated: {args.n / rate:7.1f} s for {args.n})")
            for label, name, chunk in (("b", "batched per-file, <=40 files per start", 1),
                                       ("c", f"chunked, {args.chunk} per document", args.chunk)):
                if label in skip:
                    continue
                secs, first, made = staged(certs, prepared, event, converter, root / label, chunk)
                print(f"({label}) {name}: {made / secs:6.2f} certificates/s "
                      f"({secs:6.1f} s for {made}; first PDF after {first:4.1f} s)")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
