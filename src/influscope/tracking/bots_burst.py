"""Bursts: many hits from one visitor on one link within seconds, which no person produces.

A visitor (visitor hash: address + user agent + workspace, salted per day) whose hits on one link
reach ``threshold`` within ``window`` seconds of the first hit of that window is bursting: that hit
and the ones after it, until a window passes quietly, are flagged ``signal:burst``. A person who
taps twice or reloads stays far below the threshold.

The redirect keeps one detector per server process (with several workers, each sees its share of
the hits, so a burst is caught a little later); ``influscope links reclassify`` runs the same
detector over the stored clicks in time order, so both give the same verdicts for one process.
"""

from __future__ import annotations

from datetime import datetime

BURST_THRESHOLD = 5  # hits ...
BURST_WINDOW_S = 10.0  # ... within this many seconds of the window's first hit


class BurstDetector:
    """Counts hits per (link, visitor hash) in fixed windows; bounded to MAX_KEYS visitors."""

    def __init__(self, threshold: int = BURST_THRESHOLD, window_s: float = BURST_WINDOW_S, max_keys: int = 100_000):
        self.threshold = threshold
        self.window_s = window_s
        self.max_keys = max_keys
        self._seen: dict[tuple[int, str], list] = {}  # key -> [window start, hits in window]

    def hit(self, link_id: int, visitor_hash: str | None, ts: datetime) -> bool:
        """Record a hit at TS (naive UTC); True if it is part of a burst."""
        if visitor_hash is None:
            return False
        key = (link_id, visitor_hash)
        entry = self._seen.get(key)
        if entry is None or (ts - entry[0]).total_seconds() > self.window_s:
            if entry is None and len(self._seen) >= self.max_keys:
                self._evict(ts)
            self._seen[key] = [ts, 1]
            return self.threshold <= 1
        entry[1] += 1
        return entry[1] >= self.threshold

    def _evict(self, now: datetime) -> None:
        """Drop the windows that are over; if all are live, start afresh (memory stays bounded)."""
        live = {k: v for k, v in self._seen.items() if (now - v[0]).total_seconds() <= self.window_s}
        self._seen = live if len(live) < self.max_keys // 2 else {}
