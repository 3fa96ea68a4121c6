"""Comparing allOf/anyOf/oneOf groups, and not.

Every pair of subschemas is compared; what the group as a whole proves follows sound rules:

* a union (anyOf, or oneOf whose subschemas are provably disjoint, or a single subschema)
  contains a union when every subschema of the latter is contained in one of the former;
* an intersection (allOf) is contained in another when each of the latter's subschemas
  contains one of the former's;
* a oneOf whose subschemas may overlap is only known to contain an identical oneOf.

Subschemas are paired for reporting (identical first, then compatible, then by position) and
the pairs' changes are reported; a summary change (SUM_TYPE_*, PRODUCT_TYPE_*,
COMBINED_TYPE_*) carries what the group proves when the pairs alone do not say it.
"""

from __future__ import annotations

from collections.abc import Callable

from ordermesh_contracts.compat.context import Ctx, Relation
from ordermesh_contracts.compat.disjoint import all_disjoint
from ordermesh_contracts.compat.facts import Kind, canonical, classify
from ordermesh_contracts.compat.plan import Group
from ordermesh_contracts.compat.refs import Node, join

_UNIONS = ("anyOf", "oneOf", "single")
Matrix = list[list[Relation]]


def _kind(kind: str, count: int) -> str:
    return "single" if count == 1 else kind


def _contains(
    left: tuple[str, int], right: tuple[str, int], holds: Callable[[int, int], bool]
) -> bool:
    """Proves left <= right from holds(i, j): left subschema i <= right subschema j."""
    left_kind, right_kind = _kind(*left), _kind(*right)
    rows, cols = range(left[1]), range(right[1])
    if right_kind in _UNIONS:
        if left_kind == "allOf":
            return any(holds(i, j) for i in rows for j in cols)
        return all(any(holds(i, j) for j in cols) for i in rows)
    if left_kind in {"allOf", "single"}:
        return all(any(holds(i, j) for i in rows) for j in cols)
    return all(holds(i, j) for i in rows for j in cols)


def _dedupe(kind: str, nodes: list[Node], pointers: list[str]) -> tuple[list[Node], list[str]]:
    """Drop repeated subschemas of allOf/anyOf (a repeated oneOf subschema matters)."""
    if kind == "oneOf":
        return nodes, pointers
    seen: dict[str, int] = {}
    for index, node in enumerate(nodes):
        seen.setdefault(canonical(node.value), index)
    kept = sorted(seen.values())
    return [nodes[i] for i in kept], [pointers[i] for i in kept]


def _pair(matrix: Matrix) -> list[tuple[int, int]]:
    candidates: list[tuple[tuple[int, int, int, int, int], int, int]] = []
    for i, row in enumerate(matrix):
        for j, relation in enumerate(row):
            rank = 3 - relation.backward - relation.forward
            rank = 0 if relation.identical else rank
            if rank < 3 or i == j:  # noqa: PLR2004 - rank 3: incompatible both ways
                candidates.append(((rank, len(relation.changes), abs(i - j), i, j), i, j))
    pairs: list[tuple[int, int]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return pairs


def _summary(group: Group, proved: tuple[bool, bool]) -> str:
    backward, forward = proved
    if backward and forward:
        return "COMBINED_TYPE_EQUIVALENT"
    if group.old_kind != group.new_kind:
        prefix, grew, shrank = "COMBINED_TYPE", "EXTENDED", "NARROWED"
        return (
            f"{prefix}_{grew}"
            if backward
            else f"{prefix}_{shrank}"
            if forward
            else "COMBINED_TYPE_CHANGED"
        )
    if group.new_kind == "allOf":
        grew, shrank = "PRODUCT_TYPE_NARROWED", "PRODUCT_TYPE_EXTENDED"
    else:
        grew, shrank = "SUM_TYPE_EXTENDED", "SUM_TYPE_NARROWED"
    return grew if backward else shrank if forward else "COMBINED_TYPE_SUBSCHEMAS_CHANGED"


def _describe(kind: str, nodes: list[Node], *, lifted: bool) -> str:
    return "a plain schema" if lifted else f"{kind} with {len(nodes)} subschema(s)"


def _truth(group: Group, matrix: Matrix, old: list[Node], new: list[Node]) -> tuple[bool, bool]:
    sizes = (group.old_kind, len(old)), (group.new_kind, len(new))
    pairs = _pair(matrix)
    same_kind = _kind(*sizes[0]) == _kind(*sizes[1])  # anyOf [A, B] is not allOf [A, B]
    if (
        same_kind
        and len(old) == len(new) == len(pairs)
        and all(matrix[i][j].backward and matrix[i][j].forward for i, j in pairs)
    ):
        return True, True
    backward = group.skip_backward or (
        not (_kind(*sizes[1]) == "oneOf" and not all_disjoint(new))
        and _contains(sizes[0], sizes[1], lambda i, j: matrix[i][j].backward)
    )
    forward = group.skip_forward or (
        not (_kind(*sizes[0]) == "oneOf" and not all_disjoint(old))
        and _contains(sizes[1], sizes[0], lambda j, i: matrix[i][j].forward)
    )
    return backward, forward


def compare_group(ctx: Ctx, group: Group, pointer: str) -> None:
    old, _ = _dedupe(group.old_kind, group.old, [pointer] * len(group.old))
    new, pointers = _dedupe(group.new_kind, group.new, group.new_pointers)
    matrix = [[ctx.relate(a, b, pointers[j]) for j, b in enumerate(new)] for a in old]
    pairs = _pair(matrix)
    kind_changed = group.old_kind != group.new_kind
    structural = kind_changed or not len(old) == len(new) == len(pairs)
    if not structural and all(matrix[i][j].identical for i, j in pairs):
        return
    backward, forward = _truth(group, matrix, old, new)
    details = [change for i, j in pairs for change in matrix[i][j].changes]
    dropped = (backward and not all(c.backward for c in details)) or (
        forward and not all(c.forward for c in details)
    )
    if dropped:
        details = []
    ctx.extend(details)
    proved = (all(c.backward for c in details), all(c.forward for c in details))
    if structural or dropped or proved != (backward, forward):
        text = f"{_describe(group.old_kind, old, lifted=group.lifted == 'old')} -> "
        text += _describe(group.new_kind, new, lifted=group.lifted == "new")
        ctx.emit(_summary(group, (backward, forward)), pointer, text)


def compare_not(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    at = join(pointer, "not")
    in_old, in_new = "not" in old.value, "not" in new.value
    if in_old and in_new:
        inner = ctx.relate(old.child(old.value["not"]), new.child(new.value["not"]), at)
        backward, forward = inner.forward, inner.backward
        if backward and forward:
            return
        name = "NARROWED" if backward else "EXTENDED" if forward else "CHANGED"
        ctx.emit(f"NOT_SCHEMA_{name}", at, f"the not schema was changed ({name.lower()})")
    elif in_new and classify(new.child(new.value["not"])) is not Kind.CLOSED:
        ctx.emit("NOT_ADDED", at, "a not schema was added")
    elif in_old and classify(old.child(old.value["not"])) is not Kind.CLOSED:
        ctx.emit("NOT_REMOVED", at, "the not schema was removed")
