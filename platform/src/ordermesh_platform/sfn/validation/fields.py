"""The fields each state type supports, and the check of each field: one checker per field name,
shared by every state type that has the field (Retry and Catch included), and the checks of a
state's fields as a whole (required, supported, exclusive, owned by the other query language)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from ordermesh_platform.sfn.validation.messages import DUPLICATE_LABEL_NAME, Diagnostic
from ordermesh_platform.sfn.validation.scope import JSONATA, JSONPATH, Scope
from ordermesh_platform.sfn.validation.values import (
    child,
    is_intrinsic,
    is_jsonata,
    is_path,
    is_reference_path,
    is_timestamp,
)

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
RESERVED_VARIABLES: Final = frozenset({"states"})
# Map Label: no whitespace, brackets, wildcards, these specials or control characters.
LABEL_FORBIDDEN: Final = frozenset(' ?*<>{}[]:;,\\|^~$#%&`"/') | {
    chr(code) for code in (*range(0x20), *range(0x7F, 0xA0))
}


# --- field checkers: one per field name, shared by every state type that supports the field ---

FieldCheck = Callable[[Scope, str, Any], None]


def _path_or_null(scope: Scope, path: str, value: Any) -> None:
    if value is not None and not (is_path(value) or is_intrinsic(value)):
        scope.fail(path, "Value is not a valid JSONPath")


def _result_path(scope: Scope, path: str, value: Any) -> None:
    if value is not None and not is_reference_path(value):
        scope.fail(path, "Value is not a Reference Path")


def _reference_path(scope: Scope, path: str, value: Any) -> None:
    if not is_path(value):
        scope.fail(path, "Value is not a Reference Path")


def _path_or_intrinsic(scope: Scope, path: str, value: Any) -> None:
    if not (is_path(value) or is_intrinsic(value)):
        scope.fail(path, "Value is not a valid JSONPath or a valid intrinsic function call")


def _payload(scope: Scope, path: str, value: Any) -> None:
    """A payload template (Parameters, ResultSelector, ItemSelector): ``.$`` keys hold paths."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            _payload(scope, f"{path}[{index}]", item)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if scope.jsonata or not key.endswith(".$"):
            _payload(scope, child(path, key), item)
        elif not (is_path(item) or is_intrinsic(item)):
            scope.fail(
                path,
                f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic "
                "function call",
            )


def _payload_object(scope: Scope, path: str, value: Any) -> None:
    if scope.jsonata and is_jsonata(value):
        return
    if scope.check_object(path, value):
        _payload(scope, path, value)


def _arguments(scope: Scope, path: str, value: Any) -> None:
    if not (is_jsonata(value) or isinstance(value, dict)):
        scope.fail(path, "Expected value of type Object or a JSONata expression")


def _assign(scope: Scope, path: str, value: Any) -> None:
    if scope.jsonata and is_jsonata(value):
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
            _payload(scope, child(path, key), item)


def _string_field(scope: Scope, path: str, value: Any) -> None:
    scope.check_string(path, value)


def _boolean_field(scope: Scope, path: str, value: Any) -> None:
    if not isinstance(value, bool):
        scope.fail(path, "Expected value of type Boolean")


def _anything(scope: Scope, path: str, value: Any) -> None:
    del scope, path, value


def _timeout(scope: Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 1, MAX_SECONDS)


def _seconds(scope: Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 0, MAX_SECONDS)


def _count(scope: Scope, path: str, value: Any) -> None:
    scope.check_integer(path, value, 0, None)


def _percentage(scope: Scope, path: str, value: Any) -> None:
    scope.check_number(path, value, 0.0, 100.0)


def _timestamp(scope: Scope, path: str, value: Any) -> None:
    if not (scope.jsonata and is_jsonata(value)) and not is_timestamp(value):
        scope.fail(path, "String does not match RFC3339 timestamp")


