"""Delivery tracking after sending: statistics and their chart, and `certkit serve` (pages, links, claims)."""

from ._chart import stats_chart
from ._stats import CHART_FILE, Stats, event_stats, ledger_stats

__all__ = [
    "CHART_FILE",
    "Stats",
    "event_stats",
    "ledger_stats",
    "stats_chart",
]
