"""Timing helpers: interleaved rounds, medians and ratios measured in one run."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    name: str
    per_op_seconds: float  # median over rounds
    rounds: int
    ops_per_round: int

    @property
    def ops_per_second(self) -> float:
        return 1.0 / self.per_op_seconds


def compare(
    contenders: dict[str, Callable[[], int]], rounds: int = 15, min_round_seconds: float = 0.2
) -> dict[str, Timing]:
    """Time each contender (a callable doing N operations and returning N) in interleaved rounds.

    Interleaving spreads the noise of a shared machine over every contender alike; each round is
    long enough to dwarf the timer; the median per-operation time is reported.
    """
    repeat = {name: _calibrate(fn, min_round_seconds) for name, fn in contenders.items()}
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    ops: dict[str, int] = {}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            n = sum(fn() for _ in range(repeat[name]))
            samples[name].append((time.perf_counter() - start) / n)
            ops[name] = n
    return {
        name: Timing(name, statistics.median(s), rounds, ops[name]) for name, s in samples.items()
    }


def table_rows(timings: Iterable[Timing], reference: Timing, digits: int = 1) -> list[str]:
    """Markdown rows ``| name | per op (µs) | ops/s | speed-up vs reference |``."""
    return [
        f"| {t.name} | {t.per_op_seconds * 1e6:,.{digits}f} µs | {t.ops_per_second:,.0f} | "
        f"{reference.per_op_seconds / t.per_op_seconds:.1f}x |"
        for t in timings
    ]


def _calibrate(fn: Callable[[], int], min_seconds: float) -> int:
    repeat = 1
    while True:
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        if time.perf_counter() - start >= min_seconds:
            return repeat
        repeat *= 2


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
