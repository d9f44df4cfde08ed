"""Rows in, finished PDFs out: one stage that renders and converts certificates, streaming results.

With LibreOffice, certificates are rendered many to a document (one docxtpl pass per chunk),
converted by two soffice workers at once, and split into one PDF per certificate; each split is
checked against the bookmarks that mark where every certificate starts, and a certificate whose
pages look wrong (a long name spilling onto a second page) is made again on its own. With Word,
or a template that cannot be chunked, every certificate gets its own document, converted in
batches. Callers see the same stream either way:

    for done in render_certificates(certs, prepared, event, converter, out_dir, work_dir):
        if done.pdf: ...      # done.certificate, done.pages
        else: ...             # done.error names the row and what to do
"""

from __future__ import annotations

import logging
import math
import os
import queue
import shutil
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Event
from ..ids import is_certificate_id
from ._chunks import ChunkLayout, inspect_template, same_chunk_key
from ._fields import Certificate
from ._offload import PROCESSES_FROM, Helpers, render_job, split_chunk
from ._pdf import BATCH, PdfConverter
from ._split import open_pdf
from ._templates import PreparedTemplate

log = logging.getLogger(__name__)
CHUNK = 100  # certificates per document: 100 measured fastest (50: about 35% slower, 200: slower)
EDGE = 4  # each worker's first and last documents hold a quarter of that (see _parts)
NOT_CONVERTED = (
    "LibreOffice could not turn this row's certificate into a PDF. Check the row's values "
    "(very long text, unusual characters), then run again; other rows are not affected."
)


@dataclass(frozen=True)
class CertificatePdf:
    """One certificate out of the stage: its PDF and page count, or the reason it has none."""

    certificate: Certificate
    pdf: Path | None = None
    pages: int = 0
    error: str = ""

    @property
    def row_number(self) -> int:
        """The roster row this certificate is for."""
        return self.certificate.row.number

    @property
    def certificate_id(self) -> str:
        """The certificate's ID (its PDF is named after it)."""
        return self.certificate.certificate_id


@dataclass
class _Unit:
    """One .docx to convert: a chunk of certificates, or a single certificate."""

    certs: list[Certificate]
    chunk: bool
    docx: Path | None = None


