"""certkit's speed in one command: the naive loop, `run` (PDFs only), `run --send`, optionally 10,000.

Run from the repository root (needs LibreOffice and ../shared/bench/landscape_certificate.docx):

    .venv/bin/python benchmarks/bench.py               # naive sample + N = 1,000 (a few minutes)
    .venv/bin/python benchmarks/bench.py --big         # ... and run --send of N = 10,000
    .venv/bin/python benchmarks/bench.py --n 300 --naive 5

Every certkit figure is one fresh child process doing what `certkit run` does (`run_event`), timed
from its start to its exit, on an event whose roster is a Google Sheet in the local Sheets API
emulator (tests/sheets_emulator.py, which counts the requests) and whose mail goes to a local SMTP
server (aiosmtpd on 127.0.0.1). Peak memory is the sum of resident memory over the child's whole
process tree (soffice included), sampled every 0.1 s. The naive loop (docxtpl, qrcode and one
soffice start per certificate) is measured on a sample in the same run, a few certificates before
each round, so that both see the machine's same slow and fast spells.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEMPLATE = ROOT.parent / "shared" / "bench" / "landscape_certificate.docx"
COURSES = ["Data Analysis with Python", "Machine Learning Basics", "SQL for Analysts", "Statistics"]
FIRST = ["Amélie", "José", "Li", "Noah", "Fatima", "Olivia", "Mateo", "Zoë", "Ivan", "Aisha"]
LAST = ["Dubois", "Álvarez Núñez", "Moreau", "Smith", "Okafor", "Kowalski", "García", "Ng"]


def roster_rows(n: int) -> list[list[str]]:
    """A header and n distinct participants (Latin names, numbered so that every one differs)."""
    rows = [["full_name", "Email", "course", "completion_date"]]
    for i in range(n):
        name = f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]} {i + 1}"
        rows.append([name, f"p{i + 1}@example.org", COURSES[i % len(COURSES)], "2026-06-12"])
    return rows


def make_event(folder: Path, sheet_key: str, smtp_port: int) -> None:
    """An event folder: the benchmark template, a Google Sheet roster, local SMTP as transport."""
    import shutil

    folder.mkdir(parents=True)
    shutil.copy(TEMPLATE, folder / "template.docx")
    (folder / "event.toml").write_text(f"""\
name = "Benchmark"
verify_base_url = "https://certificates.example.org/verify"
[roster]
source = "sheets"
url = "{sheet_key}"
name_column = "full_name"
email_column = "Email"
[template]
path = "template.docx"
[email]
sender = "certificates@example.org"
subject = "Your certificate: {{{{ course }}}}"
body = "Dear {{{{ name }}}}, your certificate is attached: {{{{ verify_url }}}}"
[transport]
backend = "smtp"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
retry_wait = 0.2
""", encoding="utf-8")


# ----- the child: one certkit run in its own process ------------------------------------------

def child(args: argparse.Namespace) -> None:
    """Run the event as `certkit run [--send]` does, against the emulator; print a JSON summary."""
    start = time.perf_counter()
    import requests

    from certkit.config import load_event
    from certkit.run import run_event
    from certkit.sheets import GoogleOptions, GoogleSheetSource, make_client
    from tests.sheets_emulator import _RedirectAdapter

    event = load_event(Path(args.child))
    session = requests.Session()
    session.mount("https://", _RedirectAdapter(os.environ["BENCH_SHEETS_URL"]))
    session.headers["Authorization"] = f"Bearer {os.environ['BENCH_SHEETS_TOKEN']}"
    source = GoogleSheetSource.from_event(event, client=make_client(None, GoogleOptions(), session))
    if args.check:  # what `certkit check` does: every row checked, 3 sample certificates rendered
        from certkit.run import check

        result = check(event, source=source, render=3)
        print(json.dumps({"seconds": time.perf_counter() - start,
                          "blocking": result.report.has_blocking()}))
        return
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    summary = run_event(event, send=args.send, source=source)
    if args.profile:
        prof.disable()
        prof.dump_stats(args.profile)
    counts: dict[str, int] = {}
    for outcome in summary.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": time.perf_counter() - start, "counts": counts,
                      "cpu_self": own.ru_utime + own.ru_stime,
                      "sheet_errors": summary.sheet_errors}))


# ----- the parent: servers, process-tree memory, the figures ----------------------------------

def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total


def _child_env(emulator) -> dict[str, str]:
    """The environment of a child run: where the Sheets emulator is, and a token it accepts."""
    return {**os.environ, "BENCH_SHEETS_URL": emulator.url,
            "BENCH_SHEETS_TOKEN": emulator.auth.issue("tester@certkit-test.iam.gserviceaccount.com",
                                                      86400)}


def check_child(folder: Path, emulator) -> float:
    """Seconds `certkit check` takes on the event, in a child process, from its start to its end."""
    env = _child_env(emulator)
    start = time.monotonic()
    out = subprocess.run([sys.executable, __file__, "--child", str(folder), "--check"], env=env,
                         stdout=subprocess.PIPE, cwd=ROOT, check=True).stdout
    wall = time.monotonic() - start
    if json.loads(out.decode().strip().splitlines()[-1])["blocking"]:
        raise SystemExit("certkit check found blocking problems in the benchmark roster")
    return wall


def loop_cpu(server) -> float:
    """CPU seconds the SMTP server's thread (its event loop) has used, asked inside that thread."""
    from concurrent.futures import Future

    answer: Future = Future()
    server.loop.call_soon_threadsafe(lambda: answer.set_result(time.thread_time()))
    return answer.result(timeout=30)


