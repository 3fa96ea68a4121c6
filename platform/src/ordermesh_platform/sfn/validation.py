"""Validate Amazon States Language definitions at creation, rejecting what Step Functions rejects.

``validate_definition`` parses a definition and raises ``InvalidDefinition`` (AWS's error code)
with AWS's message: ``Invalid State Machine Definition: '<CODE>: <reason> at <path>, ...'``, one
diagnostic per problem, joined as AWS joins them. Paths are AWS's JSON pointers, with array
positions written ``Choices[0]`` (``/States/Choose/Choices[0]/Next``).

The checks are AWS's schema (required, supported and mutually exclusive fields per state type,
value types and ranges, JSONPath versus JSONata fields), the transition graph
(``MISSING_TRANSITION_TARGET`` for dangling targets and unreachable states, ``MISSING_END_STATE``),
state names, Express machine limits and Map labels. JSONata expressions are not parsed here:
``{% %}`` strings are accepted as they are. A bad Map ``Label`` is reported in the form the
reference emulator uses (``Error=ValueError Args=[...] in definition '...'.``), which is the form
the conformance corpus recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, NamedTuple

__all__ = ["Diagnostic", "InvalidDefinition", "validate_definition"]

SCHEMA: Final = "SCHEMA_VALIDATION_FAILED"
MISSING_TARGET: Final = "MISSING_TRANSITION_TARGET"
MISSING_END_STATE: Final = "MISSING_END_STATE"
DUPLICATE_STATE_NAME: Final = "DUPLICATE_STATE_NAME"
DUPLICATE_LABEL_NAME: Final = "DUPLICATE_LABEL_NAME"
INVALID_STATE_NAME: Final = "INVALID_STATE_NAME"
INVALID_JSON: Final = "INVALID_JSON_DESCRIPTION"
MISSING_DESCRIPTION: Final = "MISSING_DESCRIPTION"

JSONPATH: Final = "JSONPath"
JSONATA: Final = "JSONata"
MAX_SECONDS: Final = 99_999_999
MAX_NAME_LENGTH: Final = 80
MAX_LABEL_LENGTH: Final = 40

STATE_TYPES: Final = ("Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
TOP_FIELDS: Final = frozenset(
    {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
)
COMMON_FIELDS: Final = frozenset({"Type", "Comment", "QueryLanguage"})
_FLOW: Final = frozenset({"Next", "End"})
_IO: Final = frozenset({"InputPath", "OutputPath", "Output", "Assign"})
_RESULT: Final = frozenset({"ResultPath", "ResultSelector", "Retry", "Catch"})
STATE_FIELDS: Final[dict[str, frozenset[str]]] = {
    "Pass": _FLOW | _IO | {"Result", "ResultPath", "Parameters"},
    "Task": _FLOW
    | _IO
    | _RESULT
    | {"Parameters", "Arguments", "Resource", "Credentials", "TimeoutSeconds"}
    | {"TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
    "Choice": _IO | {"Choices", "Default"},
    "Wait": _FLOW | _IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
    "Succeed": frozenset({"InputPath", "OutputPath", "Output"}),
    "Fail": frozenset({"Error", "Cause", "ErrorPath", "CausePath"}),
    "Parallel": _FLOW | _IO | _RESULT | {"Parameters", "Arguments", "Branches"},
    "Map": _FLOW
    | _IO
    | _RESULT
    | {"Parameters", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector"}
    | {"ItemReader", "ItemBatcher", "ResultWriter", "Label", "MaxConcurrency"}
    | {"MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath"}
    | {"ToleratedFailureCount", "ToleratedFailureCountPath"},
}
# Fields each query language owns; the other language rejects them with a dedicated message.
JSONATA_ONLY: Final = frozenset({"Arguments", "Output", "Items", "Condition"})
JSONPATH_ONLY: Final = frozenset(
    {"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result"}
    | {"ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath"}
    | {"ErrorPath", "CausePath", "MaxConcurrencyPath", "ToleratedFailureCountPath"}
    | {"ToleratedFailurePercentagePath", "Variable", "And", "Or", "Not"}
)
EXCLUSIVE: Final = (
    ("TimeoutSeconds", "TimeoutSecondsPath"),
    ("HeartbeatSeconds", "HeartbeatSecondsPath"),
    ("MaxConcurrency", "MaxConcurrencyPath"),
    ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
    ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ("Error", "ErrorPath"),
    ("Cause", "CausePath"),
    ("ItemsPath", "Items"),
    ("Parameters", "ItemSelector"),
    ("ItemProcessor", "Iterator"),
)
WAIT_FIELDS: Final = ("SecondsPath", "Seconds", "TimestampPath", "Timestamp")
RETRIER_FIELDS: Final = frozenset(
    {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds"}
    | {"JitterStrategy", "Comment"}
)
CATCHER_FIELDS: Final = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign"})
CATCHER_FIELDS_ALL: Final = CATCHER_FIELDS | {"Comment"}
PROCESSOR_FIELDS: Final = frozenset({"StartAt", "States", "ProcessorConfig", "Comment"})
BRANCH_FIELDS: Final = frozenset({"StartAt", "States", "Comment"})
RULE_SELECTORS: Final = ("And", "Or", "Not", "Variable", "Condition")

# Choice comparison operators and the kind of operand each takes.
_STRING_OPS: Final = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
OPERATORS: Final[dict[str, str]] = {
    **{f"String{op}": "string" for op in _STRING_OPS},
    **{f"Numeric{op}": "number" for op in _STRING_OPS},
    **{f"Timestamp{op}": "timestamp" for op in _STRING_OPS},
    **{
        f"{kind}{op}Path": "path"
        for kind in ("String", "Numeric", "Timestamp")
        for op in _STRING_OPS
    },
    "StringMatches": "string",
    "BooleanEquals": "boolean",
    "BooleanEqualsPath": "path",
    **{f"Is{kind}": "boolean" for kind in ("Null", "Present", "Numeric", "String", "Boolean")},
    "IsTimestamp": "boolean",
}
INTRINSICS: Final = frozenset(
    {"Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains"}
    | {"ArrayRange", "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode", "Base64Decode"}
    | {"Hash", "JsonMerge", "MathRandom", "MathAdd", "StringSplit", "UUID"}
)
RESERVED_VARIABLES: Final = frozenset({"states"})
# Map Label: no whitespace, brackets, wildcards, these specials or control characters.
LABEL_FORBIDDEN: Final = frozenset(' ?*<>{}[]:;,\\|^~$#%&`"/') | {
    chr(code) for code in (*range(0x20), *range(0x7F, 0xA0))
}

_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_INTRINSIC: Final = re.compile(r"States\.(\w+)\((.*)\)", re.DOTALL)
_EXPRESS_PATTERNS: Final = (
    (
        re.compile(r"\.sync(:\d+)?$"),
        "Express state machine does not support '.sync' service integration",
    ),
    # AWS's own text ends this one with a space, hence the double space before "at".
    (
        re.compile(r"\.waitForTaskToken$"),
        "Express state machine does not support '.waitForTaskToken' service integration ",
    ),
)


class Diagnostic(NamedTuple):
    """One problem: AWS's diagnostic code, the JSON pointer ("" when AWS gives none), the reason."""

    code: str
    path: str
    reason: str

    def render(self) -> str:
        text = f"{self.code}: {self.reason}"
        return f"{text} at {self.path}" if self.path else text


