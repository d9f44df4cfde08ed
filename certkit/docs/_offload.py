"""The stage's Python work (rendering chunks, splitting their PDFs) as plain functions, run in
helper processes for large runs.

Rendering and splitting hold Python's global lock; in the run's own process they slowed sending
to half its pace while PDFs were still being made. Helper processes have locks of their own, so
mail goes out at full pace while LibreOffice converts. Small runs do the same work in-process
(starting helpers costs about a second). Each function takes and returns plain data only.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..config import Event
from ..errors import CertkitError
from ._chunks import MARK, render_chunk
from ._fields import Certificate, render_docx
from ._pdf import NICENESS
from ._split import certificate_pages, open_pdf, prune_resources, write_pages
from ._templates import PreparedTemplate

log = logging.getLogger(__name__)
T = TypeVar("T")
PROCESSES_FROM = 300  # certificates in a run from which rendering and splitting get helpers


@dataclass
class RenderedUnit:
    """One .docx written: the indexes (into the job's certificates) it holds, whole chunk or one."""

    indexes: list[int]
    chunk: bool
    docx: Path


@dataclass
class Rendered:
    """What rendering a job gave: the documents written and the certificates that failed."""

    units: list[RenderedUnit] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def render_job(prepared: PreparedTemplate, event: Event, certs: list[Certificate],
               units: list[tuple[list[int], bool, Path | None]], work: Path) -> Rendered:
    """Write each unit's .docx; a chunk that cannot be rendered whole is rendered one by one.

    `units` are (indexes into certs, is a chunk, the chunk's .docx path); a single certificate's
    document is `work/<certificate id>.docx`.
    """
    out = Rendered()
    for indexes, chunk, docx in units:
        if chunk and docx is not None:
            try:
                render_chunk(prepared, [certs[i] for i in indexes], event, docx)
                out.units.append(RenderedUnit(indexes, True, docx))
                continue
            except CertkitError as exc:
                log.info("chunk rendered one by one instead: %s", exc)
                docx.unlink(missing_ok=True)
        for i in indexes:
            single = work / f"{certs[i].certificate_id}.docx"
            try:
                render_docx(prepared, certs[i], event, single)
                out.units.append(RenderedUnit([i], False, single))
            except CertkitError as exc:
                out.failed.append((i, str(exc)))
    return out


@dataclass
class Split:
    """What splitting a chunk's PDF gave: (index, PDF, pages) written, indexes to make alone."""

    written: list[tuple[int, Path, int]] = field(default_factory=list)
    redo: list[int] = field(default_factory=list)
    no_bookmarks: bool = False


def split_chunk(pdf: Path, targets: list[Path]) -> Split:
    """Cut a chunk's PDF at its bookmarks into `targets` (one per certificate, in order).

    A certificate whose page count differs from most of the chunk's (a long name pushed onto a
    second page), or every one when the PDF cannot be split, is listed to be made alone.
    """
    from pypdf.errors import PyPdfError

    everyone = list(range(len(targets)))
    try:
        reader = open_pdf(pdf)
        spans = certificate_pages(reader, len(targets), MARK)
        if spans is not None:
            prune_resources(reader)
    except (PyPdfError, ValueError, KeyError) as exc:  # a damaged PDF: make each alone
        log.warning("a chunk's PDF could not be split (%s); converting one by one", exc)
        return Split(redo=everyone)
    if spans is None:
        return Split(redo=everyone, no_bookmarks=not reader.named_destinations)
    lengths = [len(s) for s in spans]
    usual = max(set(lengths), key=lambda n: (lengths.count(n), -n))
    out = Split()
    for i, (target, span) in enumerate(zip(targets, spans)):
        if len(span) != usual:
            out.redo.append(i)
        else:
            out.written.append((i, target, write_pages(reader, span, target)))
    return out


class Helpers:
    """Runs the functions above inline, or in helper processes (see start())."""

    def __init__(self, processes: int):
        self.processes = processes
        self._pool: Executor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the helper processes now, from the calling thread.

        From the main thread, Ctrl-C is ignored for the few milliseconds they take to start: they
        inherit that and never take the terminal's Ctrl-C for theirs, even while still importing
        (when their own handler is not in place yet and one would die with a traceback). A Ctrl-C
        in that moment stays pending for the run where the system allows it.
        """
        if self.processes <= 0:
            return
        main = threading.current_thread() is threading.main_thread() and hasattr(
            signal, "pthread_sigmask")
        if main:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            before = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pool = self._get()
            for _ in range(self.processes):  # each submit starts one helper
                pool.submit(os.getpid)  # type: ignore[union-attr]
        except (OSError, RuntimeError) as exc:  # no processes here: do the work in-process
            log.warning("helper processes could not start (%s); working in-process", exc)
            self.close()
            self.processes = 0
        finally:
            if main:
                signal.signal(signal.SIGINT, before)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args), in a helper process when there are helpers; inline if they broke."""
        pool = self._get()
        if pool is None:
            return fn(*args)
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool:  # a helper was killed (out of memory?): go on without them
            log.warning("a helper process stopped; rendering in the run's own process")
            with self._lock:
                self.processes = 0
            return fn(*args)

    def _get(self) -> Executor | None:
        with self._lock:
            if self._pool is None and self.processes > 0:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(
                    self.processes, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_helper_start, initargs=(os.getpid(),))
            return self._pool if self.processes > 0 else None

    def close(self) -> None:
        """Stop the helper processes."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


def _helper_start(parent: int) -> None:
    """In a helper: Ctrl-C is the run's to handle; end when the run's process is gone (kill -9).

    Helpers run below the run's own priority, as LibreOffice does, so mail keeps its pace."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