def run_child(folder: Path, emulator, sink, server, *, send: bool, profile: str = "") -> dict:
    """One certkit run in a child process: seconds, first mail, peak tree RSS, Sheets requests,
    and the CPU the SMTP server used meanwhile (it shares the machine's cores with the run)."""
    env = _child_env(emulator)
    cmd = [sys.executable, __file__, "--child", str(folder)] + ["--send"] * send
    cmd += ["--profile", profile] if profile else []
    emulator.clear_log()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = loop_cpu(server)
    sink.received.clear()
    sink.times = []
    wall_start = time.time()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    elapsed = time.monotonic() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = loop_cpu(server) - server_before
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime"))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"certkit run failed (exit {proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    pdfs = [p.stat().st_mtime for p in (folder / "out" / "pdf").glob("*.pdf")]
    last_pdf = max(pdfs, default=wall_start)
    result.update(last_pdf=last_pdf - wall_start,
                  mailed_by_last_pdf=sum(1 for t in sink.times if t <= last_pdf))
    result.update(wall=elapsed, peak=peak, cpu=cpu, server_cpu=server_cpu, mails=len(sink.received),
                  first_mail=(sink.times[0] - wall_start) if sink.times else None,
                  requests=len(emulator.log),
                  writes=emulator.count("write"), reads=emulator.count("read"))
    return result


def verify(folder: Path, sheet: list[list[str]], sample: int = 40) -> str:
    """Open a spread sample of the run's PDFs: one page, its own name and ID, nobody else's ID,
    only the template's pictures (its own QR code). Returns a line saying what was checked."""
    import random
    import re

    from pypdf import PdfReader

    header, *rows = sheet
    ids = {r[header.index("Certificate ID")]: r[header.index("full_name")] for r in rows}
    pdfs = sorted((folder / "out" / "pdf").glob("*.pdf"))
    if len(pdfs) != len(rows):
        raise SystemExit(f"{len(pdfs)} PDFs for {len(rows)} rows")
    pictures = None
    for pdf in random.Random(1).sample(pdfs, min(sample, len(pdfs))):
        reader = PdfReader(str(pdf))
        text = " ".join(reader.pages[0].extract_text().split())
        cid = next(i for i in ids if pdf.stem.endswith(i))
        found = set(re.findall(r"CK-[A-Z0-9-]+", text)) & set(ids)
        own = re.search(re.escape(ids[cid]) + r"(?!\d)", text)
        images = len(reader.pages[0].images)
        pictures = images if pictures is None else pictures
        if len(reader.pages) != 1 or found != {cid} or not own or images != pictures:
            raise SystemExit(f"{pdf.name} does not check out: {len(reader.pages)} pages, IDs "
                             f"{sorted(found)}, own name found: {bool(own)}, {images} pictures")
    return f"{min(sample, len(pdfs))} sampled PDFs verified (one page, own name and ID only, " \
           f"{pictures} pictures each)"


class Naive:
    """The naive loop (one docxtpl render and one soffice start per certificate), measured a few
    certificates at a time between certkit's rounds: both then see the machine's same slow and
    fast spells, and "x naive" compares like with like."""

    def __init__(self, n: int, work: Path):
        from certkit.config import load_event
        from certkit.docs import Certificate, find_soffice, prepare_template, row_fields
        from certkit.sheets import Row

        make_event(work / "event", "unused", 25)
        self.event = load_event(work / "event")
        self.prepared = prepare_template(TEMPLATE, work / "prepared")
        header, *rows = roster_rows(n + 1)
        self.certs = []
        for i, values in enumerate(rows):
            row = Row(number=i + 2, values=dict(zip(header, values)))
            cid = f"NAIVE-{i:05d}"
            self.certs.append(Certificate(row, cid, row_fields(self.event, row,
                                                               self.prepared.placeholders, cid)))
        self.soffice, self.work = find_soffice(), work
        self.seconds, self.done = 0.0, 0
        self._one(self.certs.pop())  # the first start creates the profile; a naive loop pays that once

    def _one(self, cert) -> None:
        """One certificate: render its .docx, start soffice to convert it."""
        from certkit.docs import render_docx

        doc = render_docx(self.prepared, cert, self.event, self.work / f"{cert.certificate_id}.docx")
        subprocess.run([self.soffice, f"-env:UserInstallation={(self.work / 'profile').as_uri()}",
                        "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                        str(self.work / "pdf"), str(doc)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)

    def measure(self, count: int) -> None:
        """Time `count` more certificates (fewer when the sample is used up)."""
        batch = [self.certs.pop() for _ in range(min(count, len(self.certs)))]
        start = time.perf_counter()
        for cert in batch:
            self._one(cert)
        self.seconds += time.perf_counter() - start
        self.done += len(batch)
        made = len(list((self.work / "pdf").glob("NAIVE-*.pdf")))
        if made != self.done + 1:
            raise SystemExit(f"the naive loop made {made} of {self.done + 1} PDFs")

    @property
    def rate(self) -> float:
        """Certificates per second so far."""
        return self.done / self.seconds


def measure(n: int, big: bool, naive_n: int, profile: str, repeat: int = 1) -> None:
    """Everything, printed as one table."""
    from tests.sheets_emulator import SheetsEmulator
    from tests.smtp_server import Sink, start_server

    root = Path(tempfile.mkdtemp(prefix="certkit-bench-"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start "
          f"(other work on the machine slows every figure)", flush=True)
    sizes = [n] * repeat + [10_000] * big
    naive = Naive(naive_n, root / "naive")
    share = -(-naive_n // len(sizes))  # the sample, spread over the rounds
    naive.measure(share)
    print(f"naive loop, one soffice start per certificate: {naive.rate:.2f} certs/s (measured on "
          f"{naive.done}; {naive_n} in all, {share} before each round)", flush=True)
    sink = Sink()
    sink.times = []  # when each message was accepted (Unix time): the first mail, mails by the last PDF
    sink.on_accept = lambda raw: sink.times.append(time.time())
    server = start_server(sink)
    rows = []
    try:
        with SheetsEmulator() as emulator:
            for k, size in enumerate(sizes):
                if k:
                    naive.measure(share)
                data = roster_rows(size)
                # every other round runs --send first: a machine speeding up or slowing down
                # during the benchmark then favours neither run of the ratio
                pair = (False, True) if k % 2 == 0 else (True, False)
                for send in pair if size == n else (True,):
                    key = emulator.add_spreadsheet("Bench", data, row_count=size + 10, col_count=10)
                    folder = root / f"event-{len(rows)}-{size}-{'send' if send else 'pdf'}"
                    make_event(folder, key, server.port)
                    if send:
                        print(f"N={size:>6} certkit check      {check_child(folder, emulator):7.1f} s "
                              "(every row checked, 3 sample certificates rendered)", flush=True)
                    kind = "send" if send else "pdf"
                    res = run_child(folder, emulator, sink, server, send=send,
                                    profile=f"{profile}.{kind}.{size}" if profile else "")
                    res.update(n=size, send=send, round=k,
                               verified=verify(folder, emulator.values(key)))
                    rows.append(res)
                    _print(res, naive.rate, rows)
        if repeat > 1:
            _medians([r for r in rows if r["n"] == n], naive.rate)
        if len(sizes) > 1:
            print(f"naive loop over the whole benchmark: {naive.rate:.2f} certs/s (measured on "
                  f"{naive.done}, between the rounds; each line's x naive used the sample so far)",
                  flush=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def _medians(rows: list[dict], rate_naive: float) -> None:
    """The median of the repeated runs (a shared machine's other work makes single runs vary)."""
    from statistics import median

    pdf = median(r["wall"] for r in rows if not r["send"])
    send = median(r["wall"] for r in rows if r["send"])
    ratios = [s["wall"] / p["wall"] for s in rows if s["send"] and (p := _partner(s, rows))]
    n = rows[0]["n"]
    print(f"N={n:>6} median of {len(ratios)}: PDFs only {pdf:.1f} s ({n / pdf:.1f} certs/s, "
          f"{n / pdf / rate_naive:.1f}x naive); run --send {send:.1f} s; --send / PDFs only in the "
          f"same round: median {median(ratios):.2f}x (each: {', '.join(f'{x:.2f}' for x in ratios)})",
          flush=True)


def _partner(res: dict, rows: list[dict]) -> dict | None:
    """The other run of res's round (PDFs only for a send, and the other way round), if made."""
    return next((r for r in rows if r["round"] == res["round"] and r["send"] != res["send"]), None)


def _print(res: dict, rate_naive: float, rows: list[dict]) -> None:
    """One result line."""
    made = res["counts"].get("Sent", 0) if res["send"] else res["counts"].get("Not sent", 0)
    rate = res["n"] / res["wall"]
    what = "run --send" if res["send"] else "run (PDFs only)"
    other = _partner(res, rows)
    ratio = ""
    if other:  # the round's second run: the ratio, and the CPU sending added
        send, pdf_only = (res, other) if res["send"] else (other, res)
        extra = send["cpu"] - pdf_only["cpu"] + send["server_cpu"] - pdf_only["server_cpu"]
        ratio = (f", this round's run --send took {send['wall'] / pdf_only['wall']:.2f}x the PDF-only "
                 f"time (CPU beyond the PDF-only run: {extra:+.1f} s, of which certkit's own process "
                 f"{send['cpu_self'] - pdf_only['cpu_self']:+.1f} s and the test SMTP server "
                 f"{send['server_cpu'] - pdf_only['server_cpu']:+.1f} s)")
    first = f", first mail after {res['first_mail']:.1f} s" if res["first_mail"] is not None else ""
    if res["send"]:
        first += (f", last PDF after {res['last_pdf']:.1f} s with {res['mailed_by_last_pdf']} "
                  "mails out by then")
    served = (f"; the test SMTP server's CPU {res['server_cpu']:.1f} s "
              f"({res['server_cpu'] / max(1, res['mails']) * 1000:.1f} ms a message)") if res["mails"] else ""
    print(f"N={res['n']:>6} {what:16} {res['wall']:7.1f} s  {rate:6.1f} certs/s  "
          f"{rate / rate_naive:5.1f}x naive{ratio}{first}; {made} done, {res['mails']} mails; "
          f"CPU {res['cpu']:.1f} s (process tree, {res['cpu'] / res['wall'] / (os.cpu_count() or 1):.0%} "
          f"of the cores; certkit's own process {res['cpu_self']:.1f} s){served}; "
          f"peak RSS (process tree) {res['peak'] / 2**20:.0f} MiB; Sheets requests "
          f"{res['requests']} ({res['reads']} reads, {res['writes']} writes); "
          f"{json.dumps(res['counts'])}; {res['verified']}", flush=True)


def main() -> None:
    """Parse the command line; the benchmark, or one child run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="certificates (default 1000)")
    parser.add_argument("--naive", type=int, default=20, help="certificates for the naive loop (20)")
    parser.add_argument("--big", action="store_true", help="also run --send of 10,000 rows")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run N=1,000 this many times and print the medians (default 1)")
    parser.add_argument("--profile", default="",
                        help="write cProfiles of the runs to PREFIX.pdf.N, PREFIX.send.N")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not TEMPLATE.exists():
        raise SystemExit(f"The benchmark template is missing: {TEMPLATE}\nPut landscape_certificate.docx "
                         "in ../shared/bench/ next to this repository's folder and run again.")
    measure(args.n, args.big, args.naive, os.path.abspath(args.profile) if args.profile else "",
            max(1, args.repeat))


if __name__ == "__main__":
    main()