def _items(scope: Scope, path: str, value: Any) -> None:
    if not (is_jsonata(value) or isinstance(value, list)):
        scope.fail(path, "Expected value of type Array or a JSONata expression")


def _label(scope: Scope, path: str, value: Any) -> None:
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


def _error_equals(scope: Scope, path: str, handler: dict[str, Any], *, last: bool) -> None:
    if "ErrorEquals" not in handler:
        return
    errors = handler["ErrorEquals"]
    at = child(path, "ErrorEquals")
    if not scope.check_array(at, errors):
        return
    for index, name in enumerate(errors):
        scope.check_string(f"{at}[{index}]", name)
    if "States.ALL" in errors and len(errors) > 1:
        scope.fail(at, "States.ALL must appear alone in the ErrorEquals array")
    elif "States.ALL" in errors and not last:
        scope.fail(at, "States.ALL must be the last element of its array")


def _handlers(scope: Scope, path: str, value: Any) -> Iterator[tuple[str, dict[str, Any], bool]]:
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


def _retry(scope: Scope, path: str, value: Any) -> None:
    for at, retrier, last in _handlers(scope, path, value):
        known_fields(scope, at, retrier, RETRIER_FIELDS)
        required(scope, at, retrier, ("ErrorEquals",))
        _error_equals(scope, at, retrier, last=last)
        for name, (minimum, maximum) in RETRIER_RANGES.items():
            if name in retrier:
                scope.check_integer(child(at, name), retrier[name], minimum, maximum)
        if "BackoffRate" in retrier:
            scope.check_number(child(at, "BackoffRate"), retrier["BackoffRate"], 1.0, None)
        if "JitterStrategy" in retrier:
            scope.check_enum(
                child(at, "JitterStrategy"), retrier["JitterStrategy"], ("FULL", "NONE")
            )


def _catch(scope: Scope, path: str, value: Any) -> None:
    for at, catcher, last in _handlers(scope, path, value):
        known_fields(scope, at, catcher, CATCHER_FIELDS_ALL)
        language_fields(scope, at, catcher)
        required(scope, at, catcher, ("ErrorEquals", "Next"))
        _error_equals(scope, at, catcher, last=last)
        for name in ("Next", "ResultPath", "Assign"):
            if name in catcher:
                FIELD_CHECKS[name](scope, child(at, name), catcher[name])


FIELD_CHECKS["Retry"] = _retry
FIELD_CHECKS["Catch"] = _catch


# --- shared structure checks ---


def required(scope: Scope, path: str, obj: dict[str, Any], names: tuple[str, ...]) -> bool:
    missing = [name for name in names if name not in obj]
    if missing:
        scope.fail(path, f"These fields are required: [{', '.join(missing)}]")
    return not missing


def known_fields(scope: Scope, path: str, obj: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in obj:
        if name not in allowed:
            scope.fail(path, f"Field '{name}' is not supported")


def language_fields(scope: Scope, path: str, obj: dict[str, Any]) -> None:
    foreign, owner = (JSONPATH_ONLY, JSONPATH) if scope.jsonata else (JSONATA_ONLY, JSONATA)
    for name in obj:
        if name in foreign:
            scope.fail(
                path,
                f"The QueryLanguage is set to '{scope.language}', but field '{name}' is only "
                f"supported for the '{owner}' QueryLanguage",
            )


def exclusive(scope: Scope, path: str, state: dict[str, Any]) -> None:
    for group in EXCLUSIVE:
        if all(name in state for name in group):
            scope.fail(
                path, f"There should only be one of the following fields: [{', '.join(group)}]"
            )


def transition(scope: Scope, path: str, kind: str, state: dict[str, Any]) -> None:
    if kind in {"Choice", "Succeed", "Fail"}:
        return
    ends = state.get("End") is True
    if "Next" in state and ends:
        scope.fail(path, "There should only be one of the following fields: [Next, End]")
    elif "Next" not in state and not ends:
        scope.fail(path, "This object should have only one of the following fields: [Next, End]")
