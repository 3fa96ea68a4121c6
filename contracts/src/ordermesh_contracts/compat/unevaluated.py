"""unevaluatedProperties and unevaluatedItems, read as draft 2020-12 defines them (in 2019-09,
where validators differ on whether the items contains matches are evaluated, both ways).

They govern the members (properties, array items) that no other keyword evaluated: the schema's
own properties/patternProperties/additionalProperties (prefixItems, items and contains for
arrays), and those of the in-place applicators beside them whose subschemas validate (allOf,
anyOf, oneOf, if/then/else, dependentSchemas, and $ref where its siblings apply). On each side
the keyword is:

* dead: absent, or a keyword beside it already evaluates every member (additionalProperties;
  items after prefixItems or in schema form; additionalItems after a tuple ``items``);
* the rest: no in-place applicator beside it, so it is exactly the content model's rest, what
  additionalProperties (or items after prefixItems) would be; the object and array handlers
  compare it as such (`object_rest`, `item_rest`);
* undecided: in-place applicators beside it, so the members it governs depend on which of their
  subschemas validate, which the checker does not model. When anything that decides which
  members are evaluated differs between the two schemas (the *scope*: the local keywords that
  evaluate members, the applicators with their references expanded, the keyword itself), the
  change is reported breaking both ways (UNEVALUATED_*_UNDECIDED). When the scope is the same,
  the keyword is the same conjunct on both sides and the rest of the schemas is compared as
  usual, without it.

`settle` applies this before a schema pair is compared: it reports the undecided keywords and
removes the dead and undecided ones, so that whatever unevaluated* keyword is left is the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.dialect import Question
from ordermesh_contracts.compat.facts import Kind, canonical, classify, effective_types
from ordermesh_contracts.compat.refs import Node, in_place_ref, join
from ordermesh_contracts.compat.scope import expanded

_ANYTHING: Any = True
IN_PLACE = (
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "$ref",
    "$dynamicRef",
    "$recursiveRef",
)


class _State(Enum):
    DEAD = "dead"
    REST = "rest"
    UNDECIDED = "undecided"


def tuple_keywords(schema: Mapping[str, Any]) -> tuple[str, str]:
    """The keyword holding an array's position schemas ("" for none) and the one for the rest."""
    if isinstance(schema.get("prefixItems"), list):
        return "prefixItems", "items"
    if isinstance(schema.get("items"), list):
        return "items", "additionalItems"
    return "", "items"


def _object_scope(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "properties": sorted(_keys(schema.get("properties"))),
        "patternProperties": sorted(_keys(schema.get("patternProperties"))),
        "additionalProperties": "additionalProperties" in schema,
    }


def _array_scope(schema: Mapping[str, Any]) -> dict[str, Any]:
    positions, rest = tuple_keywords(schema)
    count = len(schema[positions]) if positions else 0
    return {"positions": [positions, count], "rest": rest in schema}


def _keys(value: Any) -> list[str]:
    return [str(key) for key in value] if isinstance(value, Mapping) else []


@dataclass(frozen=True)
class _Keyword:
    name: str
    family: str
    members: str  # for messages
    applies: str  # the JSON type it constrains
    scope: Callable[[Mapping[str, Any]], dict[str, Any]]  # local keywords that evaluate members
    evaluated_by: Callable[[Mapping[str, Any]], bool]  # a local keyword evaluates every member


PROPERTIES = _Keyword(
    "unevaluatedProperties",
    "UNEVALUATED_PROPERTIES",
    "properties",
    "object",
    _object_scope,
    lambda schema: "additionalProperties" in schema,
)
ITEMS = _Keyword(
    "unevaluatedItems",
    "UNEVALUATED_ITEMS",
    "items",
    "array",
    _array_scope,
    lambda schema: tuple_keywords(schema)[1] in schema,
)


def _state(schema: Mapping[str, Any], keyword: _Keyword) -> _State:
    if keyword.name not in schema or keyword.evaluated_by(schema):
        return _State.DEAD
    if any(key in schema for key in IN_PLACE):
        return _State.UNDECIDED
    return _State.REST


