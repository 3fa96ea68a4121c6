"""``make fuzz``: every HTTP API fuzzed with at least 1,000 generated cases on a fresh running
system each, the results table written to RELIABILITY.md between its fuzz markers (the rest of
the file, the chaos suite's results, is kept). Exits 1 if any API failed."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import start_system
from tests.fuzz.apis import APIS, ROOT
from tests.fuzz.harness import Result, fuzz

BEGIN, END = "<!-- BEGIN fuzz -->", "<!-- END fuzz -->"
REPORT = ROOT / "RELIABILITY.md"


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def section(results: list[Result], cases: int, seconds: float) -> str:
    rows = [
        "| API | cases | 5xx | non-problem 4xx | schema violations | store changed on rejection |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {r.api} | {r.cases:,} | {r.server_errors} | {r.not_problems} | "
            f"{r.schema_violations} | {r.store_changed} |"
            for r in results
        ),
    ]
    failures = [f"- {r.api}: {f}" for r in results for f in r.failures]
    return "\n".join(
        [
            BEGIN,
            "## API fuzzing",
            "",
            (
                f"`make fuzz` (`python -m tests.fuzz.run --cases {cases}`): schemathesis from "
                "each committed OpenAPI document, half the cases valid under it and half not, "
                f"hypothesis derandomized; {seconds:.0f} s on {machine()}."
            ),
            "",
            *rows,
            "",
            *(["Failures (the first of each API):", "", *failures, ""] if failures else []),
            END,
        ]
    )


def write(text: str, path: Path = REPORT) -> None:
    """Replace the fuzz section of ``path``, keeping everything else (create it if missing)."""
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Reliability\n"
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000, help="generated cases per API")
    cases = parser.parse_args().cases
    started = time.monotonic()
    results = []
    for api in APIS:
        with tempfile.TemporaryDirectory() as folder:
            system = start_system(Path(folder))
            try:
                results.append(fuzz(api, Path(folder) / "state", system.url, cases))
            finally:
                system.stop()
        sys.stderr.write(f"{results[-1]}\n")
    write(section(results, cases, time.monotonic() - started))
    return 1 if any(r.failed or r.cases < cases for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
