"""The catalog's two pictures as SVG, drawn here in Python (no script, nothing to build):

- a state machine, from its states and transitions: states in layers by their longest path from
  the start (a back edge, were there one, does not lengthen it), edges as curves with their
  labels (``catch …``, ``choice``, ``default``);
- who talks to whom: the producing units on the left, every event version in the middle, the
  consuming units on the right, each box a link to its page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ordermesh_platform.event_catalog.model import (
    CatalogModel,
    MachinePage,
    event_href,
    service_href,
)

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 190, 34, 40, 56, 20
_COLOURS = {"Task": "#dbeafe", "Choice": "#fef3c7", "Succeed": "#dcfce7", "Fail": "#fee2e2"}
_ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/>'
    "</marker></defs>"
)


def layers(start: str, names: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each state's layer: its longest distance from ``start`` over forward edges."""
    following: dict[str, list[str]] = {name: [] for name in names}
    for source, target in edges:
        following.setdefault(source, []).append(target)
    order, back = _depth_first(following, [start, *names])
    layer = dict.fromkeys(order, 0)
    for name in reversed(order):  # a reverse postorder is a topological order
        for target in following.get(name, []):
            if (name, target) not in back:
                layer[target] = max(layer[target], layer[name] + 1)
    return layer


def _depth_first(
    following: dict[str, list[str]], roots: Sequence[str]
) -> tuple[list[str], set[tuple[str, str]]]:
    """The postorder of a depth-first walk from ``roots``, and the edges that close a cycle."""
    order: list[str] = []
    seen: set[str] = set()
    on_path: set[str] = set()
    back: set[tuple[str, str]] = set()

    def visit(name: str) -> None:
        seen.add(name)
        on_path.add(name)
        for target in following.get(name, []):
            if target in on_path:
                back.add((name, target))
            elif target not in seen:
                visit(target)
        on_path.discard(name)
        order.append(name)

    for name in roots:
        if name not in seen:
            visit(name)
    return order, back


def machine_svg(machine: MachinePage) -> str:
    names = [name for name, _, _ in machine.states]
    kinds = {name: kind for name, kind, _ in machine.states}
    pairs = [(t.source, t.target) for t in machine.transitions]
    layer = layers(machine.start, names, pairs)
    rows: dict[int, list[str]] = {}
    for name in names:
        rows.setdefault(layer[name], []).append(name)
    width = max(len(row) for row in rows.values()) * (BOX_W + GAP_X) + 2 * MARGIN
    at = {}
    for depth, row in rows.items():
        offset = (width - len(row) * (BOX_W + GAP_X) + GAP_X) / 2
        for i, name in enumerate(row):
            at[name] = (offset + i * (BOX_W + GAP_X), MARGIN + depth * (BOX_H + GAP_Y))
    height = MARGIN * 2 + len(rows) * (BOX_H + GAP_Y)
    parts = [_svg_open(width, height, f"state machine {machine.name}"), _ARROW]
    for t in machine.transitions:
        (x1, y1), (x2, y2) = at[t.source], at[t.target]
        parts.append(
            _curve(
                x1 + BOX_W / 2,
                y1 + BOX_H,
                x2 + BOX_W / 2,
                y2,
                t.label,
                dashed=t.label.startswith("catch"),
            )
        )
    for name in names:
        x, y = at[name]
        fill = _COLOURS.get(kinds[name], "#f3f4f6")
        parts.append(_box(x, y, _Box(name, kinds[name], fill, f"state-{name}")))
    return "".join(parts) + "</svg>"


def graph_svg(model: CatalogModel, prefix: str = "") -> str:
    """Producers → event versions → consumers; ``prefix`` leads from the page to the site root."""
    producers = sorted({e.producer for e in model.edges})
    keys = sorted({e.event for e in model.edges})
    consumers = sorted({e.consumer for e in model.edges})
    rows = max(len(producers), len(keys), len(consumers))
    height = MARGIN * 2 + rows * (BOX_H + 12)
    width = MARGIN * 2 + 3 * BOX_W + 2 * 150
    columns = [MARGIN, MARGIN + BOX_W + 150, MARGIN + 2 * (BOX_W + 150)]

    def place(count: int, index: int) -> float:
        return MARGIN + (rows - count) * (BOX_H + 12) / 2 + index * (BOX_H + 12)

    left = {name: (columns[0], place(len(producers), i)) for i, name in enumerate(producers)}
    middle = {key: (columns[1], place(len(keys), i)) for i, key in enumerate(keys)}
    right = {name: (columns[2], place(len(consumers), i)) for i, name in enumerate(consumers)}
    parts = [_svg_open(width, height, "who talks to whom, by event version"), _ARROW]
    for source, key in sorted({(e.producer, e.event) for e in model.edges}):
        (x1, y1), (x2, y2) = left[source], middle[key]
        parts.append(_side_curve(x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2))
    for key, target in sorted({(e.event, e.consumer) for e in model.edges}):
        (x1, y1), (x2, y2) = middle[key], right[target]
        parts.append(_side_curve(x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2))
    for name, (x, y) in left.items():
        box = _Box(name, "produces", "#dbeafe", f"producer-{name}", prefix + service_href(name))
        parts.append(_box(x, y, box))
    for key, (x, y) in middle.items():
        box = _Box(key.ref, key.domain, "#fef3c7", f"event-{key.ref}", prefix + event_href(key))
        parts.append(_box(x, y, box))
    for name, (x, y) in right.items():
        box = _Box(name, "consumes", "#dcfce7", f"consumer-{name}", prefix + service_href(name))
        parts.append(_box(x, y, box))
    return "".join(parts) + "</svg>"


def _svg_open(width: float, height: float, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" font-family="sans-serif" '
        f'font-size="12"><title>{escape(title)}</title>'
    )


@dataclass(frozen=True)
class _Box:
    text: str
    kind: str  # the small second line
    fill: str
    ident: str
    href: str | None = None


def _box(x: float, y: float, box: _Box) -> str:
    middle = f'x="{x + BOX_W / 2:.0f}" text-anchor="middle"'
    body = (
        f'<g class="node" data-name="{escape(box.text)}" id="{escape(box.ident)}">'
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{box.fill}" stroke="#555"/>'
        f'<text {middle} y="{y + 15:.0f}">{escape(box.text)}</text>'
        f'<text {middle} y="{y + 28:.0f}" font-size="9" fill="#555">{escape(box.kind)}</text></g>'
    )
    return f'<a href="{escape(box.href)}">{body}</a>' if box.href else body


def _curve(x1: float, y1: float, x2: float, y2: float, label: str, *, dashed: bool) -> str:
    bend = max(abs(y2 - y1) / 2, 30)
    path = (
        f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + bend:.0f} {x2:.0f},{y2 - bend:.0f} {x2:.0f},{y2:.0f}"
    )
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    at = f'x="{(x1 + x2) / 2 + 4:.0f}" y="{(y1 + y2) / 2:.0f}"'
    text = f'<text {at} font-size="9" fill="#7c2d12">{escape(label)}</text>' if label else ""
    return f'<path d="{path}" fill="none" stroke="#555"{dash} marker-end="url(#arrow)"/>{text}'


def _side_curve(x1: float, y1: float, x2: float, y2: float) -> str:
    mid = (x1 + x2) / 2
    path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    return f'<path d="{path}" fill="none" stroke="#888" marker-end="url(#arrow)"/>'
