"""Checks every stack's assertion tests share: IAM statements read from a synthesized template,
and the catalog's list of a unit's resources compared with its templates."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ordermesh_contracts.resources import KINDS, Resource

# Actions AWS only grants on "*": X-Ray's trace upload, and the CloudWatch Logs delivery
# actions a state machine's role needs to log its executions.
ANY_RESOURCE_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement of every policy (inline, managed or a role's) in ``template``."""
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        documents = [properties.get("PolicyDocument")]
        documents += [p.get("PolicyDocument") for p in properties.get("Policies", [])]
        for document in documents:
            if document:
                yield from _listed(document.get("Statement", []))


def wildcard_problems(template: Mapping[str, Any]) -> list[str]:
    """Allow statements granting ``Action: "*"`` (or ``service:*``), or ``Resource: "*"`` for
    actions that have resources. (A Deny may be as wide as it likes.)"""
    problems = []
    for statement in statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _listed(statement.get("Action", []))]
        resources = _listed(statement.get("Resource", []))
        if any(a == "*" or a.endswith(":*") for a in actions):
            problems.append(f"wildcard action in {statement}")
        if "*" in resources and not set(actions) <= ANY_RESOURCE_ACTIONS:
            problems.append(f"Resource '*' for {actions}")
    return problems


def put_events_sources(template: Mapping[str, Any]) -> list[list[str] | None]:
    """For each statement allowing ``events:PutEvents``: the ``events:source`` values its
    condition allows (``None``: no such condition, any source)."""
    found: list[list[str] | None] = []
    for statement in statements(template):
        if "events:PutEvents" not in _listed(statement.get("Action", [])):
            continue
        condition = statement.get("Condition", {}).get("StringEquals", {})
        sources = condition.get("events:source")
        found.append(_listed(sources) if sources is not None else None)
    return found


# The property holding the name of each listed kind AWS names; the others are found by logical id.
NAME_PROPERTIES = {
    "AWS::SNS::Topic": "TopicName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::ApiGatewayV2::Api": "Name",
}
_PATH_HASH = re.compile(r"[0-9A-F]{8}$")  # what CDK appends to a logical id


def deployed(templates: Iterable[Mapping[str, Any]]) -> Counter[tuple[str, str]]:
    """(type, name or logical id without its hash) of each resource of a kind the catalog lists
    (``ordermesh_contracts.resources.KINDS``) in ``templates``."""
    found: Counter[tuple[str, str]] = Counter()
    for template in templates:
        for logical_id, resource in template["Resources"].items():
            kind = resource["Type"]
            if kind not in KINDS:
                continue
            name_property = NAME_PROPERTIES.get(kind)
            if name_property is not None:
                found[kind, str(resource.get("Properties", {}).get(name_property))] += 1
            else:
                found[kind, _PATH_HASH.sub("", logical_id)] += 1
    return found


def catalog_disagreements(
    listed: Sequence[Resource], templates: Iterable[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """The resources the catalog lists that ``templates`` lack, and the resources of a listed
    kind ``templates`` hold that the catalog does not list, each as ``type identifier``."""
    catalog = Counter((r.kind, r.identifier) for r in listed)
    templated = deployed(templates)
    missing = sorted(f"{kind} {name}" for kind, name in (catalog - templated).elements())
    unlisted = sorted(f"{kind} {name}" for kind, name in (templated - catalog).elements())
    return missing, unlisted
