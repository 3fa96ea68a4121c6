"""AWS Step Functions JSONPath: paths, Reference Paths, InputPath/ResultPath/OutputPath.

Step Functions evaluates JSONPath with the Jayway engine. This module implements the subset states
use: ``$``, ``$.a.b``, ``$['a']``, ``$.a[0]`` (negative indexes count from the end), ``$.a[*]``,
``$.*``, slices ``$.a[1:3]``, unions ``$['a','b']`` / ``$.a[0,2]``, deep scan ``$..x`` and filters
``$.a[?(@.qty > 1)]`` (``jsonpath_filter`` reads them, ``jsonpath_filter_eval`` tests them).

A *definite* path (names and single indexes only) selects one value and fails when nothing is
there; an *indefinite* path (wildcard, slice, union, deep scan, filter) selects a list, possibly
empty. Errors mirror Jayway's wording inside AWS's causes, e.g. ``Invalid path '$.x' : No
results for path: $['x']``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Final

from ordermesh_platform.sfn.errors import (
    STATES_RESULT_PATH_MATCH_FAILURE,
    STATES_RUNTIME,
    StatesError,
)
from ordermesh_platform.sfn.json_text import copy_json, to_json
from ordermesh_platform.sfn.jsonpath_filter import FilterSyntaxError, parse_filter
from ordermesh_platform.sfn.jsonpath_filter_eval import (
    MISSING,
    Filter,
    PrimitiveContextError,
    Resolver,
)

_NAME_STOP: Final = frozenset(".[")


class JsonPathError(StatesError):
    """A path that cannot be evaluated: ``States.Runtime``, ``Invalid path '<path>' : <detail>``."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(STATES_RUNTIME, f"Invalid path '{path}' : {detail}")
        self.path = path
        self.detail = detail


class JsonPathSyntaxError(JsonPathError):
    """The text is not a JSONPath this engine understands; ``detail`` says what and where."""


class JsonPathNotFoundError(JsonPathError):
    """A definite path selected nothing; ``detail`` is Jayway's message.

    The default cause is the one AWS gives for InputPath and OutputPath; callers that report the
    failure for another field (a ``.$`` template key, ``CausePath``, ...) build their own cause from
    ``path``.
    """


