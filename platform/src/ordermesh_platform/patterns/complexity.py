"""How complex a rule's wildcards make matching, and the limit EventBridge puts on it.

aws/event-ruler's ``MachineComplexityEvaluator`` scores a field's byte machine: over every set of
states that one input value can occupy at once, the wildcard patterns each state still leads to,
summed; the score is the largest such sum, the number of wildcard-pattern prefixes a worst-case
value matches at one time, which is what matching it costs.

As event-ruler's README says to apply it, a rule is scored on a machine of its own that holds
the rule's branches that use ``wildcard`` (or ``anything-but`` ``wildcard``): each branch's
fields in sorted order, each field's values leading on to the next field, branches sharing what
they have in common. So ``$or`` branches that test one field with wildcards, after the same values
of the fields before it, add up in one byte machine, as several wildcard values of one field do;
branches that part earlier are scored apart. The rule's score is the largest of its byte
machines'. As in event-ruler 2.0, fields reached only through ``{"exists": false}`` are not scored.

``compile_pattern`` runs the check; matching an event does not change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from typing import Final

from ._byte_states import (
    ByteState,
    Match,
    NameState,
    Single,
    Transition,
    next_state,
    ordered,
    own_match,
    transitions,
)
from ._values import java_order
from ._wildcard_machine import ByteMachine
from .compiler import Branch, Condition, Kind
from .errors import InvalidEventPatternError

MAX_COMPLEXITY: Final = 10
"""The highest score EventBridge accepts (see docs/decisions/2026-12-05-wildcard-complexity.md)."""

TOO_COMPLEX: Final = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)

_WILDCARD_KINDS: Final = frozenset({Kind.WILDCARD, Kind.ANYTHING_BUT_WILDCARD})
_SET_KINDS: Final = frozenset(
    {
        Kind.ANYTHING_BUT_PREFIX,
        Kind.ANYTHING_BUT_SUFFIX,
        Kind.ANYTHING_BUT_IGNORE_CASE,
        Kind.ANYTHING_BUT_WILDCARD,
    }
)


def check_complexity(branches: Iterable[Branch]) -> None:
    """Raise InvalidEventPatternError if EventBridge would find the rule too complex."""
    if rule_complexity(branches, MAX_COMPLEXITY + 1) > MAX_COMPLEXITY:
        raise InvalidEventPatternError(TOO_COMPLEX, None)


def rule_complexity(branches: Iterable[Branch], cap: int) -> int:
    """The rule's score, at most ``cap`` (the evaluation stops there)."""
    root = _Node()
    for branch in branches:
        if any(c.kind in _WILDCARD_KINDS for conditions in branch.values() for c in conditions):
            _add_step(root, sorted(branch, key=java_order), branch)
    largest = 0
    seen: set[_Node] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for field in node.fields.values():
            largest = max(largest, machine_complexity(field.machine, cap))
            if largest >= cap:
                return cap
            pending.extend(state for state in field.next.values() if isinstance(state, _Node))
    return largest


def machine_complexity(machine: ByteMachine, cap: int) -> int:
    """A byte machine's score, at most ``cap`` (``ByteMachine.evaluateComplexity``)."""
    return (1 if machine.start_match else 0) + _evaluate(machine.start, cap)


class _Field:
    """A field tested at one point of the rule's machine: where each of its patterns leads."""

    __slots__ = ("absent", "machine", "next")

    def __init__(self) -> None:
        self.machine = ByteMachine()
        self.next: dict[Hashable, NameState] = {}
        self.absent: NameState | None = None


class _Node(NameState):
    """A point of the rule's machine (event-ruler's ``NameState``): the fields tested there."""

    __slots__ = ("fields",)

    def __init__(self) -> None:
        self.fields: dict[str, _Field] = {}


def _add_step(node: _Node, keys: list[str], branch: Branch) -> None:
    """``GenericMachine.addStep``: the first key's values from ``node``, then the other keys
    from every state those values lead to."""
    field = node.fields.setdefault(keys[0], _Field())
    reached: dict[_Node, None] = {}
    last: NameState | None = None
    for condition in branch[keys[0]]:
        if condition.kind is Kind.ABSENT:
            field.absent = field.absent or last or _Node()
            last = field.absent
        else:
            last = _add_value(field, condition, last)
        if not isinstance(last, _Node):
            raise TypeError("a value leads to a point of the rule's machine")
        reached[last] = None
    for following in reached if len(keys) > 1 else ():
        _add_step(following, keys[1:], branch)


def _add_value(field: _Field, condition: Condition, last: NameState | None) -> NameState:
    """Where a value leads: where it already did, else where the value before it in the list
    led, else a new point (event-ruler hands each value's next state on to the next value)."""
    identity = _identity(condition)
    if identity in field.next:
        return field.next[identity]
    following = last or _Node()
    if condition.kind is Kind.WILDCARD:
        field.machine.add([f'"{condition.value}"'], identity, following)
    elif condition.kind is Kind.ANYTHING_BUT_WILDCARD:
        field.machine.add([f'"{value}"' for value in condition.value], identity, following)
    field.next[identity] = following
    return following


def _identity(condition: Condition) -> Hashable:
    """What makes two values one pattern (``Patterns.equals``): a list of alternatives is a set."""
    if condition.kind in _SET_KINDS:
        return Condition(condition.kind, frozenset(condition.value))
    return condition


def _evaluate(start: ByteState, cap: int) -> int:
    """``MachineComplexityEvaluator.evaluate`` on one byte machine, without the recursion into
    the states its matches lead to (``rule_complexity`` walks those)."""
    accessible = _matches_accessible(start)

    def ahead(single: Single) -> int:
        return len({match.pattern for match in accessible[single]})

    visited: set[Transition] = {frozenset((start,))}
    queue = deque(transitions([start]))
    largest = 0
    while queue:
        transition = queue.popleft()
        if transition in visited:
            continue
        visited.add(transition)
        size = 0
        for single in transition:
            size += ahead(single)
            following = next_state(single)
            if following is not None:
                # An input that reaches a state also matches the * loops out of it.
                for loop in following.transition_for_all_bytes() - transition:
                    size += ahead(loop)
        if size >= cap:
            return cap
        largest = max(largest, size)
        states = {state for single in transition if (state := next_state(single))}
        if states:
            queue.extend(transitions(states))
    return largest


def _matches_accessible(start: ByteState) -> dict[Single, set[Match]]:
    """Every match each single transition leads to, depth first
    (``getMatchesAccessibleFromEachTransition``)."""
    result: dict[Single, set[Match]] = {}
    visited: set[Single] = set()
    stack: list[Single] = [start]
    while stack:
        single = stack[-1]
        matches = result.setdefault(single, set())
        following = next_state(single)
        after = ordered(set().union(*transitions([following]))) if following else []
        if single in visited:
            for each in after:
                matches.update(result[each])
            stack.pop()
            continue
        visited.add(single)
        if (match := own_match(single)) is not None:
            matches.add(match)
        stack.extend(each for each in after if each not in visited)
    return result