@dataclass
class _Job:
    """The units one soffice start converts."""

    units: list[_Unit] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many certificates the job holds."""
        return sum(len(u.certs) for u in self.units)


def render_certificates(
    certs: Iterable[Certificate],
    prepared: PreparedTemplate,
    event: Event,
    converter: PdfConverter,
    out_dir: Path,
    work_dir: Path,
    *,
    chunk_size: int = CHUNK,
) -> Iterator[CertificatePdf]:
    """Make `{certificate_id}.pdf` in `out_dir` for each certificate, yielding each when written.

    Results come chunk by chunk as conversions finish (not in input order), so sending can start
    while the rest converts. A per-certificate problem never raises: it comes back with `error`
    set, naming the row. Intermediate files live in `work_dir` and are removed at the end.
    `chunk_size` is the number of certificates per document; 1 gives each its own document
    (what a converter without `multipage`, such as Word, always gets).

    Raises only what is no single row's fault (a full disk, an unwritable `out_dir`), after the
    certificates finished so far have been yielded.
    """
    for batch in render_batches(certs, prepared, event, converter, out_dir, work_dir,
                                chunk_size=chunk_size):
        yield from batch


def render_batches(
    certs: Iterable[Certificate],
    prepared: PreparedTemplate,
    event: Event,
    converter: PdfConverter,
    out_dir: Path,
    work_dir: Path,
    *,
    chunk_size: int = CHUNK,
) -> Iterator[list[CertificatePdf]]:
    """As render_certificates, but each step yields every result finished by then (at least one),
    so a caller can record a whole chunk at once."""
    certs = list(certs)
    if not certs:
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    # rendering and splitting in helper processes when the run is large, else in-process
    big = len(certs) >= PROCESSES_FROM and chunk_size > 1 and getattr(converter, "multipage", False)
    helpers = Helpers(_workers(converter) if big else 0)
    helpers.start()
    stage = _Stage(prepared, event, converter, out_dir, work_dir / f"render-{uuid.uuid4().hex[:8]}",
                   helpers)
    thread = threading.Thread(target=stage.run, args=(certs, chunk_size), daemon=True)
    thread.start()
    try:
        finished = False
        while not finished:
            batch: list[CertificatePdf] = []
            item = stage.results.get()
            while True:
                if item is None:
                    finished = True
                    break
                if isinstance(item, BaseException):
                    if batch:
                        yield batch
                    raise item
                batch.append(item)
                try:
                    item = stage.results.get_nowait()
                except queue.Empty:
                    break
            if batch:
                yield batch
    finally:
        stage.stop.set()
        thread.join()
        helpers.close()
        shutil.rmtree(stage.work, ignore_errors=True)


class _Stage:
    """Plans jobs, renders them ahead on one thread, converts them on the converter's workers."""

    def __init__(self, prepared: PreparedTemplate, event: Event, converter: PdfConverter,
                 out_dir: Path, work: Path, helpers: Helpers):
        self.prepared, self.event, self.converter = prepared, event, converter
        self.out_dir, self.work, self.helpers = out_dir, work, helpers
        self.workers = _workers(converter)
        self.results: queue.Queue[CertificatePdf | BaseException | None] = queue.Queue()
        self.stop = threading.Event()
        self.layout = ChunkLayout("the converter makes one document per certificate")
        self._chunking = True
        self._count = 0
        self._idle = threading.Condition()
        self._running = 0  # jobs rendered and not yet converted and split
        # at most `workers` conversions at once; a job's split runs outside, so the next job's
        # conversion starts while the last one is cut up (split takes the GIL, not LibreOffice)
        self._slots = threading.BoundedSemaphore(self.workers)
        self._redo: list[Certificate] = []

    def run(self, certs: list[Certificate], chunk_size: int) -> None:
        """Render and convert everything; results and a final None go to `self.results`."""
        try:
            self.work.mkdir(parents=True, exist_ok=True)
            certs = self._check_ids(certs)
            if chunk_size > 1 and getattr(self.converter, "multipage", False):
                self.layout = inspect_template(self.prepared)
            chunking = not self.layout.blocker
            target = chunk_size if chunking else BATCH
            jobs, start = [], 0
            for count, size in _parts(len(certs), self.workers, target):
                part, start = certs[start : start + count], start + count
                jobs += (_plan(part, size, self.layout, self.prepared) if chunking
                         else _singles(part, size))
            with ThreadPoolExecutor(max_workers=2 * self.workers) as pool:
                self._drive(deque(jobs), pool)
        except BaseException as exc:  # a bug or a full disk: the caller sees it, nothing is hidden
            self.results.put(exc)
        finally:
            self.results.put(None)

    def _drive(self, jobs: deque[_Job], pool: ThreadPoolExecutor) -> None:
        """Render jobs one ahead of the workers; certificates to redo ride along with later jobs."""
        while not self.stop.is_set():
            with self._idle:
                self._idle.wait_for(lambda: self._running < 2 * self.workers)
                if not jobs:
                    self._idle.wait_for(lambda: self._running == 0)
                redo, self._redo = self._redo, []
                if self.stop.is_set() or (not jobs and not redo):
                    return
                job = jobs.popleft() if jobs else _Job()
                job.units += [_Unit([c], False) for c in redo]
                self._running += 1
            try:
                self._render(job)
            except BaseException:
                self._done()
                raise
            pool.submit(self._convert, job)

    def _done(self) -> None:
        """One job fewer in flight."""
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    def _check_ids(self, certs: list[Certificate]) -> list[Certificate]:
        """Certificates whose ID can name a file; the others fail here (an ID typed in the sheet)."""
        good = []
        for cert in certs:
            if is_certificate_id(cert.certificate_id):
                good.append(cert)
            else:
                self._fail(cert, f"row {cert.row.number}: the certificate ID '{cert.certificate_id}' can "
                                 "only use letters, digits, '-' and '_'. Fix or clear it in the sheet.")
        return good

    def _render(self, job: _Job) -> None:
        """Write each unit's .docx; a chunk that cannot be rendered whole becomes single units."""
        certs = [c for u in job.units for c in u.certs]
        spec, start = [], 0
        for unit in job.units:
            chunk = unit.chunk and self._chunking
            spec.append((list(range(start, start + len(unit.certs))), chunk,
                         self._path("chunk", ".docx") if chunk else None))
            start += len(unit.certs)
        done = self.helpers.call(render_job, self.prepared, self.event, certs, spec, self.work)
        for i, message in done.failed:
            self._fail(certs[i], message)
        job.units = [_Unit([certs[i] for i in u.indexes], u.chunk, u.docx) for u in done.units]

    def _convert(self, job: _Job) -> None:
        """Convert a job's documents (one soffice start), then split, check and deliver them."""
        try:
            pdf_dir = self._path("pdf", "")
            docs = [u.docx for u in job.units if u.docx]
            with self._slots:
                pdfs = self.converter.convert(docs, pdf_dir) if docs else {}
            for unit in job.units:
                self._deliver(unit, pdfs.get(unit.docx) if unit.docx else None)
            shutil.rmtree(pdf_dir, ignore_errors=True)
        except BaseException as exc:
            self.results.put(exc)
            self.stop.set()
        finally:
            self._done()

    def _deliver(self, unit: _Unit, pdf: Path | None) -> None:
        """Report a converted unit; a chunk that failed or does not check out is queued to redo."""
        if unit.chunk:
            redo = self._split(unit, pdf) if pdf else unit.certs
            with self._idle:
                self._redo += redo
        elif pdf:
            cert = unit.certs[0]
            target = self.out_dir / cert.file_name
            pages = len(open_pdf(pdf).pages)
            os.replace(pdf, target)
            self.results.put(CertificatePdf(cert, target, pages))
        else:
            self._fail(unit.certs[0], f"row {unit.certs[0].row.number}: {NOT_CONVERTED}")
        if unit.docx:
            unit.docx.unlink(missing_ok=True)

    def _split(self, unit: _Unit, pdf: Path) -> list[Certificate]:
        """Split a chunk's PDF by its bookmarks; return the certificates to make again alone."""
        done = self.helpers.call(split_chunk, pdf, [self.out_dir / c.file_name for c in unit.certs])
        for i, target, pages in done.written:
            self.results.put(CertificatePdf(unit.certs[i], target, pages))
        if done.no_bookmarks:
            log.warning("LibreOffice exported no bookmarks; converting one by one from now on")
            self._chunking = False
        return [unit.certs[i] for i in done.redo]

    def _fail(self, cert: Certificate, message: str) -> None:
        """Report a certificate that has no PDF, with a message naming its row."""
        self.results.put(CertificatePdf(cert, error=message))

    def _path(self, kind: str, suffix: str) -> Path:
        """A fresh name in the work folder (names carry a counter, never personal data)."""
        with self._idle:
            self._count += 1
            path = self.work / f"{kind}-{self._count:05d}{suffix}"
        if not suffix:
            path.mkdir(parents=True, exist_ok=True)
        return path