@dataclass(frozen=True, slots=True)
class _Step:
    """One step; ``kind``: ``name``, ``index``, ``wildcard``, ``slice``, ``names``, ``indexes``,
    ``filter``."""

    kind: str
    names: tuple[str, ...] = ()
    indexes: tuple[int, ...] = ()
    bounds: tuple[int | None, int | None, int | None] = (None, None, None)
    deep: bool = False
    predicate: Filter | None = None

    @property
    def definite(self) -> bool:
        return not self.deep and self.kind in {"name", "index"}

    def render(self) -> str:
        """Jayway's normalised form of the step: ``['a']``, ``[0]``, ``[1:3]``, ``[*]``, ``[?]``."""
        if self.kind in {"name", "names"}:
            body = ",".join(f"'{name}'" for name in self.names)
        elif self.kind in {"index", "indexes"}:
            body = ",".join(str(index) for index in self.indexes)
        elif self.kind == "slice":
            start, end, _ = self.bounds
            body = f"{'' if start is None else start}:{'' if end is None else end}"
        else:
            body = "?" if self.kind == "filter" else "*"
        return f"{'..' if self.deep else ''}[{body}]"


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A parsed path: its source text and steps (the root ``$`` is implicit)."""

    text: str
    steps: tuple[_Step, ...]
    definite: bool = field(init=False)  # every step selects at most one value

    def __post_init__(self) -> None:
        object.__setattr__(self, "definite", all(step.definite for step in self.steps))

    def normalized(self, upto: int | None = None) -> str:
        """Jayway's normalised text, e.g. ``$['a'][0]``; ``upto`` keeps only the first steps."""
        steps = self.steps if upto is None else self.steps[:upto]
        return "$" + "".join(step.render() for step in steps)

    def rendered_from(self, start: int) -> str:
        """Jayway's text of the steps from ``start`` on, e.g. ``[?]['a']``."""
        return "".join(step.render() for step in self.steps[start:])


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, detail: str) -> JsonPathSyntaxError:
        return JsonPathSyntaxError(self.text, detail)

    def parse(self) -> JsonPath:
        if not self.text.startswith("$"):
            raise self.fail("Path must start with '$'")
        self.pos = 1
        steps: list[_Step] = []
        while self.pos < len(self.text):
            steps.append(self.step())
        return JsonPath(self.text, tuple(steps))

    def step(self) -> _Step:
        text = self.text
        if text.startswith("..", self.pos):
            self.pos += 2
            if self.pos < len(text) and text[self.pos] == "[":
                inner = self.bracket()
            else:
                inner = self.dotted()
            return replace(inner, deep=True)
        if text[self.pos] == ".":
            self.pos += 1
            return self.dotted()
        if text[self.pos] == "[":
            return self.bracket()
        raise self.fail(f"Unexpected character '{text[self.pos]}' at position {self.pos}")

    def dotted(self) -> _Step:
        text = self.text
        if self.pos < len(text) and text[self.pos] == "*":
            self.pos += 1
            return _Step("wildcard")
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in _NAME_STOP:
            self.pos += 1
        name = text[start : self.pos]
        if not name:
            raise self.fail(f"Path must not end with a '.' or '..' at position {start}")
        return _Step("name", names=(name,))

    def bracket(self) -> _Step:
        if self.text[self.pos + 1 :].lstrip(" ").startswith("?"):
            return self.filter()
        return self.selection()

    def filter(self) -> _Step:
        try:
            predicate, self.pos = parse_filter(self.text, self.pos, _filter_operand)
        except FilterSyntaxError as err:
            raise self.fail(str(err)) from None
        return _Step("filter", predicate=predicate)

    def selection(self) -> _Step:
        text = self.text
        end = self._bracket_end()
        body = text[self.pos + 1 : end].strip()
        self.pos = end + 1
        if body == "*":
            return _Step("wildcard")
        if body[:1] in {"'", '"'}:
            names = _split_quoted(body, self.fail)
            if len(names) == 1:
                return _Step("name", names=names)
            return _Step("names", names=names)
        if ":" in body:
            return _Step("slice", bounds=self._slice(body))
        try:
            indexes = tuple(int(part) for part in body.split(","))
        except ValueError:
            raise self.fail(f"Could not parse token '[{body}]'") from None
        if len(indexes) == 1:
            return _Step("index", indexes=indexes)
        return _Step("indexes", indexes=indexes)

    def _bracket_end(self) -> int:
        text = self.text
        quote: str | None = None
        index = self.pos + 1
        while index < len(text):
            char = text[index]
            if quote is not None:
                if char == "\\" and index + 1 < len(text) and text[index + 1] == quote:
                    index += 2
                    continue
                if char == quote:
                    quote = None
            elif char in {"'", '"'}:
                quote = char
            elif char == "]":
                return index
            index += 1
        raise self.fail("Property has not been closed - missing closing ]")

    def _slice(self, body: str) -> tuple[int | None, int | None, int | None]:
        parts = [part.strip() for part in body.split(":")]
        if len(parts) > 3:  # noqa: PLR2004 - start:end:step
            raise self.fail(f"Could not parse slice '[{body}]'")
        try:
            values = [int(part) if part else None for part in parts]
        except ValueError:
            raise self.fail(f"Could not parse slice '[{body}]'") from None
        values += [None] * (3 - len(values))
        return values[0], values[1], values[2]


def _split_quoted(body: str, fail: Any) -> tuple[str, ...]:
    """``'a','b'`` -> ``("a", "b")``. A backslash escapes only the enclosing quote, as in Jayway."""
    names: list[str] = []
    index = 0
    while index < len(body):
        quote = body[index]
        if quote not in {"'", '"'}:
            raise fail(f"Could not parse token '[{body}]'")
        index += 1
        chars: list[str] = []
        while index < len(body) and body[index] != quote:
            if body[index] == "\\" and index + 1 < len(body) and body[index + 1] == quote:
                index += 1
            chars.append(body[index])
            index += 1
        if index >= len(body):
            raise fail(f"Could not parse token '[{body}]'")
        names.append("".join(chars))
        index += 1
        while index < len(body) and body[index] in " ,":
            index += 1
    return tuple(names)