class InvalidDefinition(Exception):  # noqa: N818 - named after AWS's error code
    """Step Functions' ``InvalidDefinition``: ``message`` is AWS's full message.

    ``problems`` lists ``(JSON pointer, reason)`` pairs; ``diagnostics`` the same with AWS's code.
    """

    code: Final = "InvalidDefinition"

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics
        self.problems = [(item.path, item.reason) for item in diagnostics]


def _aws_message(diagnostics: list[Diagnostic]) -> str:
    return "Invalid State Machine Definition: '{}'".format(
        ", ".join(item.render() for item in diagnostics)
    )


def _child(path: str, key: str) -> str:
    return f"/{key}" if path == "/" else f"{path}/{key}"


def _is_jsonata(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _is_path(value: Any) -> bool:
    """A JSONPath, a context path (``$$``) or a variable reference (``$name``)."""
    return isinstance(value, str) and value.startswith("$") and not value[1:].startswith(" ")


def _is_reference_path(value: Any) -> bool:
    return _is_path(value) and not value.startswith("$$")


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    match = _INTRINSIC.fullmatch(value.strip())
    return match is not None and match.group(1) in INTRINSICS


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain(value: Any) -> str:
    return str(int(value)) if _is_integer(value) else str(value)


@dataclass
class _Context:
    express: bool
    machine_language: str = JSONPATH
    diagnostics: list[Diagnostic] = field(default_factory=list)
    label_errors: list[Diagnostic] = field(default_factory=list)
    state_names: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)

    def fail(self, path: str, reason: str, code: str = SCHEMA) -> None:
        self.diagnostics.append(Diagnostic(code, path, reason))


