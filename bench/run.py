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
from harness import machine

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sections, all_met = [], True
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
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(header + sections) + "\n", encoding="utf-8")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
