"""The checks of each state type (Task, Wait, Parallel, Map, Choice and its rules), of one state
(name, type, fields, query language) and of a set of states with its StartAt."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from ordermesh_platform.sfn.validation.fields import (
    BRANCH_FIELDS,
    COMMON_FIELDS,
    FIELD_CHECKS,
    MAX_NAME_LENGTH,
    PROCESSOR_FIELDS,
    STATE_FIELDS,
    STATE_TYPES,
    WAIT_FIELDS,
    exclusive,
    known_fields,
    language_fields,
    required,
    transition,
)
from ordermesh_platform.sfn.validation.graph import check_graph
from ordermesh_platform.sfn.validation.messages import DUPLICATE_STATE_NAME, INVALID_STATE_NAME
from ordermesh_platform.sfn.validation.scope import JSONATA, JSONPATH, Context, Scope
from ordermesh_platform.sfn.validation.values import (
    child,
    is_integer,
    is_jsonata,
    is_number,
    is_path,
    is_timestamp,
)

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


# --- state types ---


def _task(scope: Scope, path: str, state: dict[str, Any]) -> None:
    if required(scope, path, state, ("Resource",)) and isinstance(state["Resource"], str):
        _resource(scope, child(path, "Resource"), state["Resource"])
    if "Credentials" in state:
        credentials = state["Credentials"]
        at = child(path, "Credentials")
        if (
            scope.check_object(at, credentials)
            and not {"RoleArn", "RoleArn.$"} & credentials.keys()
        ):
            scope.fail(at, "The field 'RoleArn' is required but was missing")
    timeout: Any = state.get("TimeoutSeconds")
    heartbeat: Any = state.get("HeartbeatSeconds")
    if is_integer(timeout) and is_integer(heartbeat) and heartbeat >= timeout:
        scope.fail(
            child(path, "HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds"
        )


def _resource(scope: Scope, path: str, resource: str) -> None:
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


def _wait(scope: Scope, path: str, state: dict[str, Any]) -> None:
    present = [name for name in WAIT_FIELDS if name in state]
    if len(present) != 1:
        quantifier = "There should only be" if present else "This object should have only"
        scope.fail(path, f"{quantifier} one of the following fields: [{', '.join(WAIT_FIELDS)}]")


def _parallel(scope: Scope, path: str, state: dict[str, Any]) -> None:
    if not required(scope, path, state, ("Branches",)):
        return
    at = child(path, "Branches")
    if scope.check_array(at, state["Branches"]):
        for index, branch in enumerate(state["Branches"]):
            branch_path = f"{at}[{index}]"
            if scope.check_object(branch_path, branch):
                known_fields(scope, branch_path, branch, BRANCH_FIELDS)
                check_states(scope.ctx, branch_path, branch)


def _map(scope: Scope, path: str, state: dict[str, Any]) -> None:
    names = [name for name in ("ItemProcessor", "Iterator") if name in state]
    if not names:
        scope.fail(
            path,
            "This object should have only one of the following fields: [ItemProcessor, Iterator]",
        )
    for key in names:
        at = child(path, key)
        processor = state[key]
        if scope.check_object(at, processor):
            known_fields(scope, at, processor, PROCESSOR_FIELDS)
            if "ProcessorConfig" in processor:
                _processor_config(scope, child(at, "ProcessorConfig"), processor["ProcessorConfig"])
            check_states(scope.ctx, at, processor)
    for name in ("ItemReader", "ItemBatcher", "ResultWriter"):
        if name in state and scope.check_object(child(path, name), state[name]):
            _map_part(scope, child(path, name), state[name])


def _processor_config(scope: Scope, path: str, config: Any) -> None:
    if not scope.check_object(path, config):
        return
    known_fields(scope, path, config, frozenset({"Mode", "ExecutionType"}))
    mode = config.get("Mode", "INLINE")
    scope.check_enum(child(path, "Mode"), mode, ("INLINE", "DISTRIBUTED"))
    if "ExecutionType" in config:
        if mode == "INLINE":
            scope.fail(path, "Field 'ExecutionType' is not supported")
        else:
            scope.check_enum(
                child(path, "ExecutionType"), config["ExecutionType"], ("STANDARD", "EXPRESS")
            )
    elif mode == "DISTRIBUTED":
        scope.fail(path, "These fields are required: [ExecutionType]")


def _map_part(scope: Scope, path: str, part: dict[str, Any]) -> None:
    """ItemReader, ItemBatcher, ResultWriter: the templates inside follow the state's language."""
    for name in ("Parameters", "Arguments"):
        if name in part:
            FIELD_CHECKS[name](scope, child(path, name), part[name])
    if path.endswith("/ItemReader"):
        required(scope, path, part, ("Resource",))


def _choice(scope: Scope, path: str, state: dict[str, Any]) -> None:
    if not required(scope, path, state, ("Choices",)):
        return
    at = child(path, "Choices")
    if scope.check_array(at, state["Choices"]):
        for index, rule in enumerate(state["Choices"]):
            _rule(scope, f"{at}[{index}]", rule, top=True)


TOP_RULE_FIELDS: Final = frozenset({"Next", "Comment", "Assign", "Output"})


