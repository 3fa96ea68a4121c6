"""The AWS wire protocol of the local runtime: AWS's JSON protocols over HTTP on one port, so
``boto3.client("events", endpoint_url=...)``, ``boto3.client("stepfunctions", ...)`` and
``aws ... --endpoint-url`` work.

EventBridge (JSON 1.1, ``X-Amz-Target: AWSEvents.*``): PutEvents, TestEventPattern, ListRules,
DescribeRule, ListTargetsByRule. Step Functions (JSON 1.0, ``AWSStepFunctions.*``; see
``runtime.sfn_wire``) when ``aws_app`` is given the runtime's Step Functions service.
Requests are routed by the ``X-Amz-Target`` header (``runtime.awsjson``); errors come back as AWS
sends them (HTTP 400, ``{"__type": code, "message": ...}``). SNS speaks AWS's query protocol
instead (``runtime.awsquery``, ``runtime.sns_wire``): a request without ``X-Amz-Target`` whose
body is a form goes to it, routed by its ``Action``, and is answered in XML. Signatures are not
checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern
from ordermesh_platform.runtime.awsjson import (
    JSON_1_1,
    Endpoint,
    JsonService,
    WireError,
    json_endpoint,
)
from ordermesh_platform.runtime.awsquery import is_query_request, query_endpoint
from ordermesh_platform.runtime.bus import LocalEventBus, Rule
from ordermesh_platform.runtime.sfn_wire import sfn_service
from ordermesh_platform.runtime.sns_wire import sns_service

if TYPE_CHECKING:
    from ordermesh_platform.runtime.topics import Topics
    from ordermesh_platform.sfn.engine import StepFunctions

CONTENT_TYPE = JSON_1_1
EVENT_REQUIRED_FIELDS = ("id", "account", "source", "time", "region", "detail-type")

Operation = Callable[[LocalEventBus, dict[str, Any]], dict[str, Any]]


def _put_events(bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    entries = body.get("Entries")
    if not isinstance(entries, list):
        raise WireError(
            "ValidationException",
            "1 validation error detected: Value null at 'entries' failed to satisfy "
            "constraint: Member must not be null",
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            # AWS's JSON reader refuses the request before EventBridge sees it
            raise WireError(
                "SerializationException",
                f"Entries[{index}] must be a structure (a JSON object), not {type(entry).__name__}",
            )
    return bus.put_events(entries).to_aws()


def _test_event_pattern(_bus: LocalEventBus, body: dict[str, Any]) -> dict[str, Any]:
    pattern, event_text = body.get("EventPattern"), body.get("Event")
    if not isinstance(pattern, str) or not isinstance(event_text, str):
        raise WireError("ValidationException", "EventPattern and Event are required strings")
    try:
        compiled = compile_pattern(pattern)
    except InvalidEventPatternError as exc:
        raise WireError("InvalidEventPatternException", str(exc)) from exc
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
    from ordermesh_platform.shared.aws import (
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


def events_service(bus: LocalEventBus) -> JsonService[LocalEventBus]:
    """EventBridge's JSON 1.1 operations on ``bus``."""
    return JsonService("AWSEvents", CONTENT_TYPE, OPERATIONS, bus)


def aws_endpoint(
    bus: LocalEventBus, sfn: StepFunctions | None = None, topics: Topics | None = None
) -> Endpoint:
    """One endpoint for the runtime's AWS APIs: EventBridge on ``bus`` and, when given, Step
    Functions (JSON, by ``X-Amz-Target``) and SNS (query, by ``Action``), on one port."""
    services: list[JsonService[Any]] = [events_service(bus)]
    if sfn is not None:
        services.append(sfn_service(sfn))
    json_api = json_endpoint(*services)
    if topics is None:
        return json_api
    query_api = query_endpoint(sns_service(topics))

    async def endpoint(request: Request) -> Response:
        if is_query_request(request):
            return await query_api(request)
        return await json_api(request)

    return endpoint


def aws_app(
    bus: LocalEventBus, sfn: StepFunctions | None = None, topics: Topics | None = None
) -> Starlette:
    """``aws_endpoint`` served at POST /."""
    return Starlette(routes=[Route("/", aws_endpoint(bus, sfn, topics), methods=["POST"])])


def events_app(bus: LocalEventBus) -> Starlette:
    """EventBridge alone (``aws_app(bus)``)."""
    return aws_app(bus)