@dataclass(frozen=True)
class _Scope:
    """Where a state is checked: the shared context and the state's effective query language."""

    ctx: _Context
    language: str

    @property
    def jsonata(self) -> bool:
        return self.language == JSONATA

    def fail(self, path: str, reason: str, code: str = SCHEMA) -> None:
        self.ctx.fail(path, reason, code)

    def check_integer(self, path: str, value: Any, minimum: int, maximum: int | None) -> None:
        if self.jsonata and _is_jsonata(value):
            return
        if not _is_integer(value):
            self.fail(path, "Expected value of type Integer")
        elif value < minimum:
            self.fail(path, f"Minimum value is {minimum}")
        elif maximum is not None and value > maximum:
            self.fail(path, f"Maximum value is {maximum}")

    def check_number(self, path: str, value: Any, minimum: float, maximum: float | None) -> None:
        if self.jsonata and _is_jsonata(value):
            return
        if not _is_number(value):
            self.fail(path, "Expected value of type Number")
        elif value < minimum:
            self.fail(path, f"Minimum value is {minimum}")
        elif maximum is not None and value > maximum:
            self.fail(path, f"Maximum value is {maximum}")

    def check_string(self, path: str, value: Any) -> bool:
        if isinstance(value, str):
            return True
        self.fail(path, "Expected value of type String")
        return False

    def check_object(self, path: str, value: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.fail(path, "Expected value of type Object")
        return False

    def check_array(self, path: str, value: Any, *, non_empty: bool = True) -> bool:
        if not isinstance(value, list):
            self.fail(path, "Expected value of type Array")
            return False
        if non_empty and not value:
            self.fail(path, "Value cannot be empty")
            return False
        return True

    def check_enum(self, path: str, value: Any, allowed: tuple[str, ...]) -> bool:
        if value in allowed:
            return True
        self.fail(path, f"Value should be one of the following: [{', '.join(allowed)}]")
        return False


# --- field checkers: one per field name, shared by every state type that supports the field ---

FieldCheck = Callable[[_Scope, str, Any], None]


def _path_or_null(scope: _Scope, path: str, value: Any) -> None:
    if value is not None and not (_is_path(value) or _is_intrinsic(value)):
        scope.fail(path, "Value is not a valid JSONPath")


def _result_path(scope: _Scope, path: str, value: Any) -> None:
    if value is not None and not _is_reference_path(value):
        scope.fail(path, "Value is not a Reference Path")


def _reference_path(scope: _Scope, path: str, value: Any) -> None:
    if not _is_path(value):
        scope.fail(path, "Value is not a Reference Path")


def _path_or_intrinsic(scope: _Scope, path: str, value: Any) -> None:
    if not (_is_path(value) or _is_intrinsic(value)):
        scope.fail(path, "Value is not a valid JSONPath or a valid intrinsic function call")


def _payload(scope: _Scope, path: str, value: Any) -> None:
    """A payload template (Parameters, ResultSelector, ItemSelector): ``.$`` keys hold paths."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            _payload(scope, f"{path}[{index}]", item)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if scope.jsonata or not key.endswith(".$"):
            _payload(scope, _child(path, key), item)
        elif not (_is_path(item) or _is_intrinsic(item)):
            scope.fail(
                path,
                f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic "
                "function call",
            )


def _payload_object(scope: _Scope, path: str, value: Any) -> None:
    if scope.jsonata and _is_jsonata(value):
        return
    if scope.check_object(path, value):
        _payload(scope, path, value)


def _arguments(scope: _Scope, path: str, value: Any) -> None:
    if not (_is_jsonata(value) or isinstance(value, dict)):
        scope.fail(path, "Expected value of type Object or a JSONata expression")


def _assign(scope: _Scope, path: str, value: Any) -> None:
    if scope.jsonata and _is_jsonata(value):
        return
    if not scope.check_object(path, value):
        return
    for key, item in value.items():
        name = key.removesuffix(".$") if not scope.jsonata else key
        if not name.isidentifier() or len(name) > MAX_NAME_LENGTH:
            scope.fail(path, f"The variable name '{name}' is not valid")
        elif name in RESERVED_VARIABLES:
            scope.fail(path, f"The variable name '{name}' is reserved")
        if key.endswith(".$") and not scope.jsonata:
            _payload(scope, path, {key: item})
        else:
            _payload(scope, _child(path, key), item)


def _string_field(scope: _Scope, path: str, value: Any) -> None:
    scope.check_string(path, value)


def _boolean_field(scope: _Scope, path: str, value: Any) -> None:
    if not isinstance(value, bool):
        scope.fail(path, "Expected value of type Boolean")


def _anything(scope: _Scope, path: str, value: Any) -> None:
    del scope, path, value


def _timeout(scope: _Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 1, MAX_SECONDS)


def _seconds(scope: _Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 0, MAX_SECONDS)


def _count(scope: _Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 0, None)


def _percentage(scope: _Scope, path: str, value: Any) -> None:
    scope.check_number(path, value, 0.0, 100.0)


def _timestamp(scope: _Scope, path: str, value: Any) -> None:
    if not (scope.jsonata and _is_jsonata(value)) and not _is_timestamp(value):
        scope.fail(path, "String does not match RFC3339 timestamp")


def _items(scope: _Scope, path: str, value: Any) -> None:
    if not (_is_jsonata(value) or isinstance(value, list)):
        scope.fail(path, "Expected value of type Array or a JSONata expression")


def _label(scope: _Scope, path: str, value: Any) -> None:
    if not scope.check_string(path, value):
        return
    reason = None
    if not value:
        reason = "Label cannot be empty"
    elif len(value) > MAX_LABEL_LENGTH:
        reason = f"Label cannot exceed {MAX_LABEL_LENGTH} characters"
    else:
        bad = next((char for char in value if char in LABEL_FORBIDDEN or char.isspace()), None)
        if bad is not None:
            reason = f"Label contains invalid character: {bad!r}"
    if reason is not None:
        scope.ctx.label_errors.append(Diagnostic("INVALID_LABEL_NAME", path, reason))
    elif value in scope.ctx.labels:
        scope.fail(path, f"Duplicate Label name: {value}", DUPLICATE_LABEL_NAME)
    scope.ctx.labels.add(value)


FIELD_CHECKS: Final[dict[str, FieldCheck]] = {
    "Comment": _string_field,
    "Next": _string_field,
    "Default": _string_field,
    "End": _boolean_field,
    "Resource": _string_field,
    "Error": _string_field,
    "Cause": _string_field,
    "InputPath": _path_or_null,
    "OutputPath": _path_or_null,
    "ResultPath": _result_path,
    "Parameters": _payload_object,
    "ResultSelector": _payload_object,
    "ItemSelector": _payload_object,
    "Arguments": _arguments,
    "Assign": _assign,
    "Output": _anything,
    "Result": _anything,
    "TimeoutSeconds": _timeout,
    "HeartbeatSeconds": _timeout,
    "Seconds": _seconds,
    "Timestamp": _timestamp,
    "MaxConcurrency": _count,
    "ToleratedFailureCount": _count,
    "ToleratedFailurePercentage": _percentage,
    "TimeoutSecondsPath": _reference_path,
    "HeartbeatSecondsPath": _reference_path,
    "SecondsPath": _reference_path,
    "TimestampPath": _reference_path,
    "ItemsPath": _reference_path,
    "MaxConcurrencyPath": _reference_path,
    "ToleratedFailureCountPath": _reference_path,
    "ToleratedFailurePercentagePath": _reference_path,
    "ErrorPath": _path_or_intrinsic,
    "CausePath": _path_or_intrinsic,
    "Items": _items,
    "Label": _label,
}


# --- Retry and Catch ---


def _error_equals(scope: _Scope, path: str, handler: dict[str, Any], *, last: bool) -> None:
    if "ErrorEquals" not in handler:
        return
    errors = handler["ErrorEquals"]
    at = _child(path, "ErrorEquals")
    if not scope.check_array(at, errors):
        return
    for index, name in enumerate(errors):
        scope.check_string(f"{at}[{index}]", name)
    if "States.ALL" in errors and len(errors) > 1:
        scope.fail(at, "States.ALL must appear alone in the ErrorEquals array")
    elif "States.ALL" in errors and not last:
        scope.fail(at, "States.ALL must be the last element of its array")


def _handlers(scope: _Scope, path: str, value: Any) -> Iterator[tuple[str, dict[str, Any], bool]]:
    if not scope.check_array(path, value, non_empty=False):
        return
    for index, handler in enumerate(value):
        at = f"{path}[{index}]"
        if scope.check_object(at, handler):
            yield at, handler, index == len(value) - 1


RETRIER_RANGES: Final[dict[str, tuple[int, int | None]]] = {
    "IntervalSeconds": (0, MAX_SECONDS),
    "MaxAttempts": (0, MAX_SECONDS),
    "MaxDelaySeconds": (1, 31_622_400),
}


def _retry(scope: _Scope, path: str, value: Any) -> None:
    for at, retrier, last in _handlers(scope, path, value):
        _known_fields(scope, at, retrier, RETRIER_FIELDS)
        _required(scope, at, retrier, ("ErrorEquals",))
        _error_equals(scope, at, retrier, last=last)
        for name, (minimum, maximum) in RETRIER_RANGES.items():
            if name in retrier:
                scope.check_integer(_child(at, name), retrier[name], minimum, maximum)
        if "BackoffRate" in retrier:
            scope.check_number(_child(at, "BackoffRate"), retrier["BackoffRate"], 1.0, None)
        if "JitterStrategy" in retrier:
            scope.check_enum(
                _child(at, "JitterStrategy"), retrier["JitterStrategy"], ("FULL", "NONE")
            )


def _catch(scope: _Scope, path: str, value: Any) -> None:
    for at, catcher, last in _handlers(scope, path, value):
        _known_fields(scope, at, catcher, CATCHER_FIELDS_ALL)
        _language_fields(scope, at, catcher)
        _required(scope, at, catcher, ("ErrorEquals", "Next"))
        _error_equals(scope, at, catcher, last=last)
        for name in ("Next", "ResultPath", "Assign"):
            if name in catcher:
                FIELD_CHECKS[name](scope, _child(at, name), catcher[name])


FIELD_CHECKS["Retry"] = _retry
FIELD_CHECKS["Catch"] = _catch


# --- shared structure checks ---


def _required(scope: _Scope, path: str, obj: dict[str, Any], names: tuple[str, ...]) -> bool:
    missing = [name for name in names if name not in obj]
    if missing:
        scope.fail(path, f"These fields are required: [{', '.join(missing)}]")
    return not missing


def _known_fields(scope: _Scope, path: str, obj: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in obj:
        if name not in allowed:
            scope.fail(path, f"Field '{name}' is not supported")


def _language_fields(scope: _Scope, path: str, obj: dict[str, Any]) -> None:
    foreign, owner = (JSONPATH_ONLY, JSONPATH) if scope.jsonata else (JSONATA_ONLY, JSONATA)
    for name in obj:
        if name in foreign:
            scope.fail(
                path,
                f"The QueryLanguage is set to '{scope.language}', but field '{name}' is only "
                f"supported for the '{owner}' QueryLanguage",
            )


def _exclusive(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    for group in EXCLUSIVE:
        if all(name in state for name in group):
            scope.fail(
                path, f"There should only be one of the following fields: [{', '.join(group)}]"
            )


def _transition(scope: _Scope, path: str, kind: str, state: dict[str, Any]) -> None:
    if kind in {"Choice", "Succeed", "Fail"}:
        return
    ends = state.get("End") is True
    if "Next" in state and ends:
        scope.fail(path, "There should only be one of the following fields: [Next, End]")
    elif "Next" not in state and not ends:
        scope.fail(path, "This object should have only one of the following fields: [Next, End]")


# --- state types ---


def _task(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    if _required(scope, path, state, ("Resource",)) and isinstance(state["Resource"], str):
        _resource(scope, _child(path, "Resource"), state["Resource"])
    if "Credentials" in state:
        credentials = state["Credentials"]
        at = _child(path, "Credentials")
        if (
            scope.check_object(at, credentials)
            and not {"RoleArn", "RoleArn.$"} & credentials.keys()
        ):
            scope.fail(at, "The field 'RoleArn' is required but was missing")
    timeout: Any = state.get("TimeoutSeconds")
    heartbeat: Any = state.get("HeartbeatSeconds")
    if _is_integer(timeout) and _is_integer(heartbeat) and heartbeat >= timeout:
        scope.fail(
            _child(path, "HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds"
        )


def _resource(scope: _Scope, path: str, resource: str) -> None:
    if not resource.startswith("arn:") and "<" not in resource and "${" not in resource:
        scope.fail(path, f"Invalid resource: {resource}", "INVALID_RESOURCE")
        return
    if not scope.ctx.express:
        return
    if ":activity:" in resource:
        scope.fail(path, "Express state machine does not support Activity ARN")
    for pattern, reason in _EXPRESS_PATTERNS:
        if pattern.search(resource):
            scope.fail(path, reason)


def _wait(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    present = [name for name in WAIT_FIELDS if name in state]
    if len(present) != 1:
        quantifier = "There should only be" if present else "This object should have only"
        scope.fail(path, f"{quantifier} one of the following fields: [{', '.join(WAIT_FIELDS)}]")


def _parallel(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    if not _required(scope, path, state, ("Branches",)):
        return
    at = _child(path, "Branches")
    if scope.check_array(at, state["Branches"]):
        for index, branch in enumerate(state["Branches"]):
            branch_path = f"{at}[{index}]"
            if scope.check_object(branch_path, branch):
                _known_fields(scope, branch_path, branch, BRANCH_FIELDS)
                _states(scope.ctx, branch_path, branch)


def _map(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    names = [name for name in ("ItemProcessor", "Iterator") if name in state]
    if not names:
        scope.fail(
            path,
            "This object should have only one of the following fields: [ItemProcessor, Iterator]",
        )
    for key in names:
        at = _child(path, key)
        processor = state[key]
        if scope.check_object(at, processor):
            _known_fields(scope, at, processor, PROCESSOR_FIELDS)
            if "ProcessorConfig" in processor:
                _processor_config(
                    scope, _child(at, "ProcessorConfig"), processor["ProcessorConfig"]
                )
            _states(scope.ctx, at, processor)
    for name in ("ItemReader", "ItemBatcher", "ResultWriter"):
        if name in state and scope.check_object(_child(path, name), state[name]):
            _map_part(scope, _child(path, name), state[name])


def _processor_config(scope: _Scope, path: str, config: Any) -> None:
    if not scope.check_object(path, config):
        return
    _known_fields(scope, path, config, frozenset({"Mode", "ExecutionType"}))
    mode = config.get("Mode", "INLINE")
    scope.check_enum(_child(path, "Mode"), mode, ("INLINE", "DISTRIBUTED"))
    if "ExecutionType" in config:
        if mode == "INLINE":
            scope.fail(path, "Field 'ExecutionType' is not supported")
        else:
            scope.check_enum(
                _child(path, "ExecutionType"), config["ExecutionType"], ("STANDARD", "EXPRESS")
            )
    elif mode == "DISTRIBUTED":
        scope.fail(path, "These fields are required: [ExecutionType]")


def _map_part(scope: _Scope, path: str, part: dict[str, Any]) -> None:
    """ItemReader, ItemBatcher, ResultWriter: the templates inside follow the state's language."""
    for name in ("Parameters", "Arguments"):
        if name in part:
            FIELD_CHECKS[name](scope, _child(path, name), part[name])
    if path.endswith("/ItemReader"):
        _required(scope, path, part, ("Resource",))


def _choice(scope: _Scope, path: str, state: dict[str, Any]) -> None:
    if not _required(scope, path, state, ("Choices",)):
        return
    at = _child(path, "Choices")
    if scope.check_array(at, state["Choices"]):
        for index, rule in enumerate(state["Choices"]):
            _rule(scope, f"{at}[{index}]", rule, top=True)


TOP_RULE_FIELDS: Final = frozenset({"Next", "Comment", "Assign", "Output"})


def _rule(scope: _Scope, path: str, rule: Any, *, top: bool) -> None:
    if not scope.check_object(path, rule):
        return
    if top:
        _required(scope, path, rule, ("Next",))
        for name in ("Next", "Assign"):
            if name in rule:
                FIELD_CHECKS[name](scope, _child(path, name), rule[name])
    elif "Next" in rule:
        scope.fail(path, "Field 'Next' is not supported")
    allowed = (
        (TOP_RULE_FIELDS if top else frozenset({"Comment"}))
        | set(RULE_SELECTORS)
        | OPERATORS.keys()
    )
    _known_fields(scope, path, rule, frozenset(allowed))
    _language_fields(scope, path, rule)
    if scope.jsonata:
        _required(scope, path, rule, ("Condition",))
        condition = rule.get("Condition", True)
        if not (isinstance(condition, bool) or _is_jsonata(condition)):
            scope.fail(
                _child(path, "Condition"), "Expected value of type Boolean or a JSONata expression"
            )
    else:
        _jsonpath_rule(scope, path, rule)


def _jsonpath_rule(scope: _Scope, path: str, rule: dict[str, Any]) -> None:
    selectors = [name for name in RULE_SELECTORS if name in rule and name != "Condition"]
    if len(selectors) != 1:
        scope.fail(
            path,
            f"The object must have only one of the following fields, [{', '.join(RULE_SELECTORS)}]",
        )
        return
    selector = selectors[0]
    at = _child(path, selector)
    if selector in {"And", "Or"}:
        if scope.check_array(at, rule[selector]):
            for index, nested in enumerate(rule[selector]):
                _rule(scope, f"{at}[{index}]", nested, top=False)
    elif selector == "Not":
        _rule(scope, at, rule["Not"], top=False)
    else:
        _comparison(scope, path, rule)


def _comparison(scope: _Scope, path: str, rule: dict[str, Any]) -> None:
    if not _is_path(rule["Variable"]):
        scope.fail(_child(path, "Variable"), "Value is not a valid JSONPath")
    operators = [name for name in rule if name in OPERATORS]
    if len(operators) != 1:
        scope.fail(
            path, f"There should only be one of the following fields: [{', '.join(OPERATORS)}]"
        )
        return
    name = operators[0]
    reason = _operand_problem(OPERATORS[name], rule[name])
    if reason is not None:
        scope.fail(_child(path, name), reason)


def _operand_problem(kind: str, value: Any) -> str | None:
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "string": (lambda v: isinstance(v, str), "Expected value of type String"),
        "number": (_is_number, "Expected value of type Number"),
        "boolean": (lambda v: isinstance(v, bool), "Expected value of type Boolean"),
        "timestamp": (_is_timestamp, "String does not match RFC3339 timestamp"),
        "path": (_is_path, "Value is not a valid JSONPath"),
    }
    accepts, reason = checks[kind]
    return None if accepts(value) else reason