def _scope(node: Node, keyword: _Keyword) -> str | None:
    """What decides which members the keyword governs, as text (None when too large to say).
    A $ref beside it counts as the allOf member it is (2019-09 and later)."""
    schema = node.value
    local = keyword.scope(schema)
    words = [keyword.name, *IN_PLACE] + (["contains"] if keyword is ITEMS else [])
    keywords = {key: schema[key] for key in words if key in schema}
    ref = in_place_ref(keywords)
    if ref is not None:
        del keywords["$ref"]
        members = keywords.get("allOf")
        keywords["allOf"] = [*(members if isinstance(members, list) else []), {"$ref": ref}]
    found = expanded(node, keywords)
    return None if found is None else canonical({**local, "keywords": found})


def _without(node: Node, name: str) -> Node:
    if name not in node.value:
        return node
    return node.child({key: value for key, value in node.value.items() if key != name})


def _reason(nodes: tuple[Node, Node], keyword: _Keyword) -> str:
    beside = sorted({key for node in nodes for key in IN_PLACE if key in node.value})
    return (
        f"{keyword.name} beside {', '.join(beside)}: which {keyword.members} it governs depends "
        "on which of their subschemas validate, and that changed; the checker cannot decide "
        "this, so the change is reported as breaking"
    )


def settle(ctx: Ctx, old: Node, new: Node, pointer: str) -> tuple[Node, Node]:
    """Report undecided unevaluated* keywords; drop the dead and undecided ones from both."""
    shared = effective_types(old.value) & effective_types(new.value)
    for keyword in (PROPERTIES, ITEMS):
        before, after = _state(old.value, keyword), _state(new.value, keyword)
        if _State.UNDECIDED in {before, after} and keyword.applies in shared:
            scopes = _scope(old, keyword), _scope(new, keyword)
            if scopes[0] is None or scopes[0] != scopes[1]:
                at = join(pointer, keyword.name)
                ctx.emit(f"{keyword.family}_UNDECIDED", at, _reason((old, new), keyword))
        if before is not _State.REST:
            old = _without(old, keyword.name)
        if after is not _State.REST:
            new = _without(new, keyword.name)
    return old, new


def object_rest(node: Node) -> tuple[Node, str]:
    """The schema of the properties that properties/patternProperties do not name, and the
    keyword it comes from ("" when none: anything is allowed). ``node`` has been settled."""
    schema = node.value
    for keyword in ("additionalProperties", PROPERTIES.name):
        if keyword in schema:
            return node.child(schema[keyword]), keyword
    return node.child(_ANYTHING), ""


def item_rest(node: Node) -> tuple[Node, str]:
    """The schema of the items after the position schemas, and the keyword it comes from
    ("" when none: anything is allowed). ``node`` has been settled."""
    schema = node.value
    rest = tuple_keywords(schema)[1]
    if rest in schema:
        return node.child(schema[rest]), rest
    if ITEMS.name not in schema:
        return node.child(_ANYTHING), ""
    return node.child(_unevaluated_items(node)), ITEMS.name


def _unevaluated_items(node: Node) -> Any:
    """unevaluatedItems, or what it or contains accepts: an item contains matches is evaluated
    (in 2020-12; where it is not, as the 2019-09 text reads, the rest is unevaluatedItems)."""
    schema = node.value
    unevaluated = schema[ITEMS.name]
    if "contains" not in schema or not node.root.ask(Question.CONTAINS_EVALUATES):
        return unevaluated
    contains = schema["contains"]
    kinds = classify(node.child(contains)), classify(node.child(unevaluated))
    if Kind.OPEN in kinds:
        return _ANYTHING
    if kinds[1] is Kind.CLOSED:
        return contains
    if kinds[0] is Kind.CLOSED:
        return unevaluated
    return {"anyOf": [contains, unevaluated]}


def unevaluated_items_pair(old: Node, new: Node) -> tuple[Node, Node] | None:
    """Both unevaluatedItems, when both sides' rest is theirs and contains is the same on both,
    read the same way: then comparing them proves what comparing the rests would (what contains
    matches is allowed on both sides, or on neither), and the changes are reported where they
    are."""
    before, after = old.value, new.value
    if item_rest(old)[1] != ITEMS.name or item_rest(new)[1] != ITEMS.name:
        return None
    if canonical(before.get("contains")) != canonical(after.get("contains")):
        return None
    if "contains" in before and old.root.ask(Question.CONTAINS_EVALUATES) != new.root.ask(
        Question.CONTAINS_EVALUATES
    ):
        return None
    return old.child(before[ITEMS.name]), new.child(after[ITEMS.name])


def slot_keyword(old_source: str, new_source: str, default: str) -> str:
    """The keyword a rest comparison is reported at: the new side's, else the old side's."""
    return new_source or old_source or default
