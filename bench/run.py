"""``make bench``: run every benchmark in one process and rewrite BENCHMARKS.md."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import bus
import orders
import patterns
import sfn
import synth
import validation
from harness import machine, machine_speed

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sections, all_met = [], True
    speed_before = machine_speed()
    for bench in (validation, patterns, bus, sfn, orders, synth):
        text, met = bench.run()
        print(text, end="\n\n")
        sections.append(text)
        all_met &= met
    header = [
        "# Benchmarks",
        "",
        (
            "Written by `make bench` (`uv run python bench/run.py`); every ratio compares "
            "contenders measured in the same run on the same machine."
        ),
        "",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        (
            f"- Machine speed: a fixed JSON and SQLite workload took {speed_before:.0f} ms of CPU "
            f"before the benchmarks and {machine_speed():.0f} ms after (higher is slower: the "
            "machine is shared, so compare runs with this in mind)"
        ),
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(header + sections) + "\n", encoding="utf-8")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