STATE_CHECKS: Final[dict[str, Callable[[_Scope, str, dict[str, Any]], None]]] = {
    "Task": _task,
    "Wait": _wait,
    "Parallel": _parallel,
    "Map": _map,
    "Choice": _choice,
}


def _state(ctx: _Context, path: str, name: str, state: Any) -> None:
    scope = _Scope(ctx, ctx.machine_language)
    if len(name) > MAX_NAME_LENGTH:
        ctx.fail(
            path, f"State name '{name}' exceeds {MAX_NAME_LENGTH} characters", INVALID_STATE_NAME
        )
    if name in ctx.state_names:
        ctx.fail(path, f"Duplicate State name: {name}", DUPLICATE_STATE_NAME)
    ctx.state_names.add(name)
    if not scope.check_object(path, state) or not _required(scope, path, state, ("Type",)):
        return
    kind = state["Type"]
    if not scope.check_enum(_child(path, "Type"), kind, STATE_TYPES):
        return
    scope = _Scope(ctx, _query_language(scope, path, state))
    _known_fields(scope, path, state, COMMON_FIELDS | STATE_FIELDS[kind])
    _language_fields(scope, path, {k: v for k, v in state.items() if k in STATE_FIELDS[kind]})
    _exclusive(scope, path, state)
    _transition(scope, path, kind, state)
    for key, value in state.items():
        check = FIELD_CHECKS.get(key)
        if check is not None and key in STATE_FIELDS[kind] | {"Comment"}:
            check(scope, _child(path, key), value)
    if kind in STATE_CHECKS:
        STATE_CHECKS[kind](scope, path, state)


