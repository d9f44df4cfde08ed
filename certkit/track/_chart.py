"""One picture of how the event went: where every certificate stands, and sends and claims per day."""

from __future__ import annotations

from itertools import accumulate
from pathlib import Path

from ..errors import ConfigError
from ..status import BOUNCED, CLAIMED, FAILED, NOT_SENT, PENDING, REPLACED, REVOKED, SENT, UNKNOWN
from ._stats import Stats

COLORS = {NOT_SENT: "#9ca3af", PENDING: "#fcd34d", SENT: "#3b82f6", UNKNOWN: "#f59e0b",
          FAILED: "#b91c1c", BOUNCED: "#ef4444", CLAIMED: "#16a34a", REVOKED: "#4b5563",
          REPLACED: "#a78bfa"}


def _bars(stats: Stats) -> list[tuple[str, int, str]]:
    """(label, count, colour) per bar; Bounced is split by reason."""
    bars = []
    for status, n in stats.by_status.items():
        color = COLORS.get(status, "#6b7280")
        if status == BOUNCED and stats.bounce_reasons:
            for reason, k in stats.bounce_reasons.most_common():
                bars.append((f"Bounced: {reason}", k, color))
            rest = n - sum(stats.bounce_reasons.values())
            if rest > 0:
                bars.append(("Bounced: other", rest, color))
        else:
            bars.append((status, n, color))
    return bars


def stats_chart(stats: Stats, path: Path) -> Path:
    """Draw the event's chart and save it as a PNG at `path`; returns the path.

    Raises ConfigError when matplotlib is missing (it comes with certkit[notebook]).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError("Drawing the chart needs matplotlib: pip install 'certkit[notebook]'.") from None
    fig = Figure(figsize=(12, 5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    bars = _bars(stats)[::-1]
    labels = [b[0] for b in bars]
    left.barh(labels, [b[1] for b in bars], color=[b[2] for b in bars])
    top = max([b[1] for b in bars] or [1])
    for i, (_, n, _) in enumerate(bars):
        share = 100.0 * n / stats.total if stats.total else 0.0
        left.text(n + top * 0.01, i, f"{n} ({share:.0f}%)", va="center", fontsize=9)
    left.set_xlim(0, top * 1.25)
    left.set_title(f"Where the {stats.total} rows stand")
    left.set_xlabel("rows")
    left.spines[["top", "right"]].set_visible(False)

    days = sorted(set(stats.sends_per_day) | set(stats.claims_per_day))
    if days:
        x = range(len(days))
        sent = [stats.sends_per_day.get(d, 0) for d in days]
        claimed = [stats.claims_per_day.get(d, 0) for d in days]
        shift = 0.2 if any(claimed) else 0.0
        right.bar([i - shift for i in x], sent, width=0.4, color=COLORS[SENT], label="sent that day")
        if any(claimed):  # people who opened their personal link (certkit serve)
            right.bar([i + shift for i in x], claimed, width=0.4, color=COLORS[CLAIMED],
                      label="claimed that day")
            right.plot(list(x), list(accumulate(claimed)), color=COLORS[CLAIMED], marker="o",
                       linestyle="--", label="claimed so far")
        right.set_xticks(list(x), days, rotation=30, ha="right")
        right.set_xlim(-0.5 - max(0, 3 - len(days)) / 2, len(days) - 0.5 + max(0, 3 - len(days)) / 2)
        right.legend(frameon=False, fontsize=9)
    else:
        right.text(0.5, 0.5, "Nothing sent yet", ha="center", va="center", transform=right.transAxes)
        right.set_xticks([])
    right.set_title("Sent and claimed per day")
    right.set_ylabel("certificates")
    right.spines[["top", "right"]].set_visible(False)
    fig.suptitle(stats.name, fontweight="bold")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
