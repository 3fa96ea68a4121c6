"""Compatibility modes and the check functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ordermesh_contracts.compat.changes import Change
from ordermesh_contracts.compat.diff import diff
from ordermesh_contracts.compat.refs import Resolver

Schema = Mapping[str, Any]


class Mode(StrEnum):
    """BACKWARD: new readers read old data (every old-valid document is new-valid).
    FORWARD: old readers read new data. FULL: both. *_TRANSITIVE: against every released
    schema instead of the latest only. NONE: no check (changes are still reported)."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")

    @property
    def base(self) -> Mode:
        return Mode(self.value.removesuffix("_TRANSITIVE"))

    @property
    def checks_backward(self) -> bool:
        return self.base in {Mode.BACKWARD, Mode.FULL}

    @property
    def checks_forward(self) -> bool:
        return self.base in {Mode.FORWARD, Mode.FULL}


@dataclass(frozen=True)
class Violation:
    """A change that breaks the mode against one released schema."""

    change: Change
    index: int  # position of the released schema in the history (0 = oldest)
    label: str
    direction: str  # "backward", "forward" or "backward+forward"

    def __str__(self) -> str:
        change = self.change
        where = f"{change.type} at {change.pointer}"
        return f"{where} breaks {self.direction} vs {self.label}: {change.message}"


@dataclass(frozen=True)
class CompatibilityResult:
    mode: Mode
    compatible: bool
    changes: list[Change]  # every change against the latest released schema
    violations: list[Violation]

    def __bool__(self) -> bool:
        return self.compatible


def _direction(change: Change, mode: Mode) -> str:
    broken = []
    if mode.checks_backward and not change.backward:
        broken.append("backward")
    if mode.checks_forward and not change.forward:
        broken.append("forward")
    return "+".join(broken)


def check(
    old: Schema, new: Schema, mode: Mode, resolver: Resolver | None = None
) -> CompatibilityResult:
    """Is ``new`` compatible with ``old`` under ``mode``?"""
    return check_history([old], new, mode, labels=["old"], resolver=resolver)


def check_history(
    history: Sequence[Schema],
    new: Schema,
    mode: Mode,
    labels: Sequence[str] | None = None,
    resolver: Resolver | None = None,
) -> CompatibilityResult:
    """Check ``new`` against released schemas ordered oldest -> latest.

    Non-transitive modes compare with the latest only, transitive ones with every schema.
    """
    mode = Mode(mode)
    if labels is None:
        labels = [f"v{index + 1}" for index in range(len(history))]
    if len(labels) != len(history):
        raise ValueError(f"{len(labels)} labels given for {len(history)} schemas")
    if not history:
        return CompatibilityResult(mode, compatible=True, changes=[], violations=[])
    latest = len(history) - 1
    changes = diff(history[latest], new, resolver)
    violations: list[Violation] = []
    if mode is not Mode.NONE:
        indices = range(len(history)) if mode.transitive else [latest]
        for index in indices:
            found = changes if index == latest else diff(history[index], new, resolver)
            for change in found:
                direction = _direction(change, mode)
                if direction:
                    violations.append(Violation(change, index, labels[index], direction))
    return CompatibilityResult(mode, not violations, changes, violations)
