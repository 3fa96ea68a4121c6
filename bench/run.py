"""``make bench``: run every benchmark in one process and rewrite BENCHMARKS.md.

``python bench/run.py --only orders`` runs only the sections named and leaves BENCHMARKS.md as it
is. Either way the exit code is 0 only when every target of the sections run is met.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import alert_latency
import analytics
import analytics_consumer
import bus
import lake
import orders
import patterns
import reference
import sfn
import synth
import validation
from harness import machine

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = {
    "validation": validation,
    "patterns": patterns,
    "bus": bus,
    "lake": lake,
    "sfn": sfn,
    "orders": orders,
    "analytics": analytics,
    "analytics-consumer": analytics_consumer,
    "alert-latency": alert_latency,
    "synth": synth,
}


def verdicts(sections: list[tuple[str, bool]]) -> list[str]:
    """Each section's verdict and what its text says of its targets, from "Target" on."""
    lines = []
    for text, met in sections:
        title = text.splitlines()[0].removeprefix("## ")
        lines.append(f"{title}: {'met' if met else 'NOT met'}")
        for line in text.splitlines():
            found = re.search(r"\bTargets?: ", line)
            if found:
                lines.append(f"  {line[found.start() :]}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run this section only (may be given more than once); BENCHMARKS.md is not written",
    )
    args = parser.parse_args()
    sections = []
    speed_before = reference.reference_ms()
    for name in args.only or SECTIONS:
        text, met = SECTIONS[name].run()
        print(text, end="\n\n")
        sections.append((text, met))
    all_met = all(met for _, met in sections)
    print("\n".join(["# Targets", *verdicts(sections)]))
    print(f"\nExit {0 if all_met else 1}: {'every target met' if all_met else 'a target NOT met'}")
    if args.only:
        return 0 if all_met else 1
    missed = [text.splitlines()[0].removeprefix("## ") for text, met in sections if not met]
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
            f"- Machine speed: the reference workload ({reference.NAME}, `bench/reference.py`) "
            f"took {speed_before:.1f} ms of CPU before the benchmarks and "
            f"{reference.reference_ms():.1f} ms after (higher is slower: the machine is shared, "
            "so compare runs with this in mind)"
        ),
        (
            "- Targets: every one met (`make bench` exits 0)"
            if all_met
            else f"- Targets: NOT met in {', '.join(missed)} (`make bench` exits 1)"
        ),
        "",
    ]
    text = "\n".join(header + [text for text, _ in sections]) + "\n"
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
