"""How long writing statuses into a local .xlsx roster takes: openpyxl load+save per flush (the old
way, which also dropped formulas' computed values) against certkit's surgical zip edit.

Both write N rows' statuses in flushes of --flush rows into a copy of the same workbook (a formula
column included), after one read of the roster.

Usage:  python benchmarks/bench_xlsx.py [--n 1000] [--flush 50]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl

from certkit.sheets import StatusUpdate, XlsxRosterSource, fingerprint

COLUMNS = {"certificate_id": "Certificate ID", "status": "Status", "sent_at": "Sent at",
           "detail": "Detail"}
IDENTITY = ["Email", "Full Name"]


def make(path: Path, n: int) -> None:
    """A roster of n people with a formula column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["First", "Last", "Full Name", "Email", "Score", *COLUMNS.values()])
    for i in range(2, n + 2):
        sheet.append([f"First{i}", f"Last{i}", f'=A{i}&" "&B{i}', f"p{i}@example.org", i % 100])
    book.save(path)


def old_way(path: Path, n: int, flush: int) -> float:
    """openpyxl: load the workbook, set the cells, save it, once per flush."""
    start = time.perf_counter()
    for first in range(2, n + 2, flush):
        book = openpyxl.load_workbook(path)
        sheet = book.active
        for row in range(first, min(first + flush, n + 2)):
            for col, text in enumerate((f"CK-{row:08d}", "Sent", "2026-12-01 19:41", ""), start=6):
                sheet.cell(row=row, column=col).value = text
        book.save(path)
    return time.perf_counter() - start


def new_way(path: Path, flush: int) -> float:
    """certkit: one read, then one zip edit per flush."""
    start = time.perf_counter()
    source = XlsxRosterSource(path, status_columns=COLUMNS, identity=IDENTITY)
    rows = source.read().rows
    for first in range(0, len(rows), flush):
        source.write([StatusUpdate(r.number, fingerprint(r, IDENTITY),
                                   {"certificate_id": f"CK-{r.number:08d}", "status": "Sent",
                                    "sent_at": "2026-12-01 19:41", "detail": ""},
                                   certificate_id=f"CK-{r.number:08d}")
                      for r in rows[first:first + flush]])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--flush", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.xlsx"
        make(base, args.n)
        a, b = Path(tmp) / "a.xlsx", Path(tmp) / "b.xlsx"
        shutil.copyfile(base, a)
        shutil.copyfile(base, b)
        old = old_way(a, args.n, args.flush)
        new = new_way(b, args.flush)
    flushes = -(-args.n // args.flush)
    print(f"{args.n} rows, {flushes} flushes of {args.flush}:")
    print(f"  openpyxl load+save per flush: {old:6.2f} s ({old / flushes * 1000:.0f} ms/flush)")
    print(f"  certkit zip edit (one read):  {new:6.2f} s ({new / flushes * 1000:.0f} ms/flush)")


if __name__ == "__main__":
    main()
