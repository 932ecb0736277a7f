"""Lines a test wants in the terminal summary (figures a closing note quotes: counts, latencies),
printed after the per-server counts even when output is captured."""

from __future__ import annotations

SUMMARY: list[str] = []
