"""Checks every stack's assertion tests share: IAM statements read from a synthesized template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

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
