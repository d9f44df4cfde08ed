"""PDF conversion: LibreOffice headless in batches on every core, or Word through docx2pdf."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from ..errors import ConfigError, ConversionError

BATCH = 40  # files per soffice start: more than ~250 are silently skipped; 50 or fewer is safe
# Writer bookmarks become named destinations, so a multi-page PDF says where each certificate starts.
BOOKMARKS = '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}'
# Pictures as they are in the document: no resampling to 300 DPI and re-encoding as JPEG, which
# took two thirds of LibreOffice's time per certificate and blurred every QR code.
AS_IS = '"ReduceImageResolution":{"type":"boolean","value":"false"}'
PDF_FILTER = f"pdf:writer_pdf_Export:{{{BOOKMARKS},{AS_IS}}}"
# A document holding a picture this large keeps LibreOffice's reduction, so a photo pasted at
# full camera size does not make every certificate PDF (and every email) megabytes long.
REDUCED_FILTER = f"pdf:writer_pdf_Export:{{{BOOKMARKS}}}"
LARGE_PICTURE = 512 * 1024
PROFILES = "certkit-lo-"  # + the owner's process ID: LibreOffice profiles in the temp folder
NICENESS = 5  # LibreOffice's priority below certkit's own (POSIX `nice`; 0 is normal)


class PdfConverter(Protocol):
    """Converts .docx files to PDFs in `out_dir`; returns docx -> pdf for those that converted.

    `workers` says how many conversions may run at once (calls from that many threads are safe);
    `multipage` says whether many certificates may share one document (one soffice run per chunk).
    """

    workers: int
    multipage: bool

    def convert(self, docs: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
        """Convert `docs`; a document missing from the result did not convert."""
        ...


def find_soffice() -> str | None:
    """The LibreOffice program, from PATH or the usual install places."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        r"C:\Program Files\LibreOffice\program\soffice.exe",
    ):
        if os.path.exists(candidate):
            return candidate
    return None


# soffice gets a process group of its own (killed whole on a stop; Ctrl-C in a terminal reaches
# only the foreground group), but stays in certkit's session: Linux gives each session its own
# scheduling group (autogroup), so in a session of its own `nice` had no effect, and each soffice
# took as much CPU as certkit's whole run, sending included.
_OWN_GROUP: dict = ({"process_group": 0} if os.name == "posix" and sys.version_info >= (3, 11)
                    else {"start_new_session": True})


