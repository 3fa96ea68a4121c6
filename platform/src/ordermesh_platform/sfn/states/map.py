"""Map: the state runs its item processor once per item of an array, and collects the outputs.

The first step after ``MapStateEntered`` reads MaxConcurrency, the items (JSONPath ``ItemsPath``
on the effective input, or ``Items``; JSONata ``Items`` or the input), records
``MapStateStarted`` and reads the tolerated failures (AWS reads them after that event). Each
later step starts iterations up to MaxConcurrency (``MapIterationStarted``, the item through
ItemSelector or Parameters), steps the running ones round-robin (``Execution.step_children``)
and records each that ends (``MapIterationSucceeded`` or ``MapIterationFailed``). Its results
are in item order; a failure beyond ToleratedFailureCount or ToleratedFailurePercentage aborts
the iterations still running and fails the state (``States.ExceedToleratedFailureThreshold``
when a tolerance was set or the Map is distributed, else the iteration's error).

A distributed Map (``ProcessorConfig.Mode`` DISTRIBUTED) runs each iteration as a child
execution: ``MapRunStarted``, then ``MapRunSucceeded`` or ``MapRunFailed`` in this history, and
the iterations' events in their own.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import (
    context_object,
    effective_input,
    eval_jsonata,
    field_value,
    is_jsonata,
    run_jsonpath,
    state_output,
    states_binding,
)
from ordermesh_platform.sfn.errors import (
    STATES_QUERY_EVALUATION_ERROR,
    STATES_RUNTIME,
    STATES_TOLERATED_FAILURE,
    StatesError,
)
from ordermesh_platform.sfn.json_text import cause_text, copy_json, to_json
from ordermesh_platform.sfn.jsonata_eval import is_jsonata_expression
from ordermesh_platform.sfn.jsonpath import resolve_path
from ordermesh_platform.sfn.payload import render_template
from ordermesh_platform.sfn.step import BLOCKED, MOVED, Frame, StateFailure, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    work = frame["work"]
    if "results" not in work:
        return _map_start(execution, frame, state, work)
    return _map_iterate(execution, frame, state, work)


def _map_start(
    execution: Execution, frame: Frame, state: dict[str, Any], work: dict[str, Any]
) -> str:
    """MaxConcurrency, the items, ``MapStateStarted``, the tolerated failures (AWS reads
    them after the start event) and, for a distributed Map, ``MapRunStarted``."""
    jsonata = is_jsonata(execution, state)
    effective = frame["input"] if jsonata else effective_input(execution, frame, state, "-")
    concurrency = _map_number(execution, frame, state, "MaxConcurrency", effective)
    items = _map_items(execution, frame, state, effective)
    execution.emit(frame, "MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    tolerated_count = _map_number(execution, frame, state, "ToleratedFailureCount", effective)
    tolerated_percentage = _map_number(
        execution, frame, state, "ToleratedFailurePercentage", effective
    )
    if _distributed(state):
        execution_arn: str = execution.context_base["Execution"]["Id"]
        map_run = execution_arn.replace(":execution:", ":mapRun:", 1).rsplit(":", 1)
        label = state.get("Label", frame["state"])
        run_arn = f"{map_run[0]}/{label}:{secrets.token_hex(8)}"
        execution.emit(frame, "MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": run_arn})
    work.update(
        effective=effective,
        items=items,
        concurrency=int(concurrency or 0),
        tolerated_count=tolerated_count,
        tolerated_percentage=tolerated_percentage,
        results=[None] * len(items),
        next=0,
        running=[],
        failures=0,
        finished=0,
    )
    return MOVED


def _map_items(
    execution: Execution, frame: Frame, state: dict[str, Any], effective: Any
) -> list[Any]:
    """The array to iterate: JSONata ``Items`` (or the input), JSONPath ``ItemsPath``."""
    if is_jsonata(execution, state):
        if "Items" not in state:
            if isinstance(effective, list):
                return effective
            cause = f"Map state input must be an array but was: {to_json(effective)}"
            error = StatesError(STATES_QUERY_EVALUATION_ERROR, cause)
            raise fail_data(frame, error, "")
        template = state["Items"]
        items = eval_jsonata(execution, frame, template, "Items", states_binding(execution, frame))
        if isinstance(items, list):
            return items
        expression = template[2:-2].strip() if is_jsonata_expression(template) else template
        cause = (
            f"The JSONata expression '{expression}' specified for the field 'Items' "
            f"returned an unexpected result type. Expected 'array', but was "
            f"'{_json_type(items)}' for value: {to_json(items)}"
        )
        raise fail_data(frame, StatesError(STATES_QUERY_EVALUATION_ERROR, cause), "Items")
    if "Items" in state:
        items = state["Items"]
    else:
        items_path = state.get("ItemsPath", "$")
        context = context_object(execution, frame)
        items = run_jsonpath(
            frame, lambda: resolve_path(items_path, effective, context, frame["vars"])
        )
    if not isinstance(items, list):
        raise fail_data(
            frame,
            StatesError(
                STATES_RUNTIME,
                f"Invalid path '{state.get('ItemsPath', '$')}': the value must be a JSON "
                f"array, but was {to_json(items)}",
            ),
        )
    return items


def _map_number(
    execution: Execution, frame: Frame, state: dict[str, Any], name: str, effective: Any
) -> float | None:
    """MaxConcurrency, ToleratedFailureCount or ToleratedFailurePercentage (or its
    ``Path`` form), checked as AWS checks it; None when the state does not set it."""
    value = field_value(execution, frame, state, name, effective)
    if value is None:
        return None
    percentage = name == "ToleratedFailurePercentage"
    number = _as_number(value, integer=not percentage)
    if number is None:
        field = f"{name}Path" if f"{name}Path" in state else name
        source = state.get(field)
        if isinstance(source, str) and is_jsonata_expression(source):
            source = source[2:-2].strip()
        kind = "float" if percentage else "integer"
        cause = (
            f'The {field} field refers to value "{cause_text(value)}" which is not a valid '
            f"{kind}: {source}"
        )
    elif percentage and not 0 <= number <= 100:  # noqa: PLR2004 - a percentage
        cause = "ToleratedFailurePercentage must be between 0 and 100."
    elif number < 0 and name == "ToleratedFailureCount":
        cause = "ToleratedFailureCount cannot be negative."
    elif number < 0:
        cause = f"Expected non-negative integer for MaxConcurrency, got '{value}' instead."
    else:
        return number
    raise fail_data(frame, StatesError(STATES_RUNTIME, cause))


def _processor(state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    return key, state[key]


def _distributed(state: dict[str, Any]) -> bool:
    _, processor = _processor(state)
    mode: str | None = processor.get("ProcessorConfig", {}).get("Mode")
    return mode == "DISTRIBUTED"


def _map_iterate(
    execution: Execution, frame: Frame, state: dict[str, Any], work: dict[str, Any]
) -> str:
    distributed = _distributed(state)
    items: list[Any] = work["items"]
    running: list[Frame] = work["running"]
    limit = work["concurrency"] or len(items)
    progress = BLOCKED
    while work["next"] < len(items) and len(running) < max(limit, 1):
        running.append(_map_iteration(execution, frame, state, work, work["next"], distributed))
        work["next"] += 1
        progress = MOVED
    if running and execution.step_children(running, executions=distributed) == MOVED:
        progress = MOVED
    for child in [c for c in running if c["status"] != "running"]:
        running.remove(child)
        index = child["index"]
        work["finished"] += 1
        if not distributed:
            kind = "Succeeded" if child["status"] == "succeeded" else "Failed"
            work["last_iteration_event"] = execution.emit(
                frame,
                f"MapIteration{kind}",
                f"mapIteration{kind}EventDetails",
                {"index": index, "name": frame["state"]},
                prev=child["prev"],
                advance=False,
            )
            frame["prev"] = child["prev"]
        if child["status"] == "succeeded":
            work["results"][index] = child["output"]
        else:
            work["failures"] += 1
            if not _tolerated(work, len(items)):
                return _map_failed(execution, frame, work, running, child, distributed)
        progress = MOVED
    if work["finished"] == len(items):
        return _map_succeeded(execution, frame, state, work, distributed)
    return progress


def _map_iteration(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    work: dict[str, Any],
    index: int,
    distributed: bool,  # noqa: FBT001
) -> Frame:
    item = {"Index": index, "Value": work["items"][index]}
    if not distributed:
        execution.emit(
            frame,
            "MapIterationStarted",
            "mapIterationStartedEventDetails",
            {"index": index, "name": frame["state"]},
        )
    value = _item_input(execution, frame, state, work, item)
    key, processor = _processor(state)
    child = execution.new_frame(
        [*frame["block"], "States", frame["state"], key],
        processor["StartAt"],
        value,
        variables=dict(frame["vars"]),
        prev=0 if distributed else frame["prev"],
    )
    child["index"] = index
    if distributed:
        child["child_next_id"] = 2  # after the child execution's ExecutionStarted
    return child


def _item_input(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    work: dict[str, Any],
    item: dict[str, Any],
) -> Any:
    selector_key = "ItemSelector" if "ItemSelector" in state else "Parameters"
    if selector_key not in state:
        return copy_json(item["Value"])
    context = {**context_object(execution, frame), "Map": {"Item": item}}
    if is_jsonata(execution, state):
        binding = {"input": frame["input"], "context": context}
        return eval_jsonata(execution, frame, state[selector_key], selector_key, binding)
    template = state[selector_key]
    return run_jsonpath(
        frame,
        lambda: render_template(
            template, work["effective"], context, frame["vars"], rng=execution.rng
        ),
    )


def _tolerated(work: dict[str, Any], total: int) -> bool:
    count = work.get("tolerated_count")
    percentage = work.get("tolerated_percentage")
    if count is None and percentage is None:
        return False
    if count is not None and work["failures"] <= count:
        return True
    return bool(percentage is not None and work["failures"] * 100 <= percentage * total)


def _map_failed(
    execution: Execution,
    frame: Frame,
    work: dict[str, Any],
    running: list[Frame],
    failed: Frame,
    distributed: bool,  # noqa: FBT001
) -> str:
    if distributed:
        execution.emit(frame, "MapRunFailed", "mapRunFailedEventDetails", {})
    else:
        for child in running:
            execution.emit(
                frame,
                "MapIterationAborted",
                "mapIterationAbortedEventDetails",
                {"index": child["index"], "name": frame["state"]},
                advance=False,
            )
        frame["prev"] = failed["prev"]
    tolerance = work.get("tolerated_count") is not None or (
        work.get("tolerated_percentage") is not None
    )
    for key in ("items", "results", "running"):
        work.pop(key, None)
    if distributed or tolerance:
        raise StateFailure(
            STATES_TOLERATED_FAILURE,
            "The specified tolerated failure threshold was exceeded",
            from_child=True,
        )
    raise StateFailure(failed["error"], failed["cause"], from_child=True)


def _map_succeeded(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    work: dict[str, Any],
    distributed: bool,  # noqa: FBT001
) -> str:
    if distributed:
        execution.emit(frame, "MapRunSucceeded", None, None)
    elif "last_iteration_event" in work:
        frame["prev"] = work["last_iteration_event"]
    execution.emit(frame, "MapStateSucceeded", None, None, advance=False)
    results = work.pop("results")
    work.pop("items", None)
    output, assigned = state_output(execution, frame, state, results)
    return execution.exit_state(frame, state, output, assigned)


_INTEGER_TEXT = re.compile(r"-?\d+")
_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _as_number(value: Any, *, integer: bool) -> float | None:
    """A JSON number (or a string holding one) as AWS reads an integer or float field."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        pattern = _INTEGER_TEXT if integer else _NUMBER_TEXT
        if pattern.fullmatch(value) is None:
            return None
        return int(value) if integer else float(value)
    if isinstance(value, int) or (isinstance(value, float) and not integer):
        return value
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"
