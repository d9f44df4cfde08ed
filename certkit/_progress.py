"""Progress bars for the command line: one per stage (making PDFs, sending), on the terminal only."""

from __future__ import annotations

import sys
from typing import Any

LABELS = {"render": "Making PDFs", "send": "Sending"}


class ProgressBars:
    """A `progress(stage, done, total)` callback drawing a tqdm bar per stage on stderr."""

    def __init__(self, stream: Any = None):
        self.stream = stream or sys.stderr
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Move the stage's bar to `done` of `total` (a bar appears at a stage's first call).

        Stages overlap (sending starts while PDFs are still made), so each keeps its own line.
        """
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(
                total=total, desc=LABELS.get(stage, stage), unit="cert", file=self.stream,
                disable=not getattr(self.stream, "isatty", lambda: False)(), leave=True,
                position=len(self.bars),
            )
        bar.total = total
        bar.n = min(done, total)
        bar.refresh()

    def close(self) -> None:
        """Finish every bar."""
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()
