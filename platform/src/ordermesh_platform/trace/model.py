"""One order's trace: spans in causal order, as a waterfall draws them, and its JSON.

A span is something that happened for the order: an HTTP request, an event on the bus, a
delivery of it to a rule's target, a handler invocation, a dead letter, the saga's execution and
its states, a call to the payment provider. Each names the span it came from (``parent``); a
span whose cause is unknown is a root, and when it claimed a cause that is nowhere to be found
(a causation id naming nothing) it carries a ``gap``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

SpanKind = Literal[
    "request", "event", "delivery", "invocation", "dead-letter", "execution", "state", "provider"
]


@dataclass
class Span:
    id: str  # unique in the trace: "<kind>:<what identifies it>"
    kind: SpanKind
    name: str
    start: float  # seconds since the epoch
    duration: float | None = None  # None: a point in time (an event)
    parent: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    gap: str | None = None  # why this span's cause could not be found
    children: list[Span] = field(default_factory=list, repr=False)

    @property
    def end(self) -> float:
        return self.start + (self.duration or 0.0)


@dataclass(frozen=True)
class Placed:
    """A span with its depth in the tree, in causal order."""

    span: Span
    depth: int


@dataclass
class Trace:
    order_id: str
    spans: list[Placed]
    notes: list[str] = field(default_factory=list)  # what could not be read, and why

    @property
    def start(self) -> float | None:
        return min((p.span.start for p in self.spans), default=None)

    @property
    def gaps(self) -> list[Span]:
        return [p.span for p in self.spans if p.span.gap]

    def find(self, kind: SpanKind) -> Iterator[Placed]:
        return (p for p in self.spans if p.span.kind == kind)

    def to_json(self) -> dict[str, Any]:
        start = self.start or 0.0
        return {
            "orderId": self.order_id,
            "start": _iso(start) if self.spans else None,
            "spans": [_span_json(p, start) for p in self.spans],
            "gaps": [{"span": s.id, "reason": s.gap} for s in self.gaps],
            "notes": self.notes,
        }


def _span_json(placed: Placed, start: float) -> dict[str, Any]:
    span = placed.span
    return {
        "id": span.id,
        "kind": span.kind,
        "name": span.name,
        "parent": span.parent,
        "depth": placed.depth,
        "at": _iso(span.start),
        "offsetMs": round((span.start - start) * 1000, 3),
        "durationMs": None if span.duration is None else round(span.duration * 1000, 3),
        "detail": span.detail,
        "gap": span.gap,
    }


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def causal_order(spans: list[Span]) -> list[Placed]:
    """Roots by start, each followed by its descendants (children by start), depth first."""
    by_id = {s.id: s for s in spans}
    for span in spans:
        span.children = []
    roots = []
    for span in spans:
        parent = by_id.get(span.parent) if span.parent else None
        if parent is None or parent is span:
            roots.append(span)
        else:
            parent.children.append(span)
    placed: list[Placed] = []
    stack = [(root, 0) for root in sorted(roots, key=_when, reverse=True)]
    seen: set[str] = set()
    while stack:
        span, depth = stack.pop()
        if span.id in seen:  # a cycle of causes: shown once
            continue
        seen.add(span.id)
        placed.append(Placed(span, depth))
        stack.extend((c, depth + 1) for c in sorted(span.children, key=_when, reverse=True))
    return placed


def _when(span: Span) -> tuple[float, int]:
    return span.start, _KIND_ORDER.index(span.kind)


# At the same instant: a state before the command it sends, a delivery before its invocation.
_KIND_ORDER: list[SpanKind] = [
    "request",
    "execution",
    "state",
    "event",
    "delivery",
    "invocation",
    "provider",
    "dead-letter",
]
