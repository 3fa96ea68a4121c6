"""``make synth``: synthesize every CDK app (the platform's and each service's that has an
``app.py``) into its ``cdk.out``, with cdk-nag on, run cfn-lint on every template, and print a
table: app, stacks, resources, nag acknowledgements, cfn-lint errors, seconds.

``python -m ordermesh_cdk.synth services/order`` does the same for the app folders named (a
unit's pipeline synthesizes its own app only).

Exits 1 if an app fails to synthesize (an unacknowledged nag finding does that) or a template
has a cfn-lint error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[3]
LINT_REGIONS = ("eu-west-1", "us-east-1")
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


@dataclass(frozen=True)
class AppResult:
    app: str
    ok: bool
    seconds: float
    stacks: tuple[str, ...] = ()
    resources: int = 0
    acknowledged: int = 0
    lint_errors: tuple[str, ...] = ()
    error: str = ""


def apps(root: Path = ROOT) -> list[Path]:
    """The folders holding a CDK app: the platform, then the services in name order."""
    found = [root / "platform", *sorted(p.parent for p in root.glob("services/*/app.py"))]
    return [folder for folder in found if (folder / "app.py").is_file()]


def synthesize(folder: Path) -> AppResult:
    name = str(folder.relative_to(ROOT))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        },
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return AppResult(name, ok=False, seconds=seconds, error=_findings(done.stderr))
    out = folder / "cdk.out"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stacks = sorted(
        artifact_id
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    resources, acknowledged, lint_errors = 0, 0, []
    for stack in stacks:
        template = out / f"{stack}.template.json"
        resources += len(json.loads(template.read_text(encoding="utf-8"))["Resources"])
        metadata = json.loads((out / f"{stack}.metadata.json").read_text(encoding="utf-8"))
        acknowledged += sum(
            len(entry["data"])
            for entries in metadata.values()
            for entry in entries
            if entry.get("type") == ACKNOWLEDGED
        )
        lint_errors += cfn_lint_errors(template)
    return AppResult(
        name,
        ok=not lint_errors,
        seconds=seconds,
        stacks=tuple(stacks),
        resources=resources,
        acknowledged=acknowledged,
        lint_errors=tuple(lint_errors),
    )


def cfn_lint_errors(template: Path) -> list[str]:
    """cfn-lint's errors (not warnings or informational findings) on one template."""
    from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

    findings = lint_file(template, ManualArgs(regions=list(LINT_REGIONS)))
    return [str(f) for f in findings if f.rule.id.startswith("E")]


def _findings(stderr: str) -> str:
    """The nag findings (or the last lines) of a failed synthesis."""
    lines = [line for line in stderr.splitlines() if not line.startswith("b'")]
    findings = [line.strip() for line in lines if "Acknowledge with" in line or "ERROR" in line]
    return "\n".join(findings or lines[-15:])


def main(argv: list[str] | None = None) -> int:
    """Synthesize the app folders in ``argv`` (default: every app); 2 if one holds no app."""
    console = Console(width=140)
    folders = [Path(arg).resolve() for arg in argv] if argv else apps()
    if missing := [str(f) for f in folders if not (f / "app.py").is_file()]:
        console.print(f"no CDK app (app.py) in {', '.join(missing)}", markup=False)
        return 2
    results = [synthesize(folder) for folder in folders]
    table = Table(title="CDK apps (cdk-nag AwsSolutions + Serverless, cfn-lint)")
    for column in ("app", "stacks", "resources", "nag errors", "acknowledged", "cfn-lint errors"):
        table.add_column(column)
    table.add_column("synth", justify="right")
    for r in results:
        table.add_row(
            r.app,
            ", ".join(r.stacks) or "-",
            str(r.resources),
            "0" if r.ok or r.lint_errors else "failed",
            str(r.acknowledged),
            str(len(r.lint_errors)),
            f"{r.seconds:.1f} s",
        )
    console.print(table)
    for r in results:
        for message in (r.error, *r.lint_errors):
            if message:
                console.print(f"[red]{r.app}[/red]: {message}", markup=True, highlight=False)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