def _workers(converter: PdfConverter) -> int:
    """How many conversions the converter runs at once (at least one)."""
    return max(1, int(getattr(converter, "workers", 1)))


def _parts(total: int, workers: int, target: int) -> list[tuple[int, int]]:
    """How to cut `total` certificates into jobs: (certificates, per job), first to last.

    Each worker's first job is small (an EDGE-th of `target`), so the first PDFs and mails come
    soon; so is its last (an EDGE-th of the others), so the last PDFs, and the mails waiting for
    them, come soon after the rest. Each part has about a multiple of `workers` jobs, so the
    workers finish together.
    """
    first = max(1, math.ceil(min(target, total / workers) / EDGE))
    head = min(total, first * workers)
    rest = total - head
    if not rest:
        return [(head, first)]
    jobs = workers * math.ceil(rest / (workers * max(1, target)))
    size = math.ceil(rest / jobs)
    if jobs < 2 * workers:  # one round of jobs: nothing after it to shorten
        return [(head, first), (rest, size)]
    last = math.ceil(size / EDGE)
    body = rest - workers * last
    return [(head, first), (body, math.ceil(body / (jobs - workers))), (workers * last, last)]


def _plan(certs: list[Certificate], size: int, layout: ChunkLayout,
          prepared: PreparedTemplate) -> list[_Job]:
    """Jobs of chunks: certificates whose headers read the same share a chunk; lone ones go single."""
    groups: dict[tuple, list[Certificate]] = {}
    units = []
    for cert in certs:
        if _beyond_latin(cert):
            units.append(_Unit([cert], False))  # see _beyond_latin: its own document
        else:
            groups.setdefault(same_chunk_key(layout, prepared, cert), []).append(cert)
    for group in groups.values():
        for i in range(0, len(group), size):
            part = group[i : i + size]
            units.append(_Unit(part, chunk=len(part) > 1))
    return _pack(units, size)


def _beyond_latin(cert: Certificate) -> bool:
    """Whether a certificate's text has characters beyond the Latin scripts (CJK, Arabic, ...).

    A chunk's PDF embeds one font subset for all its certificates, and the split files keep it:
    every file would carry the glyphs of the chunk's other names. For Latin letters that says
    nothing about anyone; for a Chinese or Arabic name it would, so such a certificate gets a
    document of its own and its characters appear in its own PDF only.
    """
    return any(ord(ch) > 0x24F and not 0x2000 <= ord(ch) <= 0x206F
               for value in cert.fields.values() for ch in value)


def _singles(certs: list[Certificate], size: int) -> list[_Job]:
    """Jobs of one document per certificate, `size` documents per soffice start."""
    return _pack([_Unit([c], False) for c in certs], size)


def _pack(units: list[_Unit], size: int) -> list[_Job]:
    """Fill jobs in order up to `size` certificates and at most BATCH documents each."""
    jobs: list[_Job] = []
    job = _Job()
    for unit in units:
        if job.units and (job.size + len(unit.certs) > size or len(job.units) >= BATCH):
            jobs.append(job)
            job = _Job()
        job.units.append(unit)
    if job.units:
        jobs.append(job)
    return jobs