def _query_language(scope: _Scope, path: str, state: dict[str, Any]) -> str:
    """The state's effective language; nested states inherit the machine's, not their parent's."""
    if "QueryLanguage" not in state:
        return scope.ctx.machine_language
    value = state["QueryLanguage"]
    scope.check_enum(_child(path, "QueryLanguage"), value, (JSONPATH, JSONATA))
    if value == JSONPATH and scope.ctx.machine_language == JSONATA:
        scope.fail(
            path,
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )
    return JSONPATH if value == JSONPATH else JSONATA


# --- containers and the transition graph ---


def _targets(path: str, state: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(state, dict):
        return
    for name in ("Next", "Default"):
        if name in state:
            yield _child(path, name), state[name]
    for name in ("Choices", "Catch"):
        items = state.get(name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and "Next" in item:
                yield f"{_child(path, name)}[{index}]/Next", item["Next"]


def _is_terminal(state: Any) -> bool:
    return isinstance(state, dict) and (
        state.get("Type") in {"Succeed", "Fail"} or state.get("End") is True
    )


def _states(ctx: _Context, path: str, container: dict[str, Any]) -> None:
    """A set of states with its StartAt: the machine, a Parallel branch or a Map processor."""
    scope = _Scope(ctx, ctx.machine_language)
    if not _required(scope, path, container, ("StartAt", "States")):
        return
    start, states = container["StartAt"], container["States"]
    if not scope.check_string(_child(path, "StartAt"), start):
        return
    states_path = _child(path, "States")
    if not scope.check_object(states_path, states):
        return
    for name in getattr(states, "duplicates", ()):
        ctx.fail(_child(states_path, name), f"Duplicate State name: {name}", DUPLICATE_STATE_NAME)
    for name, state in states.items():
        _state(ctx, _child(states_path, name), name, state)
    _graph(ctx, path, start, states)


def _edges(ctx: _Context, states_path: str, states: dict[str, Any]) -> dict[str, list[str]]:
    """Each state's targets; a target naming no state is reported where it is written."""
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        edges[name] = []
        for at, target in _targets(_child(states_path, name), state):
            if isinstance(target, str) and target in states:
                edges[name].append(target)
            elif isinstance(target, str):
                ctx.fail(at, f"Missing 'Next' target: {target}", MISSING_TARGET)
    return edges


def _graph(ctx: _Context, path: str, start: str, states: dict[str, Any]) -> None:
    states_path = _child(path, "States")
    if start not in states:
        ctx.fail(_child(path, "StartAt"), f"Missing 'Next' target: {start}", MISSING_TARGET)
    edges = _edges(ctx, states_path, states)
    if not any(_is_terminal(state) for state in states.values()):
        # AWS reports no unreachable states once the workflow has no terminal state at all.
        ctx.fail("", "Workflow has no terminal state", MISSING_END_STATE)
        return
    reached: set[str] = set()
    pending = [start] if start in states else []
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(edges[name])
    for name in states:
        if name not in reached:
            ctx.fail(_child(states_path, name), f'State "{name}" is not reachable.', MISSING_TARGET)


def _machine(ctx: _Context, definition: Any) -> None:
    scope = _Scope(ctx, JSONPATH)
    if not scope.check_object("/", definition):
        return
    _known_fields(scope, "/", definition, TOP_FIELDS)
    if "QueryLanguage" in definition:
        language = definition["QueryLanguage"]
        scope.check_enum("/QueryLanguage", language, (JSONPATH, JSONATA))
        ctx.machine_language = JSONPATH if language == JSONPATH else JSONATA
    if "Version" in definition:
        scope.check_enum("/Version", definition["Version"], ("1.0",))
    if "TimeoutSeconds" in definition:
        scope.check_integer("/TimeoutSeconds", definition["TimeoutSeconds"], 0, MAX_SECONDS)
    if "Comment" in definition:
        scope.check_string("/Comment", definition["Comment"])
    _states(ctx, "/", definition)


# --- parsing and the public entry point ---


class _JsonObject(dict[str, Any]):
    """A parsed JSON object that remembers the keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated: list[str] = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        obj.duplicates = tuple(repeated)
    return obj


def _parse(definition: str | dict[str, Any]) -> tuple[str, Any]:
    if not isinstance(definition, str):
        return json.dumps(definition), definition
    if not definition.strip():
        raise _invalid(
            [Diagnostic(MISSING_DESCRIPTION, "", "Received a null or empty workflow input")]
        )
    try:
        parsed = json.loads(definition, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as error:
        reason = f"{error.msg} at line {error.lineno}, column {error.colno}"
        raise _invalid([Diagnostic(INVALID_JSON, "", reason)]) from None
    return definition, parsed


def _invalid(diagnostics: list[Diagnostic]) -> InvalidDefinition:
    return InvalidDefinition(_aws_message(diagnostics), diagnostics)


def validate_definition(
    definition: str | dict[str, Any],
    *,
    state_machine_type: Literal["STANDARD", "EXPRESS"] = "STANDARD",
) -> dict[str, Any]:
    """Return the parsed definition, or raise ``InvalidDefinition`` with AWS's message."""
    if state_machine_type not in {"STANDARD", "EXPRESS"}:
        raise ValueError(
            f"state_machine_type must be STANDARD or EXPRESS, not {state_machine_type!r}"
        )
    source, parsed = _parse(definition)
    ctx = _Context(express=state_machine_type == "EXPRESS")
    _machine(ctx, parsed)
    if ctx.label_errors:
        first = ctx.label_errors[0]
        message = f"Error=ValueError Args={[first.reason]!r} in definition '{source}'."
        raise InvalidDefinition(message, ctx.label_errors + ctx.diagnostics)
    if ctx.diagnostics:
        raise _invalid(ctx.diagnostics)
    result: dict[str, Any] = parsed
    return result
