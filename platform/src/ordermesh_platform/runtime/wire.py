"""The AWS wire protocol for the local bus: EventBridge's JSON 1.1 API over HTTP, so
``boto3.client("events", endpoint_url=...)`` and ``aws events ... --endpoint-url`` work.

Operations: PutEvents, TestEventPattern, ListRules, DescribeRule, ListTargetsByRule. Requests
are routed by the ``X-Amz-Target`` header; errors come back as AWS sends them
(HTTP 400, ``{"__type": code, "message": ...}``). Signatures are not checked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern
from ordermesh_platform.runtime.bus import BusError, LocalEventBus, Rule

CONTENT_TYPE = "application/x-amz-json-1.1"
EVENT_REQUIRED_FIELDS = ("id", "account", "source", "time", "region", "detail-type")

Operation = Callable[[LocalEventBus, dict[str, Any]], dict[str, Any]]


class WireError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _put_events(bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    entries = body.get("Entries")
    if not isinstance(entries, list):
        raise WireError(
            "ValidationException",
            "1 validation error detected: Value null at 'entries' failed to satisfy "
            "constraint: Member must not be null",
        )
    return bus.put_events(entries).to_aws()


def _test_event_pattern(_bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    pattern, event_text = body.get("EventPattern"), body.get("Event")
    if not isinstance(pattern, str) or not isinstance(event_text, str):
        raise WireError("ValidationException", "EventPattern and Event are required strings")
    compiled = compile_pattern(pattern)
    try:
        event = json.loads(event_text)
    except ValueError as exc:
        raise WireError(
            "InvalidEventPatternException", f"Event is not valid JSON: {exc}"
        ) from exc  # AWS uses this code
    if not isinstance(event, dict):
        raise WireError("ValidationException", "Parameter Event is not valid.")
    missing = [f for f in EVENT_REQUIRED_FIELDS if f not in event]
    if missing:
        raise WireError(
            "ValidationException",
            "Parameter Event is not valid. Reason: Provided Event is missing required fields: "
            + ", ".join(missing),
        )
    return {"Result": compiled.matches_json(event_text)}


def _rule_view(bus: LocalEventBus, rule: Rule, arn: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "Name": rule.name,
        "Arn": arn,
        "EventPattern": rule.event_pattern,
        "State": rule.state,
        "EventBusName": bus.name,
    }
    if rule.description:
        view["Description"] = rule.description
    if rule.managed_by:
        view["ManagedBy"] = rule.managed_by
    return view


def _check_bus(bus: LocalEventBus, body: Mapping[str, Any]) -> None:
    name = body.get("EventBusName") or "default"
    if name not in (bus.name, bus.arn):
        raise WireError("ResourceNotFoundException", f"Event bus {name} does not exist.")


def _list_rules(bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    _check_bus(bus, body)
    rules = bus.rules(str(body.get("NamePrefix") or ""))
    limit = int(body.get("Limit") or 100)
    start = int(body.get("NextToken") or 0)
    page = rules[start : start + limit]
    response: dict[str, Any] = {
        "Rules": [_rule_view(bus, r, bus.describe_rule(r.name)[1]) for r in page]
    }
    if start + limit < len(rules):
        response["NextToken"] = str(start + limit)
    return response


def _describe_rule(bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    _check_bus(bus, body)
    rule, arn = bus.describe_rule(str(body.get("Name")))
    return {**_rule_view(bus, rule, arn), "CreatedBy": "000000000000"}


def _list_targets_by_rule(bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    _check_bus(bus, body)
    rule, _ = bus.describe_rule(str(body.get("Rule")))
    from ordermesh_platform.runtime.aws import (
        function_arn,
        queue_arn,
        state_machine_arn,
        stream_arn,
    )

    arns = {
        "function": function_arn,
        "queue": queue_arn,
        "stream": stream_arn,
        "state-machine": state_machine_arn,
    }
    targets = []
    for target in rule.targets:
        view: dict[str, Any] = {"Id": target.id, "Arn": arns[target.kind](target.name)}
        if target.input.input_path:
            view["InputPath"] = target.input.input_path
        if target.input.input_transformer:
            view["InputTransformer"] = {
                "InputPathsMap": target.input.input_transformer.input_paths_map,
                "InputTemplate": target.input.input_transformer.input_template,
            }
        targets.append(view)
    return {"Targets": targets}


OPERATIONS: dict[str, Operation] = {
    "PutEvents": _put_events,
    "TestEventPattern": _test_event_pattern,
    "ListRules": _list_rules,
    "DescribeRule": _describe_rule,
    "ListTargetsByRule": _list_targets_by_rule,
}


def _error(code: str, message: str, status: int = 400) -> Response:
    return JSONResponse(
        {"__type": code, "message": message}, status_code=status, media_type=CONTENT_TYPE
    )


def events_endpoint(bus: LocalEventBus) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving EventBridge's JSON 1.1 operations on ``bus``."""

    async def endpoint(request: Request) -> Response:  # noqa: PLR0911 - one return per AWS error
        target = request.headers.get("x-amz-target", "")
        service, _, operation = target.partition(".")
        handler = OPERATIONS.get(operation) if service == "AWSEvents" else None
        if handler is None:
            return _error("UnknownOperationException", f"unknown operation {target!r}")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error("SerializationException", "the request body is not valid JSON")
        if not isinstance(body, dict):
            return _error("SerializationException", "the request body must be a JSON object")
        try:
            result = handler(bus, body)
        except WireError as exc:
            return _error(exc.code, exc.message, exc.status)
        except BusError as exc:
            return _error(exc.code, exc.message)
        except InvalidEventPatternError as exc:
            return _error("InvalidEventPatternException", str(exc))
        return Response(json.dumps(result), media_type=CONTENT_TYPE)

    return endpoint


def events_app(bus: LocalEventBus) -> Starlette:
    return Starlette(routes=[Route("/", events_endpoint(bus), methods=["POST"])])
