"""The comparison context: collected changes, the recursion guard and sub-comparisons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ordermesh_contracts.compat.changes import Change, make_change
from ordermesh_contracts.compat.refs import Node

_MAX_DEPTH = 200


@dataclass(frozen=True)
class Relation:
    """What a sub-comparison proved, and the changes it found."""

    backward: bool
    forward: bool
    changes: tuple[Change, ...]

    @property
    def identical(self) -> bool:
        return not self.changes


@dataclass
class Ctx:
    walk: Callable[[Ctx, Node, Node, str], None]
    changes: list[Change] = field(default_factory=list)
    active: set[tuple[int, int]] = field(default_factory=set)
    depth: int = 0

    def emit(self, type_name: str, pointer: str, message: str) -> None:
        self.changes.append(make_change(type_name, pointer, message))

    def extend(self, changes: tuple[Change, ...] | list[Change]) -> None:
        self.changes.extend(changes)

    def compare(self, old: Node, new: Node, pointer: str) -> None:
        if self.depth >= _MAX_DEPTH:
            self.emit("UNRESOLVED_REF_CHANGED", pointer, "schemas nest too deeply to compare")
            return
        self.depth += 1
        try:
            self.walk(self, old, new, pointer)
        finally:
            self.depth -= 1

    def relate(self, old: Node, new: Node, pointer: str) -> Relation:
        """Compare in a sub-context and report what was proved, without emitting."""
        sub = Ctx(self.walk, [], self.active, self.depth)
        sub.compare(old, new, pointer)
        return Relation(
            backward=all(change.backward for change in sub.changes),
            forward=all(change.forward for change in sub.changes),
            changes=tuple(sub.changes),
        )