def _filter_operand(text: str, position: int) -> Resolver:
    """A path inside a filter (``@...`` on the item, ``$...`` on the document) as a resolver."""
    try:
        parsed = _Parser("$" + text[1:]).parse()
    except JsonPathSyntaxError as err:
        detail = f"Invalid path '{text}' in the filter at position {position}: {err.detail}"
        raise FilterSyntaxError(detail) from None
    if not parsed.definite:
        raise FilterSyntaxError(
            f"Only definite paths (names and indexes) are supported in a filter: '{text}' at "
            f"position {position}"
        )
    steps = parsed.steps
    on_document = text.startswith("$")

    def resolve(item: Any, document: Any) -> Any:
        value = document if on_document else item
        for step in steps:
            found = _select(step, value)
            if not found:
                return MISSING
            value = found[0]
        return value

    return resolve


@lru_cache(maxsize=1024)
def parse_path(path: str) -> JsonPath:
    """Parse a JSONPath (``$...``); raises ``JsonPathSyntaxError`` (``States.Runtime``)."""
    return _Parser(path).parse()


def is_definite(path: str) -> bool:
    """Whether ``path`` selects at most one value (a Reference Path shape)."""
    return parse_path(path).definite


def _descendants(value: Any) -> list[Any]:
    """``value`` and every value nested inside it, in document order (Jayway's deep scan)."""
    found = [value]
    if isinstance(value, dict):
        for child in value.values():
            found.extend(_descendants(child))
    elif isinstance(value, list):
        for child in value:
            found.extend(_descendants(child))
    return found


def _select(step: _Step, value: Any) -> list[Any]:  # noqa: PLR0911 - one branch per step kind
    """Values ``step`` selects in ``value`` (missing ones are left out)."""
    if step.kind in {"name", "names"}:
        if isinstance(value, dict):
            return [value[name] for name in step.names if name in value]
        return []
    if step.kind in {"index", "indexes"}:
        if not isinstance(value, list):
            return []
        size = len(value)
        return [value[i] for i in step.indexes if -size <= i < size]
    if step.kind == "slice":
        if not isinstance(value, list):
            return []
        start, end, stride = step.bounds
        return list(value[slice(start, end, stride)])
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _evaluate_definite(parsed: JsonPath, data: Any) -> Any:
    value = data
    last = len(parsed.steps) - 1
    for position, step in enumerate(parsed.steps):
        found = _select(step, value)
        if not found:
            if position < last and step.kind == "name":
                raise JsonPathNotFoundError(
                    parsed.text, f"Missing property in path {parsed.normalized(position + 1)}"
                )
            raise JsonPathNotFoundError(parsed.text, f"No results for path: {parsed.normalized()}")
        value = found[0]
    return value


def _evaluate_indefinite(parsed: JsonPath, data: Any) -> list[Any]:
    nodes = [data]
    for position, step in enumerate(parsed.steps):
        if step.deep:
            nodes = [node for parent in nodes for node in _descendants(parent)]
        if step.predicate is not None:
            nodes = _filtered(parsed, position, nodes, data)
        else:
            nodes = [child for node in nodes for child in _select(step, node)]
    return nodes


def _filtered(parsed: JsonPath, position: int, nodes: list[Any], document: Any) -> list[Any]:
    step = parsed.steps[position]
    assert step.predicate is not None  # noqa: S101 - only called for filter steps
    try:
        return step.predicate.select(
            nodes,
            document,
            scanned=step.deep,
            last=position == len(parsed.steps) - 1,
            strict=all(earlier.definite for earlier in parsed.steps[:position]),
        )
    except PrimitiveContextError as err:
        raise JsonPathError(
            parsed.text,
            f"Filter: {parsed.rendered_from(position)} can not be applied to primitives. "
            f"Current context is: {err}",
        ) from None


def evaluate_path(path: str, data: Any) -> Any:
    """Evaluate a ``$``-rooted JSONPath against ``data``.

    A definite path returns the selected value or raises ``JsonPathNotFoundError``; an indefinite
    path returns the list of matches (empty when nothing matches). Values are returned as they
    are in ``data`` (not copied).
    """
    parsed = parse_path(path)
    if parsed.definite:
        return _evaluate_definite(parsed, data)
    return _evaluate_indefinite(parsed, data)