class LibreOfficeConverter:
    """Runs `soffice --convert-to pdf` on batches of files, one private profile per worker.

    Thread-safe: each soffice start borrows a free profile, so concurrent calls never share one.
    """

    multipage = True

    def __init__(self, soffice: str | None = None, workers: int | None = None, batch: int = BATCH):
        self.soffice = soffice or find_soffice()
        if not self.soffice:
            raise ConversionError(
                "LibreOffice is not installed, so certificates cannot be turned into PDFs. "
                "On Debian/Ubuntu run: sudo apt-get install libreoffice-writer-nogui "
                "(or run the README's demo command, which installs it)."
            )
        self.nice = shutil.which("nice")  # POSIX; soffice runs below certkit's priority with it
        self.workers = workers or min(2, os.cpu_count() or 1)
        self.batch = batch
        remove_orphaned_profiles()
        self._profiles = Path(tempfile.mkdtemp(prefix=f"{PROFILES}{os.getpid()}-"))
        # removed by close(), or when the converter is dropped or Python exits without it
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._profiles, ignore_errors=True)
        self._free: queue.Queue[int] = queue.Queue()
        for worker in range(self.workers):
            self._free.put(worker)

    def close(self) -> None:
        """Remove the private LibreOffice profiles."""
        self._cleanup()

    def __enter__(self) -> LibreOfficeConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, docs: Sequence[Path], out_dir: Path, pdf_filter: str) -> None:
        """One soffice start converting `docs` with a borrowed profile (sharing one loses files)."""
        worker = self._free.get()
        try:
            self._soffice(worker, docs, out_dir, pdf_filter)
        finally:
            self._free.put(worker)

    def _soffice(self, worker: int, docs: Sequence[Path], out_dir: Path, pdf_filter: str) -> None:
        """Run soffice in its own process group, so a stopped run leaves no soffice.bin behind."""
        profile = (self._profiles / f"w{worker}").as_uri()
        cmd = [
            self.soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            pdf_filter,
            "--outdir",
            str(out_dir),
            *[str(d) for d in docs],
        ]
        if self.nice:  # below the run itself: mail and the notebook stay quick while PDFs are made
            cmd = [self.nice, "-n", str(NICENESS), *cmd]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, **_OWN_GROUP)
        try:
            proc.wait(timeout=120 + 10 * len(docs))
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(
                f"LibreOffice took too long converting {len(docs)} documents and was stopped."
            ) from exc
        finally:
            if proc.poll() is None:
                if hasattr(os, "killpg"):
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()
            proc.wait()

    def convert(self, docs: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
        """Convert in batches spread over the workers; retry missing files once, one by one.

        Outputs left from earlier runs are removed first, so only fresh PDFs are counted.
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            (out_dir / (doc.stem + ".pdf")).unlink(missing_ok=True)
        filters = {d: REDUCED_FILTER if has_large_picture(d) else PDF_FILTER for d in docs}
        batches = []
        for pdf_filter in (PDF_FILTER, REDUCED_FILTER):  # one soffice start, one set of options
            group = [d for d in docs if filters[d] == pdf_filter]
            batches += [group[i : i + self.batch] for i in range(0, len(group), self.batch)]
        self._each(batches, out_dir, filters)
        done = _collect(docs, out_dir)
        missing = [d for d in docs if d not in done]
        if missing and not done and len(missing) > 1:  # nothing worked: try one before all
            self._run_quietly([missing[0]], out_dir, filters)
            if not _collect(missing[:1], out_dir):
                return {}
            missing = missing[1:]
        self._each([[d] for d in missing], out_dir, filters)
        return _collect(docs, out_dir)

    def _run_quietly(self, docs: Sequence[Path], out_dir: Path, filters: dict[Path, str]) -> None:
        """One soffice start (with the first document's export options, the same for all of
        them); a timeout leaves its documents unconverted (counted by the caller)."""
        try:
            self._run(docs, out_dir, filters[docs[0]])
        except ConversionError:
            pass

    def _each(self, batches: list[list[Path]], out_dir: Path, filters: dict[Path, str]) -> None:
        """Run the batches over the free workers; a batch that timed out converts nothing."""

        if len(batches) == 1:
            self._run_quietly(batches[0], out_dir, filters)
        elif batches:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(lambda batch: self._run_quietly(batch, out_dir, filters), batches))


def remove_orphaned_profiles() -> None:
    """Remove the profiles (1 MB each) of certkit processes that were killed and could not.

    Only folders whose owner process is gone (POSIX; on Windows signal 0 would stop a process).
    """
    if os.name != "posix":
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{PROFILES}*-*"):
        pid = folder.name[len(PROFILES):].split("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, someone else's
            continue


def has_large_picture(doc: Path) -> bool:
    """Whether a .docx holds a picture file over LARGE_PICTURE bytes (read from its zip index)."""
    import zipfile

    try:
        with zipfile.ZipFile(doc) as zf:
            return any(i.filename.startswith("word/media/") and i.file_size > LARGE_PICTURE
                       for i in zf.infolist())
    except (OSError, zipfile.BadZipFile):
        return False


def _collect(docs: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
    """The PDFs that exist and are not empty, by source document."""
    found = {}
    for doc in docs:
        pdf = out_dir / (doc.stem + ".pdf")
        if pdf.exists() and pdf.stat().st_size > 0:
            found[doc] = pdf
    return found


class WordConverter:
    """Microsoft Word through docx2pdf (Windows and macOS only), one document at a time."""

    workers = 1
    multipage = False

    def __init__(self) -> None:
        try:
            import docx2pdf  # noqa: F401
        except ImportError as exc:
            raise ConversionError(
                "Word conversion needs docx2pdf: pip install 'certkit[word]' (Windows or macOS, "
                "with Microsoft Word installed)."
            ) from exc

    def convert(self, docs: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
        """Convert each document with Word; a failure leaves that document out of the result."""
        from docx2pdf import convert

        out_dir.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            try:
                convert(str(doc), str(out_dir / (doc.stem + ".pdf")))
            except Exception:  # noqa: S112 - docx2pdf raises anything Word raises; counted below
                continue
        return _collect(docs, out_dir)

    def close(self) -> None:
        """Nothing to release."""


CONVERTERS: dict[str, type] = {"libreoffice": LibreOfficeConverter, "word": WordConverter}
CONVERTER_NAMES = ("auto", *CONVERTERS)


def converter_name(name: str) -> str:
    """The converter `name` chooses ("auto": LibreOffice when found or on Linux, else Word).

    Raises ConfigError listing the valid names for anything else; nothing is started."""
    key = (name or "auto").strip().lower()
    if key not in CONVERTER_NAMES:
        raise ConfigError(
            f"event.toml [template] converter = '{name}' is unknown. Use one of: "
            f"{', '.join(CONVERTER_NAMES)}."
        )
    if key == "auto":
        return "libreoffice" if find_soffice() or sys.platform not in ("win32", "darwin") else "word"
    return key


def get_converter(name: str = "auto") -> PdfConverter:
    """The converter named in event.toml [template] converter: auto, libreoffice or word.

    Raises ConfigError for an unknown name, ConversionError when the chosen one is missing."""
    return CONVERTERS[converter_name(name)]()


def page_count(pdf: Path) -> int:
    """How many pages a PDF has."""
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)
