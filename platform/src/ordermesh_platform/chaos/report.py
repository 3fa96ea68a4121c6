"""A chaos run's result: the table (rich) and its section of RELIABILITY.md, which the chaos
suite shares with the API fuzzing (each rewrites only the part between its markers)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ordermesh_platform.chaos.run import RunResult

BEGIN, END = "<!-- BEGIN chaos -->", "<!-- END chaos -->"
TITLE = "# Reliability\n"
SHOWN_VIOLATIONS = 5  # per invariant, in the report


def table(result: RunResult) -> Table:
    shown = Table("", "count", title="chaos run", show_header=False)
    accepted = sum(len(ids) for ids in result.evidence.accepted.values())
    shown.add_row("[bold]orders[/bold]", "")
    shown.add_row("  placed (load generator)", str(result.plan.orders))
    shown.add_row("  accepted (202)", str(accepted))
    for outcome, n in sorted(result.outcomes.items()):
        shown.add_row(f"  {outcome}", str(n))
    shown.add_row("[bold]faults injected[/bold]", "")
    for fault, n in sorted(result.faults.items()):
        shown.add_row(f"  {fault}", str(n))
    shown.add_row("[bold]invariants (violations)[/bold]", "")
    for name, found in result.violations.items():
        shown.add_row(f"  {name}", str(len(found)))
    shown.add_row("[bold]time[/bold]", "")
    shown.add_row("  load (s)", f"{result.load_seconds:.1f}")
    drained = "" if result.drained else " (not drained: timed out)"
    shown.add_row("  to drain (s)", f"{result.drain_seconds:.1f}{drained}")
    return shown


def violations_text(result: RunResult) -> str:
    lines: list[str] = []
    for name, found in result.violations.items():
        lines.extend(f"- {name}: {violation}" for violation in found[:SHOWN_VIOLATIONS])
        if len(found) > SHOWN_VIOLATIONS:
            lines.append(f"- {name}: … and {len(found) - SHOWN_VIOLATIONS} more")
    return "\n".join(lines)


def markdown(result: RunResult, command: str) -> str:
    """The chaos section of RELIABILITY.md, markers included."""
    console = Console(
        width=100,
        record=True,
        file=open(  # noqa: SIM115, PTH123
            "/dev/null", "w", encoding="utf-8"
        ),
    )
    console.print(table(result))
    total = sum(len(found) for found in result.violations.values())
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    faults = ", ".join(sorted(f.value for f in result.plan.faults))
    body = [
        BEGIN,
        "## Chaos suite",
        "",
        (
            f"`{command}`: {result.plan.orders} orders at {result.plan.rate:g}/s, seed "
            f"{result.plan.seed}, faults: {faults}. Machine: {machine}, {_cpus()} CPUs."
        ),
        "",
        f"**{total} violations.**",
        "",
        "```",
        console.export_text().rstrip(),
        "```",
    ]
    if total:
        body += ["", violations_text(result)]
    return "\n".join([*body, END]) + "\n"


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def write_section(path: Path, section: str) -> None:
    """Put ``section`` between the chaos markers of ``path`` (made with a title if missing),
    keeping everything else in it."""
    text = path.read_text(encoding="utf-8") if path.is_file() else TITLE
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