def _split_variable(path: str) -> tuple[str, str]:
    """``$var.a[0]`` -> ``("var", "$.a[0]")``."""
    end = 1
    while end < len(path) and path[end] not in _NAME_STOP:
        end += 1
    return path[1:end], "$" + path[end:]


def resolve_path(
    path: str,
    data: Any,
    context: Any = None,
    variables: dict[str, Any] | None = None,
) -> Any:
    """Evaluate ``$...`` on ``data``, ``$$...`` on the context, ``$name...`` on a variable.

    An unknown variable raises ``JsonPathNotFoundError`` like a missing path.
    """
    if path == "$" or path[1:2] in {".", "["}:
        return evaluate_path(path, data)
    if not path.startswith("$"):
        raise JsonPathSyntaxError(path, "Path must start with '$'")
    if path.startswith("$$"):
        root, rest = context, path[1:]
    else:
        name, rest = _split_variable(path)
        if variables is None or name not in variables:
            raise JsonPathNotFoundError(path, f"No variable named '{name}'")
        root = variables[name]
    try:
        return evaluate_path(rest, root)
    except JsonPathNotFoundError as err:
        raise JsonPathNotFoundError(path, err.detail) from None


def apply_input_path(
    state_input: Any,
    input_path: str | None,
    context: Any = None,
    variables: dict[str, Any] | None = None,
) -> Any:
    """InputPath: ``None`` (JSON null) gives ``{}``, otherwise the selected value.

    The path may read the context object (``$$``) or a variable (``$name``). Nothing selected
    raises ``JsonPathNotFoundError`` (``States.Runtime``, ``Invalid path '$.x' : ...``).
    """
    if input_path is None:
        return {}
    return resolve_path(input_path, state_input, context, variables)


def apply_output_path(
    state_output: Any,
    output_path: str | None,
    context: Any = None,
    variables: dict[str, Any] | None = None,
) -> Any:
    """OutputPath: ``None`` (JSON null) gives ``{}``, otherwise the selected value."""
    if output_path is None:
        return {}
    return resolve_path(output_path, state_output, context, variables)


def _result_path_failure(result_path: str, state_input: Any) -> StatesError:
    return StatesError(
        STATES_RESULT_PATH_MATCH_FAILURE,
        f"Unable to apply ResultPath '{result_path}' to input '{to_json(state_input)}'",
    )


def apply_result_path(state_input: Any, result: Any, result_path: str | None) -> Any:
    """ResultPath: combine the state input and its result into the state output.

    ``None`` (JSON null) discards the result and keeps the input; ``$`` replaces the input with
    the result; ``$.a.b`` writes the result at that place in a copy of the input, creating objects
    that are missing. A path that cannot be applied (through a non-object, a missing array
    element, or an indefinite path) raises ``States.ResultPathMatchFailure``.
    """
    if result_path is None:
        return state_input
    parsed = parse_path(result_path)
    if not parsed.steps:
        return result
    if not parsed.definite:
        raise _result_path_failure(result_path, state_input)
    output = copy_json(state_input)
    container: Any = output
    *walk, target = parsed.steps
    for step in walk:
        container = _child_for_write(container, step)
        if container is None:
            raise _result_path_failure(result_path, state_input)
    if target.kind == "name" and isinstance(container, dict):
        container[target.names[0]] = result
    elif target.kind == "index" and _has_index(container, target.indexes[0]):
        container[target.indexes[0]] = result
    else:
        raise _result_path_failure(result_path, state_input)
    return output


def _has_index(container: Any, index: int) -> bool:
    return isinstance(container, list) and -len(container) <= index < len(container)


def _child_for_write(container: Any, step: _Step) -> Any:
    """Where ``step`` leads, created as ``{}`` if missing; ``None`` when it cannot be written."""
    if step.kind == "name" and isinstance(container, dict):
        key = step.names[0]
        if not isinstance(container.get(key), dict | list):
            container[key] = {}
        return container[key]
    if step.kind == "index" and _has_index(container, step.indexes[0]):
        child = container[step.indexes[0]]
        return child if isinstance(child, dict | list) else None
    return None
