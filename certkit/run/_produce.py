"""Rows to PDFs for a run: a stream of jobs whose certificate is made, checked and recorded.

The stream hands each job on as soon as its chunk is converted and verified, so the send loop
mails the first certificates while LibreOffice converts the rest. Ledger changes for a chunk are
one transaction; a certificate with more pages than the template is held back as Not sent.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from ..docs import (
    Certificate,
    PdfConverter,
    PreparedTemplate,
    check_pages,
    render_batches,
    row_fields,
    template_pages,
)
from ..errors import CertkitError, TemplateError
from ..jobs import Job, Run
from ..status import FAILED, NOT_SENT
from ..summary import BLOCKED, Outcome

WORK_DIR = ".certkit"
READY = "PDF ready, not sent yet"


class Produced:
    """The jobs of a run as a stream: iterate to get each job whose PDF can be sent.

    `len()` is how many jobs at most (the planned ones); rows that fail or are held back along
    the way end with their status recorded and are not yielded.
    """

    def __init__(self, run: Run, prepared: PreparedTemplate, jobs: Sequence[Job],
                 converter: PdfConverter, progress: Callable[[str, int, int], None] | None = None):
        self.run, self.prepared, self.jobs = run, prepared, list(jobs)
        self.converter, self.progress = converter, progress
        self._expected: Future[int] | None = None
        self._streams: list[Generator[Job, None, None]] = []

    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self) -> Iterator[Job]:
        self._streams.append(stream := self._stream())
        return stream

    def close(self) -> None:
        """Stop making PDFs (when sending stopped on an error): no conversion goes on unseen."""
        for stream in self._streams:
            stream.close()

    def _stream(self) -> Iterator[Job]:
        """The jobs ready from earlier runs, then each chunk's as soon as it is made and checked."""
        run, event = self.run, self.run.event
        pdf_dir, work = event.out / "pdf", event.folder / WORK_DIR
        for leftover in work.glob("render-*"):  # a killed run's chunk files
            shutil.rmtree(leftover, ignore_errors=True)
        ready: list[Job] = []
        todo: dict[str, Job] = {}
        for job in self.jobs:
            rec = job.record
            try:
                job.fields = row_fields(event, job.row, self.prepared.placeholders, rec.cert_id)
            except TemplateError as exc:
                _fail(run, job, str(exc))
                continue
            if rec.pdf and (event.folder / rec.pdf).exists() and rec.fields == job.fields:
                ready.append(job)
            else:
                todo[rec.cert_id] = job
        with ThreadPoolExecutor(max_workers=1) as pool:
            # the template's own page count, converted beside the first chunks (remembered after)
            self._expected = pool.submit(template_pages, self.prepared, self.converter, work)
            yield from self._checked(ready)
            yield from self._made(todo, pdf_dir, work)

    def _made(self, todo: dict[str, Job], pdf_dir, work) -> Iterator[Job]:
        """Make the missing PDFs; record each finished chunk at once, then hand its jobs on."""
        run, event, ledger = self.run, self.run.event, self.run.ledger
        certs = [Certificate(j.row, cid, j.fields, name=j.record.name) for cid, j in todo.items()]
        total, made = len(certs), 0
        try:
            for batch in render_batches(certs, self.prepared, event, self.converter, pdf_dir, work):
                done: list[Job] = []
                with ledger.batch():
                    for result in batch:
                        made += 1
                        job = todo.pop(result.certificate_id)
                        if result.pdf is None:
                            _fail(run, job, result.error)
                            continue
                        pdf = str(result.pdf.relative_to(event.folder))
                        ledger.update(job.record.cert_id, pdf=pdf, pages=result.pages,
                                      fields=job.fields, status=NOT_SENT, detail=READY)
                        ledger.log(job.record.cert_id, "issued", f"PDF made for row "
                                   f"{job.row.number} ({result.pages} page(s))")
                        if job.record.pdf and job.record.pdf != pdf:  # made again, corrected name
                            (event.folder / job.record.pdf).unlink(missing_ok=True)
                        job.record = ledger.get(job.record.cert_id) or job.record
                        done.append(job)
                if self.progress:
                    self.progress("render", made, total)
                yield from self._checked(done)
        except CertkitError as exc:
            with ledger.batch():
                for job in todo.values():
                    _fail(run, job, f"row {job.row.number}: {exc}")
            todo.clear()

    def _checked(self, jobs: list[Job]) -> Iterator[Job]:
        """The jobs whose certificate has the template's page count; the others are held back."""
        if not jobs:
            return
        expected = self._pages()
        spilled = {f.row: f for f in check_pages(expected, {j.row.number: j.record.pages for j in jobs})
                   if f.row is not None}
        keep = []
        with self.run.ledger.batch():
            for job in jobs:
                finding = spilled.get(job.row.number)
                if finding is None or job.record.pages < expected:
                    keep.append(job)
                else:
                    _hold(self.run, job, f"{finding.message} {finding.suggestion}")
        yield from keep

    def _pages(self) -> int:
        """The template's page count; when it cannot be converted, what most certificates have."""
        try:
            assert self._expected is not None
            return self._expected.result()
        except CertkitError:
            counts = Counter(r.pages for r in self.run.ledger.all() if r.pages)
            return counts.most_common(1)[0][0] if counts else 1


def produce(
    run: Run,
    prepared: PreparedTemplate,
    jobs: Sequence[Job],
    converter: PdfConverter,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Job]:
    """Make every PDF that is missing or out of date; the jobs whose PDF can be sent, by row."""
    return sorted(Produced(run, prepared, jobs, converter, progress), key=lambda j: j.row.number)


def _hold(run: Run, job: Job, detail: str) -> None:
    """Keep a certificate with a broken layout from being sent: Not sent, with the reason."""
    run.ledger.update(job.record.cert_id, status=NOT_SENT, detail=detail)
    run.show(run.ledger.get(job.record.cert_id) or job.record)
    run.summary.outcomes.append(
        Outcome(job.row.number, job.record.name, NOT_SENT, detail, job.record.cert_id,
                group=BLOCKED)
    )


def _fail(run: Run, job: Job, detail: str) -> None:
    """Mark a row failed before sending (bad template value, conversion failure)."""
    run.ledger.update(job.record.cert_id, status=FAILED, detail=detail)
    run.show(run.ledger.get(job.record.cert_id) or job.record)
    run.summary.outcomes.append(
        Outcome(job.row.number, job.record.name, FAILED, detail, job.record.cert_id)
    )
