"""What a rule sends to a target: the whole event, ``InputPath`` or an ``InputTransformer``.

Paths are the JSONPath subset EventBridge accepts (``$``, ``$.a.b``, ``$.a[0]``,
``$['a-b']``). In a transformer template a ``<name>`` placeholder inside a JSON string is
replaced by the value's text; outside a string by its JSON. The predefined variables
``aws.events.rule-arn``, ``aws.events.rule-name``, ``aws.events.event.ingestion-time``,
``aws.events.event`` and ``aws.events.event.json`` are available as in EventBridge.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()
_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
MAX_PATHS = 100
RESERVED_PREFIX = "aws.events."


class TransformError(ValueError):
    """An invalid InputPath or InputTransformer, found when the target is created."""


@functools.lru_cache(maxsize=1024)
def parse_path(path: str) -> tuple[str | int, ...]:
    """``$.detail.items[0]`` -> ("detail", "items", 0); raises TransformError if malformed."""
    if not path.startswith("$"):
        raise TransformError(f"path {path!r} must start with '$'")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise TransformError(f"path {path!r} is not valid at character {position}")
        name, index, quoted = match.groups()
        steps.append(int(index) if index is not None else (name or quoted))
        position = match.end()
    return tuple(steps)


def resolve(document: Any, steps: tuple[str | int, ...]) -> Any:
    """The value at ``steps``, or the module's missing marker."""
    value = document
    for step in steps:
        if not _has(value, step):
            return _MISSING
        value = value[step]
    return value


def _has(value: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(value, list) and -len(value) <= step < len(value)
    return isinstance(value, Mapping) and step in value


@dataclass(frozen=True)
class InputTransformer:
    input_template: str
    input_paths_map: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.input_paths_map) > MAX_PATHS:
            raise TransformError(f"InputPathsMap has more than {MAX_PATHS} entries")
        for name, path in self.input_paths_map.items():
            if name.startswith(RESERVED_PREFIX):
                raise TransformError(f"InputPathsMap key {name!r} uses the reserved prefix")
            parse_path(path)
        names = set(self.input_paths_map) | {
            "aws.events.rule-arn",
            "aws.events.rule-name",
            "aws.events.event.ingestion-time",
            "aws.events.event",
            "aws.events.event.json",
        }
        for placeholder in _PLACEHOLDER.findall(self.input_template):
            if placeholder not in names:
                raise TransformError(
                    f"InputTemplate uses <{placeholder}>, which InputPathsMap does not define"
                )


@dataclass(frozen=True)
class TargetInput:
    """How a target's input is made from the event: at most one of the three forms."""

    input: str | None = None  # constant JSON text
    input_path: str | None = None
    input_transformer: InputTransformer | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.input, self.input_path, self.input_transformer) if x is not None]
        if len(given) > 1:
            raise TransformError("a target takes only one of Input, InputPath, InputTransformer")
        if self.input_path is not None:
            parse_path(self.input_path)
        if self.input is not None:
            try:
                json.loads(self.input)
            except ValueError as exc:
                raise TransformError(f"Input is not valid JSON: {exc}") from exc

    @property
    def whole_event(self) -> bool:
        """Whether the target takes the event's own JSON (no Input, InputPath or transformer)."""
        return self.input is None and self.input_path is None and self.input_transformer is None

    def render(
        self, event: Mapping[str, Any], *, rule_name: str, rule_arn: str, event_json: str
    ) -> str:
        """The target's input as JSON text (or plain text for a non-JSON template)."""
        if self.input is not None:
            return self.input
        if self.input_path is not None:
            value = resolve(event, parse_path(self.input_path))
            return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))
        if self.input_transformer is not None:
            return _render_template(self.input_transformer, event, rule_name, rule_arn)
        return event_json


def _render_template(
    transformer: InputTransformer,
    event: Mapping[str, Any],
    rule_name: str,
    rule_arn: str,
) -> str:
    values: dict[str, Any] = {
        name: resolve(event, parse_path(path)) for name, path in transformer.input_paths_map.items()
    }
    values["aws.events.rule-name"] = rule_name
    values["aws.events.rule-arn"] = rule_arn
    values["aws.events.event.ingestion-time"] = event.get("time")
    values["aws.events.event"] = event
    values["aws.events.event.json"] = event
    template = transformer.input_template
    out: list[str] = []
    in_string = False
    position = 0
    while position < len(template):
        char = template[position]
        match = _PLACEHOLDER.match(template, position) if char == "<" else None
        if match is not None and match.group(1) in values:
            value = values[match.group(1)]
            out.append(_in_string(value) if in_string else _as_json(value))
            position = match.end()
            continue
        if char == '"' and not _escaped(template, position):
            in_string = not in_string
        out.append(char)
        position += 1
    return "".join(out)


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _as_json(value: Any) -> str:
    return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))


def _in_string(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return json.dumps(text)[1:-1]  # escaped for the enclosing JSON string
