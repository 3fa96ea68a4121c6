"""CDK synthesis: each app's ``python app.py`` (cdk-nag included; Lambda packages already built
and cached, as on every synthesis after the first), three runs each, against the issue's
target of 15 s per app on this machine."""

from __future__ import annotations

import statistics

from ordermesh_cdk.synth import apps, synthesize

TARGET_SECONDS = 15.0
RUNS = 3


def run() -> tuple[str, bool]:
    rows, met = [], True
    for folder in apps():
        first = synthesize(folder)  # builds any package not cached yet
        if not first.ok:
            raise RuntimeError(f"{first.app} does not synthesize: {first.error}")
        seconds = [synthesize(folder).seconds for _ in range(RUNS)]
        median = statistics.median(seconds)
        met &= median <= TARGET_SECONDS
        rows.append(
            f"| {first.app} | {', '.join(first.stacks)} | {first.resources} | "
            f"{median:.1f} s | {min(seconds):.1f}-{max(seconds):.1f} s | "
            f"{'yes' if median <= TARGET_SECONDS else 'no'} |"
        )
    text = "\n".join(
        [
            "## CDK synthesis per app",
            "",
            (
                f"`python app.py` in each app's folder (cdk-nag AwsSolutions and Serverless packs "
                f"run during synthesis), median of {RUNS} runs after a first one that builds the "
                f"Lambda packages. Target: at most {TARGET_SECONDS:.0f} s per app."
            ),
            "",
            "| app | stacks | resources | median | range | target met |",
            "|---|---|---:|---:|---:|---|",
            *rows,
        ]
    )
    return text, met