def _rule(scope: Scope, path: str, rule: Any, *, top: bool) -> None:
    if not scope.check_object(path, rule):
        return
    if top:
        required(scope, path, rule, ("Next",))
        for name in ("Next", "Assign"):
            if name in rule:
                FIELD_CHECKS[name](scope, child(path, name), rule[name])
    elif "Next" in rule:
        scope.fail(path, "Field 'Next' is not supported")
    allowed = (
        (TOP_RULE_FIELDS if top else frozenset({"Comment"}))
        | set(RULE_SELECTORS)
        | OPERATORS.keys()
    )
    known_fields(scope, path, rule, frozenset(allowed))
    language_fields(scope, path, rule)
    if scope.jsonata:
        required(scope, path, rule, ("Condition",))
        condition = rule.get("Condition", True)
        if not (isinstance(condition, bool) or is_jsonata(condition)):
            scope.fail(
                child(path, "Condition"), "Expected value of type Boolean or a JSONata expression"
            )
    else:
        _jsonpath_rule(scope, path, rule)


def _jsonpath_rule(scope: Scope, path: str, rule: dict[str, Any]) -> None:
    selectors = [name for name in RULE_SELECTORS if name in rule and name != "Condition"]
    if len(selectors) != 1:
        scope.fail(
            path,
            f"The object must have only one of the following fields, [{', '.join(RULE_SELECTORS)}]",
        )
        return
    selector = selectors[0]
    at = child(path, selector)
    if selector in {"And", "Or"}:
        if scope.check_array(at, rule[selector]):
            for index, nested in enumerate(rule[selector]):
                _rule(scope, f"{at}[{index}]", nested, top=False)
    elif selector == "Not":
        _rule(scope, at, rule["Not"], top=False)
    else:
        _comparison(scope, path, rule)


def _comparison(scope: Scope, path: str, rule: dict[str, Any]) -> None:
    if not is_path(rule["Variable"]):
        scope.fail(child(path, "Variable"), "Value is not a valid JSONPath")
    operators = [name for name in rule if name in OPERATORS]
    if len(operators) != 1:
        scope.fail(
            path, f"There should only be one of the following fields: [{', '.join(OPERATORS)}]"
        )
        return
    name = operators[0]
    reason = _operand_problem(OPERATORS[name], rule[name])
    if reason is not None:
        scope.fail(child(path, name), reason)


def _operand_problem(kind: str, value: Any) -> str | None:
    checks: dict[str, tuple[Callable[[Any], bool], str]] = {
        "string": (lambda v: isinstance(v, str), "Expected value of type String"),
        "number": (is_number, "Expected value of type Number"),
        "boolean": (lambda v: isinstance(v, bool), "Expected value of type Boolean"),
        "timestamp": (is_timestamp, "String does not match RFC3339 timestamp"),
        "path": (is_path, "Value is not a valid JSONPath"),
    }
    accepts, reason = checks[kind]
    return None if accepts(value) else reason


STATE_CHECKS: Final[dict[str, Callable[[Scope, str, dict[str, Any]], None]]] = {
    "Task": _task,
    "Wait": _wait,
    "Parallel": _parallel,
    "Map": _map,
    "Choice": _choice,
}


def _state(ctx: Context, path: str, name: str, state: Any) -> None:
    scope = Scope(ctx, ctx.machine_language)
    if len(name) > MAX_NAME_LENGTH:
        ctx.fail(
            path, f"State name '{name}' exceeds {MAX_NAME_LENGTH} characters", INVALID_STATE_NAME
        )
    if name in ctx.state_names:
        ctx.fail(path, f"Duplicate State name: {name}", DUPLICATE_STATE_NAME)
    ctx.state_names.add(name)
    if not scope.check_object(path, state) or not required(scope, path, state, ("Type",)):
        return
    kind = state["Type"]
    if not scope.check_enum(child(path, "Type"), kind, STATE_TYPES):
        return
    scope = Scope(ctx, _query_language(scope, path, state))
    known_fields(scope, path, state, COMMON_FIELDS | STATE_FIELDS[kind])
    language_fields(scope, path, {k: v for k, v in state.items() if k in STATE_FIELDS[kind]})
    exclusive(scope, path, state)
    transition(scope, path, kind, state)
    for key, value in state.items():
        check = FIELD_CHECKS.get(key)
        if check is not None and key in STATE_FIELDS[kind] | {"Comment"}:
            check(scope, child(path, key), value)
    if kind in STATE_CHECKS:
        STATE_CHECKS[kind](scope, path, state)


def _query_language(scope: Scope, path: str, state: dict[str, Any]) -> str:
    """The state's effective language; nested states inherit the machine's, not their parent's."""
    if "QueryLanguage" not in state:
        return scope.ctx.machine_language
    value = state["QueryLanguage"]
    scope.check_enum(child(path, "QueryLanguage"), value, (JSONPATH, JSONATA))
    if value == JSONPATH and scope.ctx.machine_language == JSONATA:
        scope.fail(
            path,
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )
    return JSONPATH if value == JSONPATH else JSONATA


# --- containers ---


def check_states(ctx: Context, path: str, container: dict[str, Any]) -> None:
    """A set of states with its StartAt: the machine, a Parallel branch or a Map processor."""
    scope = Scope(ctx, ctx.machine_language)
    if not required(scope, path, container, ("StartAt", "States")):
        return
    start, states = container["StartAt"], container["States"]
    if not scope.check_string(child(path, "StartAt"), start):
        return
    states_path = child(path, "States")
    if not scope.check_object(states_path, states):
        return
    for name in getattr(states, "duplicates", ()):
        ctx.fail(child(states_path, name), f"Duplicate State name: {name}", DUPLICATE_STATE_NAME)
    for name, state in states.items():
        _state(ctx, child(states_path, name), name, state)
    check_graph(ctx, path, start, states)
