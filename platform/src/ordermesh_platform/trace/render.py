"""An order's trace in the terminal: a rich table, one row per span in causal order, with its
offset from the first span, its duration, its place in the tree and a bar on a shared scale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ordermesh_platform.trace.model import Span, SpanKind, Trace

BAR_WIDTH = 40
STYLES: dict[SpanKind, str] = {
    "request": "bold white",
    "event": "bold cyan",
    "delivery": "dim",
    "invocation": "green",
    "dead-letter": "bold red",
    "execution": "bold magenta",
    "state": "magenta",
    "provider": "yellow",
}


def render(trace: Trace) -> Table:
    table = Table(title=f"order {trace.order_id}", title_justify="left", expand=False)
    table.add_column("offset", justify="right", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("span", no_wrap=True)
    table.add_column("waterfall", no_wrap=True, width=BAR_WIDTH)
    table.add_column("detail")
    start = trace.start or 0.0
    end = max((p.span.end for p in trace.spans), default=start)
    scale = max(end - start, 1e-6)
    for placed in trace.spans:
        span = placed.span
        name = Text("  " * placed.depth + span.name, style=STYLES[span.kind])
        table.add_row(
            f"{(span.start - start) * 1000:,.1f} ms",
            "" if span.duration is None else f"{span.duration * 1000:,.1f} ms",
            name,
            _bar(span, start, scale),
            _detail(span),
        )
    if not trace.spans:
        table.add_row("", "", Text("nothing is known of this order", style="red"), "", "")
    for note in trace.notes:
        table.caption = (table.caption + "\n" if table.caption else "") + note
    return table


def _bar(span: Span, start: float, scale: float) -> Text:
    left = min(int((span.start - start) / scale * BAR_WIDTH), BAR_WIDTH - 1)
    if span.duration is None:
        return Text(" " * left + "◆", style=STYLES[span.kind])
    length = max(1, round(span.duration / scale * BAR_WIDTH))
    return Text(" " * left + "█" * min(length, BAR_WIDTH - left), style=STYLES[span.kind])


def _detail(span: Span) -> Text:
    if span.gap:
        return Text(f"⚠ gap: {span.gap}", style="bold red")
    shown = {
        "event": ("eventId",),
        "delivery": ("attempts", "retries"),
        "invocation": ("outcome", "error"),
        "dead-letter": ("error",),
        "execution": ("status",),
        "provider": ("idempotencyKey", "replayed", "down", "lost"),
    }.get(span.kind, ())
    parts = [f"{k}={span.detail[k]}" for k in shown if span.detail.get(k) not in (None, False)]
    return Text(" ".join(parts), style="red" if span.detail.get("outcome") == "error" else "")
